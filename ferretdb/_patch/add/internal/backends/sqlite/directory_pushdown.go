// Added to FerretDB v1.24.2 by the directory service's build (see ferretdb/patches/README.md); not part of FerretDB.

package sqlite

import (
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/sqlite/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// directoryMaxPushedIDs bounds the ids one `IN (…)` carries; a longer `$in` is evaluated by FerretDB as before.
const directoryMaxPushedIDs = 1000

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
		if !ok || arr.Len() > directoryMaxPushedIDs {
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
