// Added by the directory service's build (ferretdb/_patch): decoding stored documents without reflection.
//
// Unmarshal decoded every document through encoding/json three times over (the document into a map of raw
// values, its schema into structs, each value through a decoder of its own): half of the CPU of a find. This
// decodes the same JSON in one pass with a small scanner, for the types directory documents hold (strings,
// numbers, booleans, dates, ObjectIDs, null, and documents and arrays of them). Anything else — binary data,
// regular expressions, timestamps, or JSON it does not expect — is left to the original decoder (ok is false), so
// the result is always what Unmarshal gave before.

package sjson

import (
	"encoding/hex"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/FerretDB/FerretDB/internal/types"
)

// fastSchema is a document's schema ($s): its keys in order and each property's element.
type fastSchema struct {
	keys  []string
	props map[string]*fastElem
}

// fastElem is one schema element: its type, and the schema of a document or the elements of an array.
type fastElem struct {
	t      elemType
	schema *fastSchema
	items  []*fastElem
}

// scanner reads JSON as PostgreSQL writes jsonb: valid, with spaces after ':' and ','.
type scanner struct {
	b   []byte
	pos int
	bad bool
}

func (s *scanner) ws() {
	for s.pos < len(s.b) {
		switch s.b[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// consume skips white space and expects c.
func (s *scanner) consume(c byte) bool {
	s.ws()
	if s.pos < len(s.b) && s.b[s.pos] == c {
		s.pos++
		return true
	}

	return false
}

// peek returns the next non-space byte (0 at the end).
func (s *scanner) peek() byte {
	s.ws()
	if s.pos < len(s.b) {
		return s.b[s.pos]
	}

	return 0
}

// str reads a JSON string.
func (s *scanner) str() string {
	if !s.consume('"') {
		s.bad = true
		return ""
	}

	start := s.pos
	// fast path: no escapes
	for s.pos < len(s.b) {
		c := s.b[s.pos]
		if c == '"' {
			v := string(s.b[start:s.pos])
			s.pos++

			if !utf8.ValidString(v) {
				s.bad = true
			}

			return v
		}

		if c == '\\' || c < 0x20 {
			break
		}

		s.pos++
	}

	buf := append([]byte(nil), s.b[start:s.pos]...)

	for s.pos < len(s.b) {
		c := s.b[s.pos]

		switch {
		case c == '"':
			s.pos++

			if !utf8.Valid(buf) {
				s.bad = true
			}

			return string(buf)
		case c < 0x20:
			s.bad = true
			return ""
		case c != '\\':
			buf = append(buf, c)
			s.pos++

			continue
		}

		if s.pos+1 >= len(s.b) {
			s.bad = true
			return ""
		}

		e := s.b[s.pos+1]
		s.pos += 2

		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r := s.hex4()
			if utf16.IsSurrogate(r) {
				// a pair, or (as encoding/json does) U+FFFD for a lone surrogate
				r2 := rune(-1)
				if s.pos+1 < len(s.b) && s.b[s.pos] == '\\' && s.b[s.pos+1] == 'u' {
					save := s.pos
					s.pos += 2
					r2 = s.hex4()

					if utf16.DecodeRune(r, r2) == utf8.RuneError {
						s.pos = save
						r2 = -1
					}
				}

				if r2 >= 0 {
					r = utf16.DecodeRune(r, r2)
				} else {
					r = utf8.RuneError
				}
			}

			buf = utf8.AppendRune(buf, r)
		default:
			s.bad = true
			return ""
		}
	}

	s.bad = true

	return ""
}

func (s *scanner) hex4() rune {
	if s.pos+4 > len(s.b) {
		s.bad = true
		return 0
	}

	v, err := strconv.ParseUint(string(s.b[s.pos:s.pos+4]), 16, 16)
	if err != nil {
		s.bad = true
		return 0
	}

	s.pos += 4

	return rune(v)
}

// number reads a JSON number's text.
func (s *scanner) number() string {
	s.ws()
	start := s.pos

	for s.pos < len(s.b) {
		c := s.b[s.pos]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			s.pos++
			continue
		}

		break
	}

	if s.pos == start {
		s.bad = true
	}

	return string(s.b[start:s.pos])
}

// literal reads true, false or null.
func (s *scanner) literal(word string) bool {
	s.ws()
	if s.pos+len(word) <= len(s.b) && string(s.b[s.pos:s.pos+len(word)]) == word {
		s.pos += len(word)
		return true
	}

	return false
}

// skip passes over one JSON value and returns its text.
func (s *scanner) skip() []byte {
	s.ws()
	start := s.pos

	switch s.peek() {
	case '"':
		s.str()
	case '{', '[':
		depth := 0

		for s.pos < len(s.b) {
			switch s.b[s.pos] {
			case '"':
				s.str()
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}

			s.pos++

			if depth == 0 {
				break
			}
		}
	default:
		for s.pos < len(s.b) {
			c := s.b[s.pos]
			if c == ',' || c == '}' || c == ']' || c == ' ' {
				break
			}

			s.pos++
		}
	}

	return s.b[start:s.pos]
}

// object calls fn for each member of a JSON object.
func (s *scanner) object(fn func(key string)) {
	if !s.consume('{') {
		s.bad = true
		return
	}

	if s.consume('}') {
		return
	}

	for !s.bad {
		key := s.str()
		if !s.consume(':') {
			s.bad = true
			return
		}

		fn(key)

		if s.consume(',') {
			continue
		}

		if !s.consume('}') {
			s.bad = true
		}

		return
	}
}

// array calls fn for each element of a JSON array.
func (s *scanner) array(fn func(i int)) {
	if !s.consume('[') {
		s.bad = true
		return
	}

	if s.consume(']') {
		return
	}

	for i := 0; !s.bad; i++ {
		fn(i)

		if s.consume(',') {
			continue
		}

		if !s.consume(']') {
			s.bad = true
		}

		return
	}
}

func (s *scanner) schema() *fastSchema {
	sch := &fastSchema{props: map[string]*fastElem{}}

	s.object(func(key string) {
		switch key {
		case "$k":
			s.array(func(int) { sch.keys = append(sch.keys, s.str()) })
		case "p":
			s.object(func(name string) { sch.props[name] = s.elem() })
		default:
			s.bad = true
		}
	})

	return sch
}

func (s *scanner) elem() *fastElem {
	e := new(fastElem)

	s.object(func(key string) {
		switch key {
		case "t":
			e.t = elemType(s.str())
		case "$s":
			e.schema = s.schema()
		case "i":
			s.array(func(int) { e.items = append(e.items, s.elem()) })
		default: // "o" (regex options), "s" (binary subtype): left to Unmarshal
			s.bad = true
		}
	})

	return e
}

// value decodes one value of the given element.
func (s *scanner) value(e *fastElem) any {
	if s.peek() == 'n' {
		if s.literal("null") {
			return types.Null
		}

		s.bad = true

		return nil
	}

	if e == nil {
		s.bad = true
		return nil
	}

	switch e.t {
	case elemTypeString:
		return s.str()
	case elemTypeBool:
		switch {
		case s.literal("true"):
			return true
		case s.literal("false"):
			return false
		}
	case elemTypeDouble:
		if f, err := strconv.ParseFloat(s.number(), 64); err == nil && !math.IsInf(f, 0) {
			return f
		}
	case elemTypeInt:
		if i, err := strconv.ParseInt(s.number(), 10, 32); err == nil {
			return int32(i)
		}
	case elemTypeLong:
		if i, err := strconv.ParseInt(s.number(), 10, 64); err == nil {
			return i
		}
	case elemTypeDate:
		if i, err := strconv.ParseInt(s.number(), 10, 64); err == nil {
			return time.UnixMilli(i)
		}
	case elemTypeObjectID:
		var id types.ObjectID
		if b, err := hex.DecodeString(s.str()); err == nil && len(b) == len(id) {
			copy(id[:], b)
			return id
		}
	case elemTypeObject:
		if e.schema != nil {
			return s.document(e.schema)
		}
	case elemTypeArray:
		arr := types.MakeArray(len(e.items))

		s.array(func(i int) {
			if i >= len(e.items) {
				s.bad = true
				return
			}

			arr.Append(s.value(e.items[i]))
		})

		if arr.Len() == len(e.items) {
			return arr
		}
	}

	s.bad = true

	return nil
}

// document decodes a document's members (its schema given), in the schema's key order.
func (s *scanner) document(sch *fastSchema) *types.Document {
	values := make(map[string]any, len(sch.keys))

	s.object(func(key string) {
		values[key] = s.value(sch.props[key])
	})

	if s.bad || len(values) != len(sch.keys) {
		s.bad = true
		return nil
	}

	d := types.MakeDocument(len(sch.keys))

	for _, k := range sch.keys {
		v, ok := values[k]
		if !ok {
			s.bad = true
			return nil
		}

		d.Set(k, v)
	}

	return d
}

// textCache holds values decoded from JSON text, by that text, at most cacheMax of them (past it, it starts again
// empty). A cached value is shared: never changed.
type textCache[T any] struct {
	sync.RWMutex
	m map[string]T
}

// cacheMax bounds each cache.
const cacheMax = 2048

// get returns the value decoded from raw, if cached.
func (c *textCache[T]) get(raw []byte) (v T, ok bool) {
	c.RLock()
	v, ok = c.m[string(raw)]
	c.RUnlock()

	return v, ok
}

// put caches the value decoded from raw.
func (c *textCache[T]) put(raw []byte, v T) {
	c.Lock()
	defer c.Unlock()

	if c.m == nil || len(c.m) >= cacheMax {
		c.m = make(map[string]T)
	}

	c.m[string(raw)] = v
}

// schemaCache holds decoded schemas. The documents of a collection share a few schemas (their fields' types, and the
// lengths of their arrays), and decoding a document's schema cost as much as decoding its values.
var schemaCache textCache[*fastSchema]

// cachedSchema returns the decoded schema of raw; ok is false when the fast decoder does not know it.
func cachedSchema(raw []byte) (sch *fastSchema, ok bool) {
	if sch, ok = schemaCache.get(raw); ok {
		return sch, true
	}

	ss := &scanner{b: raw}
	if sch = ss.schema(); ss.bad {
		return nil, false
	}

	schemaCache.put(raw, sch)

	return sch, true
}

// unmarshalFast decodes a stored document; ok is false when the original decoder must do it.
func unmarshalFast(data []byte) (doc *types.Document, ok bool) {
	defer func() {
		// a value Set refuses (a duplicate key, say) is the original decoder's to report
		if recover() != nil {
			doc, ok = nil, false
		}
	}()

	s := &scanner{b: data}

	// the schema first: PostgreSQL writes "$s" where jsonb's key order puts it, not necessarily first
	raw := map[string][]byte{}
	s.object(func(key string) { raw[key] = s.skip() })

	s.ws()
	if s.bad || s.pos != len(s.b) {
		return nil, false
	}

	rawSchema, found := raw["$s"]
	if !found {
		return nil, false
	}

	delete(raw, "$s")

	sch, known := cachedSchema(rawSchema)
	if !known || len(sch.keys) != len(raw) {
		return nil, false
	}

	d := types.MakeDocument(len(sch.keys))

	for _, k := range sch.keys {
		v, found := raw[k]
		if !found {
			return nil, false
		}

		vs := &scanner{b: v}
		val := vs.value(sch.props[k])

		vs.ws()
		if vs.bad || vs.pos != len(v) {
			return nil, false
		}

		d.Set(k, val)
	}

	return d, true
}
