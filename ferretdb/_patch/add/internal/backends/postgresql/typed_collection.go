// Added by the directory service's build (ferretdb/_patch): backends.TypedCollection for PostgreSQL.
//
// Queries on collections with a validator are translated by typed_filter.go; writes are compare-and-set on the
// stored document, so concurrent writers of one document serialize as on MongoDB: FerretDB reads a document,
// applies the update in Go and writes it back, and without the comparison a write made in between is lost.

package postgresql

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/backends/postgresql/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// typedTarget is what a typed operation needs: the pool and the collection's metadata with a validator.
// ok is false when the collection does not exist, has no validator, or is capped.
func (c *collection) typedTarget(ctx context.Context) (p *pgxpool.Pool, meta *metadata.Collection, ok bool, err error) {
	p, err = c.r.DatabaseGetExisting(ctx, c.dbName)
	if err != nil || p == nil {
		return nil, nil, false, err
	}

	meta, err = c.r.CollectionGet(ctx, c.dbName, c.name)
	if err != nil || meta == nil || meta.Schema == nil || meta.Capped() {
		return nil, nil, false, err
	}

	return p, meta, true, nil
}

func (c *collection) table(meta *metadata.Collection) string {
	return pgx.Identifier{c.dbName, meta.TableName}.Sanitize()
}

// stringOrders caches, per pool, whether the database's default collation orders strings by code point (as
// MongoDB does); see typed_filter.go.
var stringOrders sync.Map // *pgxpool.Pool -> bool

func stringOrder(ctx context.Context, p *pgxpool.Pool) (bool, error) {
	if v, ok := stringOrders.Load(p); ok {
		return v.(bool), nil
	}

	var provider, collate string

	q := `SELECT datlocprovider::text, datcollate FROM pg_database WHERE datname = current_database()`
	if err := p.QueryRow(ctx, q).Scan(&provider, &collate); err != nil {
		return false, lazyerrors.Error(err)
	}

	var res bool

	switch provider {
	case "b": // builtin: C, C.UTF-8 and PG_UNICODE_FAST all sort by code point
		res = true
	case "c":
		switch strings.ToLower(strings.ReplaceAll(collate, "-", "")) {
		case "c", "posix", "c.utf8":
			res = true
		}
	}

	stringOrders.Store(p, res)

	return res, nil
}

func (c *collection) builder(ctx context.Context, p *pgxpool.Pool, meta *metadata.Collection) (*sqlBuilder, error) {
	so, err := stringOrder(ctx, p)
	if err != nil {
		return nil, err
	}

	return &sqlBuilder{schema: meta.Schema, stringOrder: so}, nil
}

// typedSelect builds the SELECT for a typed query and says what it evaluates.
func (c *collection) typedSelect(ctx context.Context, p *pgxpool.Pool, meta *metadata.Collection, params *backends.TypedQueryParams) (string, []any, *backends.TypedQueryResult, *projection, error) { //nolint:lll // for readability
	b, err := c.builder(ctx, p, meta)
	if err != nil {
		return "", nil, nil, nil, err
	}

	comment := strings.ReplaceAll(params.Comment, "\x01", "") // \x01 marks arguments (sqlBuilder.query)
	sel := prepareSelectClause(&selectParams{Schema: c.dbName, Table: meta.TableName, Comment: comment})
	q := ""

	where := b.filter(params.Filter)
	if where.sql != "" {
		q += " WHERE " + where.sql
	}

	res := &backends.TypedQueryResult{FilterExact: where.exact}

	if where.exact {
		if orderBy, ok := b.orderBy(params.Sort); ok {
			q += orderBy
			res.Sorted = params.Sort.Len() > 0

			if params.Limit > 0 {
				q += " LIMIT " + b.arg(params.Limit)
			}

			if params.Skip > 0 {
				q += " OFFSET " + b.arg(params.Skip)
			}

			res.SkipLimitApplied = true
		}
	}

	// only the fields asked for, once PostgreSQL does all the rest (FerretDB filters, sorts, skips and limits
	// whole documents)
	var proj *projection

	if len(params.Fields) > 0 && res.FilterExact && res.SkipLimitApplied {
		var cols string
		cols, proj = b.projection(params.Fields)

		// the SELECT clause ends with the document's column and the table (after a comment, which cannot hold "*/")
		table := " FROM " + pgx.Identifier{c.dbName, meta.TableName}.Sanitize()

		prefix, found := strings.CutSuffix(sel, " "+metadata.DefaultColumn+table)
		if !found {
			return "", nil, nil, nil, lazyerrors.Errorf("unexpected SELECT clause: %q", sel)
		}

		sel = prefix + " " + cols + table
		res.Projected = true
	}

	q, args := b.query(sel + q)

	return q, args, res, proj, nil
}

