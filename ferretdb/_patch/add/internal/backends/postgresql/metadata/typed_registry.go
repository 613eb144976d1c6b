// Added by the directory service's build (ferretdb/_patch): setting a collection's validator, and trigram search
// indexes.

package metadata

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// ErrCollectionNotFound is returned for a collection that does not exist.
var ErrCollectionNotFound = errors.New("collection does not exist")

// ErrExistingDocuments is returned when documents already stored break a new validator.
var ErrExistingDocuments = errors.New("existing documents do not satisfy the validator")

// CollectionSetValidator sets (or with an empty validator removes) a collection's validator. It installs the
// CHECK constraint (which PostgreSQL validates against every stored document), the typed fields' columns
// (TypedSchema.Columns: copies of their values, kept by PostgreSQL) and rebuilds the collection's indexes for the
// new typed fields, in one transaction. Setting the validator a collection already has, with its columns, does
// nothing; a table made before typed fields had columns gets them.
//
// Other FerretDB processes sharing the database see the change after their restart; the constraint holds for
// them at once.
func (r *Registry) CollectionSetValidator(ctx context.Context, dbName, collectionName string, validator *types.Document) error { //nolint:lll // for readability
	schema, err := ParseValidator(validator)
	if err != nil {
		return err
	}

	p, err := r.getPool(ctx)
	if err != nil {
		return lazyerrors.Error(err)
	}

	r.rw.Lock()
	defer r.rw.Unlock()

	c := r.collectionGet(dbName, collectionName)
	if c == nil {
		return ErrCollectionNotFound
	}

	table := pgx.Identifier{dbName, c.TableName}.Sanitize()

	columns, err := typedColumns(ctx, p, dbName, c.TableName)
	if err != nil {
		return lazyerrors.Error(err)
	}

	wanted := schema.Columns()
	if sameValidator(c.Schema, schema) && sameColumns(columns, wanted) {
		return nil
	}

	c.Schema = schema
	constraint := pgx.Identifier{SchemaConstraint}.Sanitize()

	err = pgx.BeginFunc(ctx, p, func(tx pgx.Tx) error {
		// the key expressions of an index depend on the typed fields (IndexColumns), and dropping a column drops
		// the indexes over it: drop them all, change the table, build them again
		for _, index := range c.Indexes {
			q := fmt.Sprintf(`DROP INDEX %s`, pgx.Identifier{dbName, index.PgIndex}.Sanitize())
			if _, err := tx.Exec(ctx, q); err != nil {
				return lazyerrors.Error(err)
			}
		}

		changes := []string{fmt.Sprintf(`DROP CONSTRAINT IF EXISTS %s`, constraint)}

		for _, name := range columns {
			if _, keep := wanted[name]; !keep {
				changes = append(changes, fmt.Sprintf(`DROP COLUMN %s`, pgx.Identifier{name}.Sanitize()))
			}
		}

		for _, name := range slices.Sorted(maps.Keys(wanted)) {
			if !slices.Contains(columns, name) {
				changes = append(changes, "ADD COLUMN "+wanted[name])
			}
		}

		if schema != nil {
			changes = append(changes, fmt.Sprintf(`ADD CONSTRAINT %s CHECK (%s)`, constraint, schema.CheckExpression()))
		}

		q := fmt.Sprintf(`ALTER TABLE %s %s`, table, strings.Join(changes, ", "))
		if _, err := tx.Exec(ctx, q); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == pgerrcode.CheckViolation {
				return ErrExistingDocuments
			}

			return lazyerrors.Error(err)
		}

		for _, index := range c.Indexes {
			columns, method := schema.IndexColumns(index.Key, index.Unique)

			unique := ""
			if index.Unique {
				unique = "UNIQUE "
			}

			q = fmt.Sprintf(
				`CREATE %sINDEX %s ON %s USING %s (%s)`,
				unique, pgx.Identifier{index.PgIndex}.Sanitize(), table, method, strings.Join(columns, ", "),
			)
			if _, err := tx.Exec(ctx, q); err != nil {
				return lazyerrors.Error(err)
			}
		}

		b, err := sjson.Marshal(c.marshal())
		if err != nil {
			return lazyerrors.Error(err)
		}

		q = fmt.Sprintf(
			`UPDATE %s SET %s = $1 WHERE %s = $2`,
			pgx.Identifier{dbName, metadataTableName}.Sanitize(), DefaultColumn, IDColumn,
		)

		_, err = tx.Exec(ctx, q, string(b), must.NotFail(sjson.MarshalSingleValue(collectionName)))

		return err
	})
	if err != nil {
		return err
	}

	r.colls[dbName][collectionName] = c

	return nil
}

