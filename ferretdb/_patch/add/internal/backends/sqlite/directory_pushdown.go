// Added to FerretDB v1.24.2 by the directory service's build (see ferretdb/_patch/README.md); not part of FerretDB.

package sqlite

import (
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// directoryMaxPushedValues bounds the values one `IN (…)` carries; a longer `$in` is evaluated by FerretDB as before.
const directoryMaxPushedValues = 1000

// directoryIDWhere narrows a query to the documents whose `_id` the filter names — an `_id` equality or an
// `_id: {$in: […]}` of strings and ObjectIDs — whatever else the filter holds, so that SQLite answers it from the
// `_id` index. FerretDB itself only did so for a filter made of `_id` alone, and read and decoded every document
// of the collection for any other. It is a pre-filter, like all of FerretDB's pushdown: FerretDB applies the
// whole filter to what comes back, so the clause only has to keep every document the filter matches (an `_id`
// is never an array, so equality is exact).
func directoryIDWhere(filter *types.Document) (string, []any) {
	if filter == nil {
		return "", nil
	}
	v, err := filter.Get("_id")
	if err != nil {
		return "", nil
	}
	var ids []any
	switch v := v.(type) {
	case string, types.ObjectID:
		ids = []any{v}
	case *types.Document:
		if v.Len() != 1 {
			return "", nil
		}
		in, err := v.Get("$in")
		if err != nil {
			return "", nil
		}
		arr, ok := in.(*types.Array)
		if !ok || arr.Len() > directoryMaxPushedValues {
			return "", nil
		}
		if arr.Len() == 0 {
			return ` WHERE 0`, nil
		}
		for i := 0; i < arr.Len(); i++ {
			switch e := must.NotFail(arr.Get(i)).(type) {
			case string, types.ObjectID:
				ids = append(ids, e)
			default:
				return "", nil
			}
		}
	default:
		return "", nil
	}
	args := make([]any, len(ids))
	marks := make([]string, len(ids))
	for i, id := range ids {
		args[i] = string(must.NotFail(sjson.MarshalSingleValue(id)))
		marks[i] = "?"
	}
	if len(ids) == 1 {
		return fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn), args
	}
	return fmt.Sprintf(` WHERE %s IN (%s)`, metadata.IDColumn, strings.Join(marks, ", ")), args
}

// directoryHasEqualityIndexes tells whether the collection's field has the equality indexes
// (metadata.directoryEqualityIndexes): whether one of its FerretDB indexes has that field.
func directoryHasEqualityIndexes(c *metadata.Collection, field string) bool {
	for _, index := range c.Settings.Indexes {
		for _, f := range metadata.DirectoryEqualityFields(index) {
			if f == field {
				return true
			}
		}
	}
	return false
}

// directoryWhere is the WHERE clause of a query on the collection: through the `_id` index when the filter names
// an `_id` (directoryIDWhere), else the filter's top-level string equalities and string `$in`s (directoryValueWhere).
func directoryWhere(filter *types.Document, c *metadata.Collection) (string, []any) {
	if where, args := directoryIDWhere(filter); where != "" {
		return where, args
	}
	return directoryValueWhere(filter, c)
}

// directoryValueWhere narrows a query by the filter's top-level conditions `field: "string"`, `field: {$eq:
// "string"}` and `field: {$in: ["string", …]}`: the field is one of the strings, or an array holding one — MongoDB's
// equality. The first such condition on a field with equality indexes (directoryEqualityIndexes) is answered from
// them: the rows whose value is the string, by one index, plus the rows whose value is an array, by the other,
// tested element by element. Every other condition is tested by SQLite on the stored JSON (`json_each` yields a
// scalar itself and an array's elements), microseconds a row, where FerretDB, which did not push these down,
// decoded every document (about 0.2 ms each) to test it. A pre-filter, like directoryIDWhere.
func directoryValueWhere(filter *types.Document, c *metadata.Collection) (string, []any) {
	if filter == nil || c == nil {
		return "", nil
	}
	var conds []string
	var args []any
	indexedUsed := false
	iter := filter.Iterator()
	defer iter.Close()
	for {
		key, value, err := iter.Next()
		if err != nil {
			break
		}
		if !metadata.DirectoryPlainField.MatchString(key) {
			continue
		}
		values := directoryStrings(value)
		if values == nil {
			continue
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", ")
		cond := fmt.Sprintf(
			`EXISTS (SELECT 1 FROM json_each(%s, '$.%s') WHERE value IN (%s))`, metadata.DefaultColumn, key, marks,
		)
		uses := 1 // how many times the condition's SQL lists the values
		if !indexedUsed && directoryHasEqualityIndexes(c, key) {
			indexedUsed = true
			uses = 2
			cond = fmt.Sprintf(
				`rowid IN (SELECT rowid FROM %[1]q WHERE %[2]s->>'$.%[3]s' IN (%[4]s) `+
					`UNION ALL SELECT rowid FROM %[1]q WHERE json_type(%[2]s, '$.%[3]s') = 'array' AND %[5]s)`,
				c.TableName, metadata.DefaultColumn, key, marks, cond,
			)
		}
		conds = append(conds, cond)
		for range uses {
			for _, v := range values {
				args = append(args, v)
			}
		}
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// directoryStrings returns the strings a condition value asks the field to equal — a string, `{$eq: string}` or
// `{$in: [strings]}` — or nil for anything else.
func directoryStrings(value any) []string {
	switch v := value.(type) {
	case string:
		return []string{v}
	case *types.Document:
		if v.Len() != 1 {
			return nil
		}
		if eq, err := v.Get("$eq"); err == nil {
			if s, ok := eq.(string); ok {
				return []string{s}
			}
			return nil
		}
		in, err := v.Get("$in")
		if err != nil {
			return nil
		}
		arr, ok := in.(*types.Array)
		if !ok || arr.Len() == 0 || arr.Len() > directoryMaxPushedValues {
			return nil
		}
		out := make([]string, arr.Len())
		for i := range out {
			s, ok := must.NotFail(arr.Get(i)).(string)
			if !ok {
				return nil
			}
			out[i] = s
		}
		return out
	}
	return nil
}