// TypedQuery implements backends.TypedCollection interface.
func (c *collection) TypedQuery(ctx context.Context, params *backends.TypedQueryParams) (*backends.TypedQueryResult, error) { //nolint:lll // for readability
	p, meta, ok, err := c.typedTarget(ctx)
	if err != nil || !ok {
		return nil, err
	}

	q, args, res, proj, err := c.typedSelect(ctx, p, meta, params)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	rows, err := p.Query(ctx, q, args...)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	if proj != nil {
		res.Iter = newProjectedIterator(ctx, rows, proj)
	} else {
		res.Iter = newQueryIterator(ctx, rows, false)
	}

	return res, nil
}

// TypedExplain implements backends.TypedCollection interface.
func (c *collection) TypedExplain(ctx context.Context, params *backends.TypedQueryParams) (*backends.TypedExplainResult, error) { //nolint:lll // for readability
	p, meta, ok, err := c.typedTarget(ctx)
	if err != nil || !ok {
		return nil, err
	}

	var q string
	var args []any
	var res *backends.TypedQueryResult

	if params.Count {
		sb, err := c.builder(ctx, p, meta)
		if err != nil {
			return nil, lazyerrors.Error(err)
		}

		var exact bool
		q, args, exact = c.countSelect(sb, meta, params.Filter, params.Skip, params.Limit)
		res = &backends.TypedQueryResult{FilterExact: exact, SkipLimitApplied: exact}
	} else if q, args, res, _, err = c.typedSelect(ctx, p, meta, params); err != nil {
		return nil, lazyerrors.Error(err)
	}

	var b []byte
	if err = p.QueryRow(ctx, explainPrefix(params.Analyze)+q, args...).Scan(&b); err != nil {
		return nil, lazyerrors.Error(err)
	}

	plan, err := unmarshalExplain(b)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	return &backends.TypedExplainResult{
		QueryPlanner:     plan,
		FilterExact:      res.FilterExact,
		Sorted:           res.Sorted,
		SkipLimitApplied: res.SkipLimitApplied,
		Projected:        res.Projected,
	}, nil
}

// explainPrefix is the EXPLAIN of a plan, or with analyze of the query run (actual rows, times, heap fetches).
func explainPrefix(analyze bool) string {
	if analyze {
		return "EXPLAIN (ANALYZE true, VERBOSE true, FORMAT JSON) "
	}

	return "EXPLAIN (VERBOSE true, FORMAT JSON) "
}

// countSelect is the SELECT that counts the documents matching filter after skip and limit (limit 0: none); exact
// is false when the filter cannot be evaluated exactly (the count is then not the backend's).
func (c *collection) countSelect(b *sqlBuilder, meta *metadata.Collection, filter *types.Document, skip, limit int64) (string, []any, bool) { //nolint:lll // for readability
	where := b.filter(filter)

	inner := "SELECT 1 FROM " + c.table(meta)
	if where.sql != "" {
		inner += " WHERE " + where.sql
	}

	if limit > 0 {
		inner += " LIMIT " + b.arg(limit)
	}

	if skip > 0 {
		inner += " OFFSET " + b.arg(skip)
	}

	q, args := b.query("SELECT count(*) FROM (" + inner + ") AS counted")

	return q, args, where.exact
}

