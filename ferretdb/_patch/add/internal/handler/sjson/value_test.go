// Added by the directory service's build (ferretdb/_patch): single values decode as within their document.

package sjson

import (
	"bytes"
	"encoding/json"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// TestUnmarshalValueMatchesDocument decodes each top-level value of random documents on its own (its JSON and its
// schema element, as PostgreSQL gives them for `_jsonb->'f'` and `_jsonb #> '{$s,p,f}'`) and compares it with the
// value Unmarshal gives within the whole document; and each document's key order.
func TestUnmarshalValueMatchesDocument(t *testing.T) {
	t.Parallel()

	r := rand.New(rand.NewSource(20261202))

	for i := 0; i < 5000; i++ {
		doc := randomDocument(r, 0)

		b, err := Marshal(doc)
		require.NoError(t, err)

		data := reformat(t, b)
		want := slowUnmarshal(t, data)

		var parts map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(data, &parts))

		var sch struct {
			Keys  json.RawMessage            `json:"$k"`
			Props map[string]json.RawMessage `json:"p"`
		}
		require.NoError(t, json.Unmarshal(parts["$s"], &sch))

		if want.Len() == 0 {
			continue
		}

		keys, err := UnmarshalKeys(reformat(t, sch.Keys))
		require.NoError(t, err)
		require.Equal(t, want.Keys(), keys, "document %d", i)

		for _, k := range want.Keys() {
			got, err := UnmarshalValue(reformat(t, sch.Props[k]), reformat(t, parts[k]))
			require.NoError(t, err, "document %d, field %q", i, k)

			wantV := must.NotFail(want.Get(k))

			gotB, err := Marshal(must.NotFail(types.NewDocument("v", got)))
			require.NoError(t, err)

			wantB, err := Marshal(must.NotFail(types.NewDocument("v", wantV)))
			require.NoError(t, err)

			require.True(t, bytes.Equal(gotB, wantB), "document %d, field %q:\n%s\ngot:  %s\nwant: %s", i, k, data, gotB, wantB)
		}
	}
}

func TestUnmarshalValueNullAndErrors(t *testing.T) {
	t.Parallel()

	v, err := UnmarshalValue([]byte(`{"t": "string"}`), []byte(`null`))
	require.NoError(t, err)
	require.Equal(t, types.Null, v)

	v, err = UnmarshalValue([]byte(`{"t": "date"}`), []byte(`1796211755436`))
	require.NoError(t, err)
	require.Equal(t, int64(1796211755436), v.(interface{ UnixMilli() int64 }).UnixMilli())

	_, err = UnmarshalValue([]byte(`{"t": "string"}`), []byte(`12`))
	require.Error(t, err)

	_, err = UnmarshalValue([]byte(`{"t": "nonsense"}`), []byte(`12`))
	require.Error(t, err)
}
