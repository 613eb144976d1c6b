// Added to FerretDB v1.24.2 by the directory service's build (see ferretdb/_patch/README.md); not part of FerretDB.

package metadata

import (
	"context"
	"fmt"
	"regexp"

	"github.com/FerretDB/FerretDB/internal/util/fsql"
)

// directorySkipFields are never given equality indexes: the tenant key (every row of a one-tenant database matches
// it) and time keys, which are only ever ranged over or sorted by. The same fields as ginSkipFields in
// ferretdb/pgindexes.go (PostgreSQL), in another Go module.
var directorySkipFields = map[string]bool{"_id": true, "tenantId": true, "at": true, "expiresAt": true, "createdAt": true}

// DirectoryPlainField is a top-level field name that needs no quoting in a JSON path or an index name.
var DirectoryPlainField = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// directoryEqualityIndexName is the name of one of a field's two equality indexes ("eq" or "type").
func directoryEqualityIndexName(tableName, field, kind string) string {
	return fmt.Sprintf("%s_%s_%s", tableName, field, kind)
}

// DirectoryEqualityFields are the fields of the index that get equality indexes.
func DirectoryEqualityFields(index IndexInfo) []string {
	var fields []string
	for _, key := range index.Key {
		if DirectoryPlainField.MatchString(key.Field) && !directorySkipFields[key.Field] {
			fields = append(fields, key.Field)
		}
	}
	return fields
}

// directoryEqualityIndexes gives each top-level field of a FerretDB index two SQLite indexes an equality on the
// field can be answered from (see the sqlite package's directoryValueWhere): one on its value as SQL
// (`->>`, a string as text), one on its JSON type (to find the arrays, whose elements are then tested). FerretDB's
// own index is on the JSON text of the whole compound key, which no equality on one field can use. Called for every
// index createIndexes names, new or not, so a database made before these indexes existed gets them.
func directoryEqualityIndexes(ctx context.Context, db *fsql.DB, tableName string, index IndexInfo) error {
	for _, field := range DirectoryEqualityFields(index) {
		for kind, expr := range map[string]string{
			"eq":   fmt.Sprintf("%s->>'$.%s'", DefaultColumn, field),
			"type": fmt.Sprintf("json_type(%s, '$.%s')", DefaultColumn, field),
		} {
			q := fmt.Sprintf(
				"CREATE INDEX IF NOT EXISTS %q ON %q (%s)",
				directoryEqualityIndexName(tableName, field, kind), tableName, expr,
			)
			if _, err := db.ExecContext(ctx, q); err != nil {
				return err
			}
		}
	}
	return nil
}
