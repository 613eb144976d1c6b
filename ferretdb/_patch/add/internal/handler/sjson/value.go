// Added by the directory service's build (ferretdb/_patch): decoding single stored values, for queries that read
// some fields of a document rather than the whole document (backends/postgresql/typed_projection.go).

package sjson

import (
	"encoding/json"

	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
)

// elemCache holds decoded schema elements (the few a collection's fields have).
var elemCache textCache[*fastElem]

// cachedElem returns the decoded schema element of raw; ok is false when the fast decoder does not know it.
func cachedElem(raw []byte) (e *fastElem, ok bool) {
	if e, ok = elemCache.get(raw); ok {
		return e, true
	}

	s := &scanner{b: raw}
	e = s.elem()

	if s.ws(); s.bad || s.pos != len(s.b) {
		return nil, false
	}

	elemCache.put(raw, e)

	return e, true
}

// UnmarshalValue decodes one top-level value of a stored document given its schema element (the JSON of the
// document's `$s.p.<field>`), as Unmarshal decodes it within the whole document.
func UnmarshalValue(schema, value []byte) (v any, err error) {
	if e, ok := cachedElem(schema); ok {
		if v, ok = unmarshalValueFast(e, value); ok {
			return v, nil
		}
	}

	var e elem
	if err = json.Unmarshal(schema, &e); err != nil {
		return nil, lazyerrors.Error(err)
	}

	if v, err = unmarshalSingleValue(value, &e); err != nil {
		return nil, lazyerrors.Error(err)
	}

	return v, nil
}

// unmarshalValueFast decodes value with the fast scanner; ok is false when the original decoder must do it.
func unmarshalValueFast(e *fastElem, value []byte) (v any, ok bool) {
	defer func() {
		if recover() != nil {
			v, ok = nil, false
		}
	}()

	s := &scanner{b: value}
	v = s.value(e)

	s.ws()
	if s.bad || s.pos != len(s.b) {
		return nil, false
	}

	return v, true
}

// keysCache holds decoded key orders: the documents of a collection share a few.
var keysCache textCache[[]string]

// UnmarshalKeys decodes a document's key order (the JSON of its `$s.$k`). The result is shared: not to be changed.
func UnmarshalKeys(data []byte) ([]string, error) {
	if keys, ok := keysCache.get(data); ok {
		return keys, nil
	}

	var keys []string

	s := &scanner{b: data}
	s.array(func(int) { keys = append(keys, s.str()) })

	if s.ws(); s.bad || s.pos != len(s.b) {
		keys = nil
		if err := json.Unmarshal(data, &keys); err != nil {
			return nil, lazyerrors.Error(err)
		}
	}

	keysCache.put(data, keys)

	return keys, nil
}