// typedColumns returns the names of a table's columns that hold typed fields (ColumnPrefix).
func typedColumns(ctx context.Context, p *pgxpool.Pool, schemaName, table string) ([]string, error) {
	rows, err := p.Query(
		ctx,
		`SELECT attname FROM pg_attribute WHERE attrelid = ($1 || '.' || $2)::regclass AND attnum > 0 AND NOT attisdropped AND starts_with(attname, $3) ORDER BY attname`,
		pgx.Identifier{schemaName}.Sanitize(), pgx.Identifier{table}.Sanitize(), ColumnPrefix,
	)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	return pgx.CollectRows(rows, pgx.RowTo[string])
}

func sameColumns(have []string, want map[string]string) bool {
	if len(have) != len(want) {
		return false
	}

	for _, name := range have {
		if _, ok := want[name]; !ok {
			return false
		}
	}

	return true
}

func sameValidator(a, b *TypedSchema) bool {
	if a == nil || b == nil {
		return a == b
	}

	x, errX := sjson.Marshal(a.Validator)
	y, errY := sjson.Marshal(b.Validator)

	return errX == nil && errY == nil && bytes.Equal(x, y)
}

// SearchIndexesCreate creates a trigram index (pg_trgm, GIN) on each of these top-level string fields, which
// answers PostgreSQL's LIKE '%…%' (see typed_filter.go's regex), over the field's text (TypedSchema.Text: its
// column where it has one). Existing ones are kept; an index over the text of the document, which a field that got
// a column no longer uses, is replaced. The pg_trgm extension is created when missing, which needs the privilege to
// do so.
func (r *Registry) SearchIndexesCreate(ctx context.Context, dbName, collectionName string, fields []string) ([]string, error) { //nolint:lll // for readability
	p, err := r.getPool(ctx)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	r.rw.Lock()
	defer r.rw.Unlock()

	c := r.collectionGet(dbName, collectionName)
	if c == nil {
		return nil, ErrCollectionNotFound
	}

	if _, err = p.Exec(ctx, `CREATE EXTENSION IF NOT EXISTS pg_trgm`); err != nil {
		return nil, lazyerrors.Error(err)
	}

	names := make([]string, len(fields))

	for i, f := range fields {
		text := c.Schema.Text(f)
		names[i] = trigramIndexName(c.TableName, f, text)

		q := fmt.Sprintf(
			`CREATE INDEX IF NOT EXISTS %s ON %s USING gin (%s gin_trgm_ops)`,
			pgx.Identifier{names[i]}.Sanitize(), pgx.Identifier{dbName, c.TableName}.Sanitize(), text,
		)

		if _, err = p.Exec(ctx, q); err != nil {
			return nil, lazyerrors.Error(err)
		}

		// the index over the document's text, made before the field had a column (its name hashes the field only)
		if legacy := trigramIndexName(c.TableName, f, ""); legacy != names[i] {
			q = fmt.Sprintf(`DROP INDEX IF EXISTS %s`, pgx.Identifier{dbName, legacy}.Sanitize())
			if _, err = p.Exec(ctx, q); err != nil {
				return nil, lazyerrors.Error(err)
			}
		}
	}

	return names, nil
}

// trigramIndexName names the trigram index of a field over an expression: table, field and a hash of the field
// (and of the expression, unless it is the document's text, as the first such indexes were named).
func trigramIndexName(table, field, text string) string {
	h := fnv.New32a()
	must.NotFail(h.Write([]byte(field)))

	if text != "" && text != documentText(field) {
		must.NotFail(h.Write([]byte("\x00" + text)))
	}

	part := specialCharacters.ReplaceAllString(strings.ToLower(field), "_")
	suffix := fmt.Sprintf("_%08x_trgm", h.Sum32())

	if len(table) > maxIndexNameLength/2-1 {
		table = table[:maxIndexNameLength/2-1]
	}

	if l := maxIndexNameLength/2 - len(suffix); len(part) > l {
		part = part[:l]
	}

	return table + "_" + part + suffix
}
