package main

// Equality indexes for FerretDB's PostgreSQL backend.
//
// FerretDB v1 keeps each collection in a table with one jsonb column, _jsonb, and hands PostgreSQL the top-level
// equalities of a filter as `_jsonb->'field' @> value`. The indexes it creates for createIndexes are btree
// indexes on `(_jsonb->'field')`, which PostgreSQL cannot use for `@>`, so every query of every size reads the
// whole table. A GIN index (jsonb_path_ops) on the same expression answers `@>` — for a scalar field an exact
// match, for an array field "has this element" — so this program mirrors each field of FerretDB's indexes as
// one. FerretDB neither sees nor manages them: they are invisible to listIndexes, go away with their table, and
// are recreated when the table comes back. Filters and results do not change, only how PostgreSQL finds rows.

import (
	"context"
	"fmt"
	"hash/crc32"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Fields never mirrored: the tenant key (every row of a one-tenant database matches it, so its index would cost
// every write and could only tempt the planner into reading all of it), and time keys that queries only range
// over or sort by, which FerretDB v1 does not hand to PostgreSQL. The SQLite equality indexes leave out the same
// fields (directorySkipFields in _patch/add/internal/backends/sqlite/metadata/directory_indexes.go: another Go
// module, which cannot import this one).
var ginSkipFields = map[string]bool{"tenantId": true, "at": true, "expiresAt": true, "createdAt": true}

// A top-level field of a btree index definition: `((_jsonb -> 'field'::text))`. A dotted field is written
// `((_jsonb -> 'a'::text) -> 'b'::text)` and does not match: FerretDB queries those with `#>`, which this does not cover.
var indexedField = regexp.MustCompile(`\(\(_jsonb -> '((?:[^']|'')+)'::text\)\)`)

// mirrorIndexes checks every `interval` that each field of FerretDB's btree indexes has its GIN index, until ctx
// ends. Failures are logged and retried on the next round: without these indexes queries are slower, not wrong.
func mirrorIndexes(ctx context.Context, url string, interval time.Duration, logger *slog.Logger) {
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			_ = conn.Close(context.Background())
		}
	}()
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	// A failure that repeats every round is logged once, until something else happens.
	var lastWarning string
	warn := func(msg string, err error) {
		if w := msg + err.Error(); w != lastWarning {
			lastWarning = w
			logger.Warn(msg, "error", err)
		}
	}
	for {
		if conn == nil || conn.IsClosed() {
			c, err := pgx.Connect(ctx, url)
			switch {
			case err != nil:
				warn("equality indexes: cannot connect to PostgreSQL", err)
			default:
				// Building an index waits for the table's writers and makes later ones wait: never for long.
				if _, err := c.Exec(ctx, `SET lock_timeout = '1s'`); err != nil {
					warn("equality indexes: cannot set lock_timeout", err)
					_ = c.Close(ctx)
				} else {
					conn = c
				}
			}
		}
		if conn != nil {
			if err := mirrorOnce(ctx, conn, logger); err != nil && ctx.Err() == nil {
				warn("equality indexes: round failed", err)
			} else {
				lastWarning = ""
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

type ginIndex struct{ schema, table, field, name string }

func mirrorOnce(ctx context.Context, conn *pgx.Conn, logger *slog.Logger) error {
	rows, err := conn.Query(ctx, `
		SELECT schemaname, tablename, indexname, indexdef FROM pg_indexes
		WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
		  AND (indexdef LIKE '%USING btree%_jsonb -> %' OR indexdef LIKE '%USING gin%')`)
	if err != nil {
		return err
	}
	existing := map[string]bool{}
	var wanted []ginIndex
	for rows.Next() {
		var schema, table, name, def string
		if err := rows.Scan(&schema, &table, &name, &def); err != nil {
			rows.Close()
			return err
		}
		if strings.Contains(def, "USING gin") {
			existing[schema+"."+name] = true
			continue
		}
		for _, m := range indexedField.FindAllStringSubmatch(def, -1) {
			field := strings.ReplaceAll(m[1], "''", "'")
			if ginSkipFields[field] {
				continue
			}
			wanted = append(wanted, ginIndex{schema, table, field, ginIndexName(table, field)})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, ix := range wanted {
		if existing[ix.schema+"."+ix.name] {
			continue
		}
		existing[ix.schema+"."+ix.name] = true
		sql := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s USING gin ((_jsonb -> %s) jsonb_path_ops)`,
			pgx.Identifier{ix.name}.Sanitize(), pgx.Identifier{ix.schema, ix.table}.Sanitize(), quoteLiteral(ix.field))
		if _, err := conn.Exec(ctx, sql); err != nil {
			// The table may have been dropped since the catalog was read; the next round sees.
			logger.Debug("equality indexes: create failed", "table", ix.table, "field", ix.field, "error", err)
			continue
		}
		logger.Debug("equality indexes: created", "table", ix.table, "field", ix.field)
	}
	return nil
}

// ginIndexName is unique per table and field and within PostgreSQL's 63-byte limit.
func ginIndexName(table, field string) string {
	prefix := table
	if len(prefix) > 40 {
		prefix = prefix[:40]
	}
	return fmt.Sprintf("%s_%08x_eq", prefix, crc32.ChecksumIEEE([]byte(table+"\x00"+field)))
}

func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// withCustomPlans asks PostgreSQL to plan each of FerretDB's statements for its values. FerretDB prepares and
// reuses statements whose field names are parameters (`_jsonb->$1 @> $2`), shared by lookups of different fields;
// a generic plan, which PostgreSQL may settle on after a few runs on a small table, cannot use an index on
// `_jsonb->'field'` and reads the whole table from then on.
func withCustomPlans(postgresURL string) (string, error) {
	u, err := url.Parse(postgresURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// Not err itself: it quotes the URL, password included.
		return "", fmt.Errorf("FERRETDB_POSTGRESQL_URL must be a postgres:// URL")
	}
	q := u.Query()
	if !q.Has("plan_cache_mode") {
		q.Set("plan_cache_mode", "force_custom_plan")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
