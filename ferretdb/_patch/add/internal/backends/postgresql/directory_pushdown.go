// Added to FerretDB v1.24.2 by the directory service's build (see ferretdb/_patch/README.md); not part of FerretDB.

package postgresql

import (
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/postgresql/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// directoryMaxPushedValues bounds the values one pushed-down `$in` carries; a longer one is evaluated by FerretDB.
const directoryMaxPushedValues = 1000

// directoryFilterIn pushes `{field: {$in: [strings]}}` down as `_jsonb->field @> v1 OR _jsonb->field @> v2 …`,
// the containment FerretDB already uses for an equality: true when the field is one of the strings or is an array
// holding one, as in MongoDB. PostgreSQL answers each from a GIN index on the field where there is one (the
// embedded program keeps them, ferretdb/pgindexes.go). FerretDB itself evaluated every `$in` over all the
// documents the rest of the filter left. A pre-filter like all of FerretDB's pushdown (the whole filter is applied
// to what comes back); anything but a list of strings is left to FerretDB, and an empty list matches nothing.
func directoryFilterIn(p *metadata.Placeholder, key any, v any, operator string) (string, []any) {
	arr, ok := v.(*types.Array)
	if !ok || arr.Len() > directoryMaxPushedValues {
		return "", nil
	}
	if arr.Len() == 0 {
		return "FALSE", nil
	}
	values := make([]string, arr.Len())
	for i := range values {
		s, ok := must.NotFail(arr.Get(i)).(string)
		if !ok {
			return "", nil
		}
		values[i] = s
	}
	keyPlaceholder := p.Next()
	args := []any{key}
	ors := make([]string, len(values))
	for i, s := range values {
		ors[i] = fmt.Sprintf(`%s%s%s @> %s`, metadata.DefaultColumn, operator, keyPlaceholder, p.Next())
		args = append(args, string(must.NotFail(sjson.MarshalSingleValue(s))))
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}
