// Added by the directory service's build (ferretdb/_patch): the fast decoder gives what the original one gives.

package sjson

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/FerretDB/FerretDB/internal/types"
)

// slowUnmarshal is the original decoder, without the fast path.
func slowUnmarshal(t *testing.T, data []byte) *types.Document {
	t.Helper()

	d, err := unmarshalSlow(data)
	require.NoError(t, err)

	return d
}

func randomString(r *rand.Rand) string {
	parts := []string{"a", "Ö", "😀", `"`, `\`, "\n", "\t", "/", "\u2028", "x y", "%", "_", "\u001f", "é"}
	var sb strings.Builder

	for i := r.Intn(6); i > 0; i-- {
		sb.WriteString(parts[r.Intn(len(parts))])
	}

	return sb.String()
}

func randomValue(r *rand.Rand, depth int) any {
	switch k := r.Intn(14); {
	case k == 0 && depth < 3:
		return randomDocument(r, depth+1)
	case k == 1 && depth < 3:
		a := types.MakeArray(3)
		for i := r.Intn(4); i > 0; i-- {
			a.Append(randomValue(r, depth+1))
		}

		return a
	case k == 2:
		return r.NormFloat64() * math.Pow(10, float64(r.Intn(40)-20))
	case k == 3:
		return int32(r.Int31() - r.Int31())
	case k == 4:
		return r.Int63() - r.Int63()
	case k == 5:
		return r.Intn(2) == 0
	case k == 6:
		return time.UnixMilli(r.Int63n(4_000_000_000_000))
	case k == 7:
		return types.Null
	case k == 8:
		var id types.ObjectID
		r.Read(id[:])

		return id
	case k == 9:
		return types.Binary{Subtype: types.BinaryGeneric, B: []byte(randomString(r))}
	case k == 10:
		return types.Regex{Pattern: "^a.*" + randomString(r), Options: "i"}
	case k == 11:
		return types.Timestamp(r.Uint64())
	default:
		return randomString(r)
	}
}

func randomDocument(r *rand.Rand, depth int) *types.Document {
	d := types.MakeDocument(4)

	for i := r.Intn(7); i > 0; i-- {
		key := []string{"a", "bb", "_id", "tenantId", "userNameLower", "x.y", "", "$k", "p", "t"}[r.Intn(10)]
		if key == "$k" || key == "x.y" || key == "" {
			key += "k"
		}

		d.Set(key, randomValue(r, depth))
	}

	return d
}

func TestUnmarshalFastMatchesOriginal(t *testing.T) {
	t.Parallel()

	r := rand.New(rand.NewSource(1))
	fast := 0

	for i := 0; i < 20000; i++ {
		doc := randomDocument(r, 0)

		b, err := Marshal(doc)
		require.NoError(t, err)

		// as PostgreSQL gives jsonb back: keys reordered and spaced; both forms must decode alike
		for _, data := range [][]byte{b, reformat(t, b)} {
			want := slowUnmarshal(t, data)

			got, ok := unmarshalFast(data)
			if !ok {
				continue
			}

			fast++

			gotB, err := Marshal(got)
			require.NoError(t, err)

			wantB, err := Marshal(want)
			require.NoError(t, err)

			require.True(t, bytes.Equal(gotB, wantB), "document %d:\n%s\nfast: %s\norig: %s", i, data, gotB, wantB)
			require.Equal(t, types.Equal, types.Compare(got, want))
		}
	}

	require.Greater(t, fast, 10000, "the fast path decoded too few documents")
}

// Documents of one shape decode through one cached schema: each gets its own values, as the original decoder gives.
func TestUnmarshalFastSharedSchema(t *testing.T) {
	t.Parallel()

	r := rand.New(rand.NewSource(2))
	shapes := []*types.Document{randomDocument(r, 0), randomDocument(r, 0), randomDocument(r, 0)}

	for i := 0; i < 3000; i++ {
		shape := shapes[i%len(shapes)]
		doc := types.MakeDocument(shape.Len())

		for _, k := range shape.Keys() {
			v, _ := shape.Get(k)
			// same type, different value, so the schema text is the same
			switch v.(type) {
			case string:
				v = randomString(r)
			case int32:
				v = int32(r.Int31())
			case bool:
				v = r.Intn(2) == 0
			}

			doc.Set(k, v)
		}

		b, err := Marshal(doc)
		require.NoError(t, err)

		data := reformat(t, b)
		want := slowUnmarshal(t, data)

		got, ok := unmarshalFast(data)
		if !ok {
			continue
		}

		require.Equal(t, types.Equal, types.Compare(got, want), "document %d: %s", i, data)
	}
}

func TestUnmarshalFastRefusesWhatItDoesNotKnow(t *testing.T) {
	t.Parallel()

	for _, data := range []string{
		`{"$s": {"$k": ["a"], "p": {"a": {"t": "string"}}}, "a": "x", "b": 1}`, // an extra field
		`{"$s": {"$k": ["a"], "p": {"a": {"t": "int"}}}, "a": 1.5}`,            // not an int
		`{"$s": {"$k": ["a"], "p": {"a": {"t": "string"}}}, "a": "\ud800"}`,    // decoded as the original does, or left to it
		`{"a": "x"}`, // no schema
		`{"$s": {"$k": ["a"], "p": {"a": {"t": "binData", "s": 0}}}, "a": "AA=="}`,
	} {
		got, ok := unmarshalFast([]byte(data))
		if !ok {
			continue
		}

		want, err := unmarshalSlow([]byte(data))
		require.NoError(t, err, data)
		require.Equal(t, types.Equal, types.Compare(got, want), data)
	}
}

// reformat writes JSON with jsonb's spacing and key order (shorter keys first, then bytewise).
func reformat(t *testing.T, b []byte) []byte {
	t.Helper()

	var v any
	require.NoError(t, jsonUnmarshalOrdered(b, &v))

	var buf bytes.Buffer
	writeJSONB(&buf, v)

	return buf.Bytes()
}

// jsonUnmarshalOrdered decodes JSON keeping numbers as written.
func jsonUnmarshalOrdered(b []byte, v *any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()

	return dec.Decode(v)
}

func writeJSONB(buf *bytes.Buffer, v any) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}

		sort.Slice(keys, func(i, j int) bool {
			if len(keys[i]) != len(keys[j]) {
				return len(keys[i]) < len(keys[j])
			}

			return keys[i] < keys[j]
		})

		buf.WriteByte('{')

		for i, k := range keys {
			if i > 0 {
				buf.WriteString(", ")
			}

			writeJSONB(buf, k)
			buf.WriteString(": ")
			writeJSONB(buf, v[k])
		}

		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')

		for i, e := range v {
			if i > 0 {
				buf.WriteString(", ")
			}

			writeJSONB(buf, e)
		}

		buf.WriteByte(']')
	default:
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(v)
		buf.Truncate(buf.Len() - 1) // the encoder's newline
	}
}