// TypedCount implements backends.TypedCollection interface.
func (c *collection) TypedCount(ctx context.Context, filter *types.Document, skip, limit int64) (int64, bool, error) {
	p, meta, ok, err := c.typedTarget(ctx)
	if err != nil || !ok {
		return 0, false, err
	}

	b, err := c.builder(ctx, p, meta)
	if err != nil {
		return 0, false, lazyerrors.Error(err)
	}

	q, args, exact := c.countSelect(b, meta, filter, skip, limit)
	if !exact {
		return 0, false, nil
	}

	var n int64
	if err = p.QueryRow(ctx, q, args...).Scan(&n); err != nil {
		return 0, false, lazyerrors.Error(err)
	}

	return n, true, nil
}

// TypedGroupCount implements backends.TypedCollection interface.
func (c *collection) TypedGroupCount(ctx context.Context, params *backends.TypedGroupCountParams) ([]backends.TypedGroup, bool, error) { //nolint:lll // for readability
	p, meta, ok, err := c.typedTarget(ctx)
	if err != nil || !ok {
		return nil, false, err
	}

	kind := meta.Schema.KindOf(params.Field)
	if params.Field != "" && kind != metadata.KindString && kind != metadata.KindDate && kind != metadata.KindBool {
		// (numbers are left out: MongoDB groups 1 and 1.0 under the first one it meets, with its type)
		return nil, false, nil
	}

	b, err := c.builder(ctx, p, meta)
	if err != nil {
		return nil, false, lazyerrors.Error(err)
	}

	where := b.filter(params.Filter)
	if !where.exact {
		return nil, false, nil
	}

	whereSQL := ""
	if where.sql != "" {
		whereSQL = " WHERE " + where.sql
	}

	if params.Field == "" {
		q, args := b.query("SELECT count(*) FROM " + c.table(meta) + whereSQL)

		var n int64
		if err = p.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			return nil, false, lazyerrors.Error(err)
		}

		if n == 0 {
			return nil, true, nil // $group over no documents produces no group
		}

		return []backends.TypedGroup{{Key: nil, Count: n}}, true, nil
	}

	// a missing field and null are one group, as in MongoDB
	key := fmt.Sprintf("COALESCE(%s, 'null'::jsonb)", b.field(params.Field))
	q, args := b.query(fmt.Sprintf("SELECT %s, count(*) FROM %s%s GROUP BY 1", key, c.table(meta), whereSQL))

	rows, err := p.Query(ctx, q, args...)
	if err != nil {
		return nil, false, lazyerrors.Error(err)
	}
	defer rows.Close()

	var groups []backends.TypedGroup

	for rows.Next() {
		var raw []byte
		var n int64

		if err = rows.Scan(&raw, &n); err != nil {
			return nil, false, lazyerrors.Error(err)
		}

		k, err := groupKey(kind, raw)
		if err != nil {
			return nil, false, lazyerrors.Error(err)
		}

		groups = append(groups, backends.TypedGroup{Key: k, Count: n})
	}

	if err = rows.Err(); err != nil {
		return nil, false, lazyerrors.Error(err)
	}

	return groups, true, nil
}

// groupKey converts a typed field's stored jsonb value back to its BSON value.
func groupKey(kind metadata.Kind, raw []byte) (any, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}

	if v == nil {
		return types.Null, nil
	}

	switch kind {
	case metadata.KindString:
		if s, ok := v.(string); ok {
			return s, nil
		}
	case metadata.KindBool:
		if bv, ok := v.(bool); ok {
			return bv, nil
		}
	case metadata.KindDate:
		if f, ok := v.(float64); ok && f == math.Trunc(f) {
			return time.UnixMilli(int64(f)).UTC(), nil
		}
	}

	return nil, fmt.Errorf("unexpected stored value %s for a %s field", raw, kind)
}

// CompareAndUpdate implements backends.TypedCollection interface.
func (c *collection) CompareAndUpdate(ctx context.Context, old, doc *types.Document) (bool, error) {
	p, err := c.r.DatabaseGetExisting(ctx, c.dbName)
	if err != nil {
		return false, lazyerrors.Error(err)
	}

	meta, err := c.r.CollectionGet(ctx, c.dbName, c.name)
	if err != nil {
		return false, lazyerrors.Error(err)
	}

	if p == nil || meta == nil {
		return false, nil
	}

	oldB, err := sjson.Marshal(old)
	if err != nil {
		return false, lazyerrors.Error(err)
	}

	newB, err := sjson.Marshal(doc)
	if err != nil {
		return false, lazyerrors.Error(err)
	}

	id := must.NotFail(sjson.MarshalSingleValue(must.NotFail(old.Get("_id"))))

	q := fmt.Sprintf(
		`UPDATE %s SET %s = $1 WHERE %s = $2 AND %s = $3`,
		c.table(meta), metadata.DefaultColumn, metadata.IDColumn, metadata.DefaultColumn,
	)

	tag, err := p.Exec(ctx, q, newB, id, oldB)
	if err != nil {
		return false, writeError(meta, err)
	}

	return tag.RowsAffected() == 1, nil
}

// CompareAndDelete implements backends.TypedCollection interface.
func (c *collection) CompareAndDelete(ctx context.Context, olds []*types.Document) ([]bool, error) {
	res := make([]bool, len(olds))

	p, err := c.r.DatabaseGetExisting(ctx, c.dbName)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	meta, err := c.r.CollectionGet(ctx, c.dbName, c.name)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	if p == nil || meta == nil || len(olds) == 0 {
		return res, nil
	}

	ids := make([]string, len(olds))
	docs := make([]string, len(olds))

	for i, old := range olds {
		ids[i] = string(must.NotFail(sjson.MarshalSingleValue(must.NotFail(old.Get("_id")))))
		docs[i] = string(must.NotFail(sjson.Marshal(old)))
	}

	// one statement for the batch; the ids it returns are the documents that were still as read
	q := fmt.Sprintf(
		`DELETE FROM %[1]s AS t USING unnest($1::jsonb[], $2::jsonb[]) AS old(id, doc) `+
			`WHERE t.%[2]s = old.id AND t.%[3]s = old.doc RETURNING t.%[2]s`,
		c.table(meta), metadata.IDColumn, metadata.DefaultColumn,
	)

	rows, err := p.Query(ctx, q, ids, docs)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}
	defer rows.Close()

	deleted := map[string]bool{}

	for rows.Next() {
		var id []byte
		if err = rows.Scan(&id); err != nil {
			return nil, lazyerrors.Error(err)
		}

		deleted[canonicalJSON(id)] = true
	}

	if err = rows.Err(); err != nil {
		return nil, lazyerrors.Error(err)
	}

	for i, id := range ids {
		res[i] = deleted[canonicalJSON([]byte(id))]
	}

	return res, nil
}

// canonicalJSON re-encodes a JSON value so that equal values (as PostgreSQL returns them, or as sjson wrote them)
// compare equal as strings.
func canonicalJSON(b []byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return string(b)
	}

	return string(must.NotFail(json.Marshal(v)))
}

// writeError maps PostgreSQL's errors of an insert or update: a unique index (named as MongoDB knows it) or the
// validator's CHECK constraint.
func writeError(meta *metadata.Collection, err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return lazyerrors.Error(err)
	}

	switch pgErr.Code {
	case pgerrcode.UniqueViolation:
		name := ""

		for _, index := range meta.Indexes {
			if index.PgIndex == pgErr.ConstraintName {
				name = index.Name
			}
		}

		return backends.NewError(backends.ErrorCodeInsertDuplicateID, &backends.DuplicateKeyError{Index: name, Cause: err})
	case pgerrcode.CheckViolation:
		if pgErr.ConstraintName == metadata.SchemaConstraint {
			return &backends.ValidationError{Cause: err}
		}
	}

	return lazyerrors.Error(err)
}

// SetValidator implements backends.TypedCollection interface.
func (c *collection) SetValidator(ctx context.Context, validator *types.Document) error {
	return c.r.CollectionSetValidator(ctx, c.dbName, c.name, validator)
}

// CreateSearchIndexes implements backends.TypedCollection interface.
func (c *collection) CreateSearchIndexes(ctx context.Context, fields []string) ([]string, error) {
	return c.r.SearchIndexesCreate(ctx, c.dbName, c.name, fields)
}

// check interfaces
var (
	_ backends.TypedCollection = (*collection)(nil)
)
