// Added by the directory service's build (ferretdb/_patch): MongoDB filters and sorts as SQL, for collections
// with typed fields (metadata/typed_schema.go).
//
// FerretDB v1 evaluates every filter itself, on the documents PostgreSQL returns, and hands PostgreSQL only a part
// of it that narrows those rows. Here a condition on a typed field becomes SQL that gives exactly MongoDB's
// answer, because the CHECK constraint guarantees the type of every value of that field: a filter made only of
// such conditions is exact, so PostgreSQL may also sort, skip, limit and count, reading its indexes. Conditions
// it cannot translate exactly are either translated into a condition every matching document meets (a superset)
// or left out; the result then says it is not exact, and FerretDB filters, sorts and counts as before.
//
// Typed values are compared as jsonb, the expression FerretDB's indexes are built on (`_jsonb->'field'`).
// jsonb orders strings by the database's default collation: only a "C" collation is MongoDB's binary order,
// so ranges and sorts on strings are translated only then (stringOrder).

package postgresql

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/FerretDB/FerretDB/internal/backends/postgresql/metadata"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// cond is an SQL boolean expression. An empty sql means TRUE. Exact conditions hold exactly for the documents
// MongoDB's filter matches; others hold at least for them. A positive condition may evaluate to NULL where it
// does not hold (missing fields); negations wrap it in COALESCE.
type cond struct {
	sql   string
	exact bool
}

var (
	condTrue  = cond{exact: true}
	condFalse = cond{sql: "false", exact: true}
	condAny   = cond{} // unknown: TRUE, not exact
)

// sqlBuilder translates filters for one collection, collecting query arguments.
//
// Arguments are referenced by markers until the statement is complete (query): a condition that turns out not
// to be needed (`x AND false`, `x OR true`) is dropped with its arguments, and PostgreSQL refuses parameters that
// no part of a statement uses.
type sqlBuilder struct {
	schema      *metadata.TypedSchema
	stringOrder bool // the database collation orders strings as MongoDB does (byte order)
	values      []any
}

// arg returns the marker of a new argument.
func (b *sqlBuilder) arg(v any) string {
	b.values = append(b.values, v)
	return fmt.Sprintf("\x01%d\x01", len(b.values)-1)
}

var argMarker = regexp.MustCompile("\x01([0-9]+)\x01")

// query numbers the markers of a complete statement ($1, $2… in order of first use) and returns the arguments.
func (b *sqlBuilder) query(sql string) (string, []any) {
	numbers := map[string]string{}

	var args []any

	sql = argMarker.ReplaceAllStringFunc(sql, func(m string) string {
		if n, ok := numbers[m]; ok {
			return n
		}

		i, _ := strconv.Atoi(m[1 : len(m)-1])
		args = append(args, b.values[i])
		numbers[m] = "$" + strconv.Itoa(len(args))

		return numbers[m]
	})

	return sql, args
}

// field returns the jsonb value of a top-level field: its column when it has one, else the expression of the
// document (`_jsonb->'field'`).
func (b *sqlBuilder) field(name string) string {
	if c := b.schema.Column(name); c != "" {
		return c
	}

	return fmt.Sprintf("(%s->%s)", metadata.DefaultColumn, quoteLiteral(name))
}

// quoteLiteral quotes a string as an SQL literal (standard_conforming_strings is on, FerretDB checks it).
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

func and(conds ...cond) cond {
	var parts []string

	exact := true

	for _, c := range conds {
		exact = exact && c.exact

		if c.sql == "false" && c.exact {
			return condFalse
		}

		if c.sql != "" {
			parts = append(parts, c.sql)
		}
	}

	switch len(parts) {
	case 0:
		return cond{exact: exact}
	case 1:
		return cond{sql: parts[0], exact: exact}
	default:
		return cond{sql: "(" + strings.Join(parts, " AND ") + ")", exact: exact}
	}
}

func or(conds ...cond) cond {
	var parts []string

	exact := true

	for _, c := range conds {
		if c.sql == "" {
			if c.exact {
				return condTrue
			}

			return condAny
		}

		exact = exact && c.exact

		if c.sql == "false" && c.exact {
			continue
		}

		parts = append(parts, c.sql)
	}

	switch len(parts) {
	case 0:
		return cond{sql: "false", exact: exact}
	case 1:
		return cond{sql: parts[0], exact: exact}
	default:
		return cond{sql: "(" + strings.Join(parts, " OR ") + ")", exact: exact}
	}
}

// not negates an exact condition; anything else cannot be negated and becomes condAny.
func not(c cond) cond {
	switch {
	case !c.exact:
		return condAny
	case c.sql == "":
		return condFalse
	case c.sql == "false":
		return condTrue
	default:
		return cond{sql: "NOT COALESCE(" + c.sql + ", false)", exact: true}
	}
}

// filter translates a filter document (its top-level keys are ANDed).
func (b *sqlBuilder) filter(doc *types.Document) cond {
	if doc == nil {
		return condTrue
	}

	conds := make([]cond, 0, doc.Len())

	for _, key := range doc.Keys() {
		v := must.NotFail(doc.Get(key))

		switch key {
		case "$comment":
			continue
		case "$and", "$or", "$nor":
			arr, ok := v.(*types.Array)
			if !ok || arr.Len() == 0 {
				conds = append(conds, condAny) // FerretDB reports the error
				continue
			}

			parts := make([]cond, arr.Len())

			for i := range parts {
				d, ok := must.NotFail(arr.Get(i)).(*types.Document)
				if !ok {
					parts[i] = condAny
					continue
				}

				parts[i] = b.filter(d)
			}

			switch key {
			case "$and":
				conds = append(conds, and(parts...))
			case "$or":
				conds = append(conds, or(parts...))
			case "$nor":
				conds = append(conds, not(or(parts...)))
			}
		default:
			// (\x01 marks arguments in the statement being built: a field name cannot hold it)
			if strings.HasPrefix(key, "$") || strings.ContainsAny(key, ".\x01") || key == "" {
				conds = append(conds, condAny)
				continue
			}

			conds = append(conds, b.fieldFilter(key, v))
		}
	}

	return and(conds...)
}

// fieldFilter translates `field: value`, where value is a literal or a document of operators.
func (b *sqlBuilder) fieldFilter(name string, v any) cond {
	kind := b.schema.KindOf(name)

	ops, isDoc := v.(*types.Document)
	if !isDoc || ops.Len() == 0 || !strings.HasPrefix(ops.Keys()[0], "$") {
		return b.eq(name, kind, v)
	}

	conds := make([]cond, 0, ops.Len())

	for _, op := range ops.Keys() {
		arg := must.NotFail(ops.Get(op))

		if _, isRe := arg.(types.Regex); isRe {
			switch op {
			case "$eq":
				// matches a stored regular expression only (not strings the expression matches): never a typed value
				if kind == metadata.KindNone {
					conds = append(conds, condAny)
				} else {
					conds = append(conds, condFalse)
				}

				continue
			case "$ne", "$gt", "$gte", "$lt", "$lte":
				// MongoDB refuses a regular expression there: FerretDB reports the error
				conds = append(conds, condAny)
				continue
			}
		}

		switch op {
		case "$eq":
			conds = append(conds, b.eq(name, kind, arg))
		case "$ne":
			conds = append(conds, not(b.eq(name, kind, arg)))
		case "$gt", "$gte", "$lt", "$lte":
			conds = append(conds, b.compare(name, kind, op, arg))
		case "$in", "$nin":
			arr, ok := arg.(*types.Array)
			if !ok || hasOperatorDocument(arr) {
				// MongoDB refuses `$in: [{$op: ...}]`: FerretDB reports the error
				conds = append(conds, condAny)
				continue
			}

			c := b.in(name, kind, arr)
			if op == "$nin" {
				c = not(c)
			}

			conds = append(conds, c)
		case "$exists":
			e, ok := arg.(bool)
			if !ok {
				conds = append(conds, condAny)
				continue
			}

			c := cond{sql: fmt.Sprintf("(%s ? %s)", metadata.DefaultColumn, quoteLiteral(name)), exact: true}
			if col := b.schema.Column(name); col != "" {
				// a missing field is SQL NULL in its column (a null value is jsonb null)
				c.sql = fmt.Sprintf("(%s IS NOT NULL)", col)
			}

			if !e {
				c = not(c)
			}

			conds = append(conds, c)
		case "$regex":
			options := ""
			if o, err := ops.Get("$options"); err == nil {
				s, ok := o.(string)
				if !ok {
					conds = append(conds, condAny)
					continue
				}

				options = s
			}

			pattern, ok := arg.(string)
			if !ok {
				if re, isRe := arg.(types.Regex); isRe && options == "" {
					pattern, options, ok = re.Pattern, re.Options, true
				}
			}

			if !ok {
				conds = append(conds, condAny)
				continue
			}

			conds = append(conds, b.regex(name, kind, pattern, options))
		case "$options":
			// read with $regex
		case "$not":
			inner, ok := arg.(*types.Document)
			if !ok {
				// FerretDB applies a sibling $options to the $not's expression too
				if re, isRe := arg.(types.Regex); isRe && !ops.Has("$options") {
					conds = append(conds, not(b.regex(name, kind, re.Pattern, re.Options)))
					continue
				}

				conds = append(conds, condAny)

				continue
			}

			conds = append(conds, not(b.fieldFilter(name, inner)))
		default:
			conds = append(conds, condAny)
		}
	}

	return and(conds...)
}

// hasOperatorDocument returns true when an element of arr is a document with an operator (a key starting with $).
func hasOperatorDocument(arr *types.Array) bool {
	for i := 0; i < arr.Len(); i++ {
		if d, ok := must.NotFail(arr.Get(i)).(*types.Document); ok {
			for _, k := range d.Keys() {
				if strings.HasPrefix(k, "$") {
					return true
				}
			}
		}
	}

	return false
}

// jsonValue is the jsonb text of a typed field's value, as FerretDB stores it; ok is false when the value cannot
// be of that kind (then no stored value equals it).
func jsonValue(kind metadata.Kind, v any) (string, bool) {
	switch kind {
	case metadata.KindString, metadata.KindStringArray:
		s, ok := v.(string)
		if !ok || strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
			// PostgreSQL cannot store U+0000 in jsonb, and FerretDB stores valid UTF-8 only
			return "", false
		}

		return string(must.NotFail(json.Marshal(s))), true
	case metadata.KindDate:
		t, ok := v.(time.Time)
		if !ok {
			return "", false
		}

		return string(must.NotFail(json.Marshal(t.UnixMilli()))), true
	case metadata.KindBool:
		bv, ok := v.(bool)
		if !ok {
			return "", false
		}

		return fmt.Sprint(bv), true
	case metadata.KindNumber:
		// FerretDB stores numbers as JSON numbers (NaN and infinities cannot be stored); jsonb compares them by value
		switch n := v.(type) {
		case int32:
			return strconv.FormatInt(int64(n), 10), true
		case int64:
			return strconv.FormatInt(n, 10), true
		case float64:
			if math.IsNaN(n) || math.IsInf(n, 0) {
				return "", false
			}

			return strconv.FormatFloat(n, 'g', -1, 64), true
		}

		return "", false
	default:
		return "", false
	}
}

// eq is MongoDB's equality `field: v`.
func (b *sqlBuilder) eq(name string, kind metadata.Kind, v any) cond {
	f := b.field(name)

	if re, ok := v.(types.Regex); ok {
		return b.regex(name, kind, re.Pattern, re.Options)
	}

	if kind == metadata.KindNone {
		return b.untypedEq(name, v)
	}

	if _, ok := v.(types.NullType); ok {
		// null matches a missing field or null (typed arrays never hold null)
		return cond{sql: fmt.Sprintf("(%s IS NULL OR %s = 'null'::jsonb)", f, f), exact: true}
	}

	if kind == metadata.KindStringArray {
		if arr, ok := v.(*types.Array); ok {
			// the whole array equals v (an array of strings)
			var elems []string

			for i := 0; i < arr.Len(); i++ {
				j, ok := jsonValue(kind, must.NotFail(arr.Get(i)))
				if !ok {
					return condFalse
				}

				elems = append(elems, j)
			}

			return cond{sql: fmt.Sprintf("%s = %s::jsonb", f, b.arg("["+strings.Join(elems, ",")+"]")), exact: true}
		}

		j, ok := jsonValue(kind, v)
		if !ok {
			return condFalse
		}

		return cond{sql: fmt.Sprintf("%s @> %s::jsonb", f, b.arg("["+j+"]")), exact: true}
	}

	j, ok := jsonValue(kind, v)
	if !ok {
		// a value of another type (or an array or document) never equals a typed scalar
		return condFalse
	}

	return cond{sql: fmt.Sprintf("%s = %s::jsonb", f, b.arg(j)), exact: true}
}

// untypedEq narrows an equality on an untyped field to the rows that may match: a string equals the field's
// value or one of its array's elements (`@>`). Not exact: an ObjectID is stored as its hex string too.
func (b *sqlBuilder) untypedEq(name string, v any) cond {
	s, ok := v.(string)
	if !ok || strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
		return condAny
	}

	return cond{sql: fmt.Sprintf("%s @> %s::jsonb", b.field(name), b.arg(string(must.NotFail(json.Marshal(s))))), exact: false}
}

// in is `field: {$in: [values]}`: one of the equalities. Equalities with plain values are one `= ANY`.
func (b *sqlBuilder) in(name string, kind metadata.Kind, arr *types.Array) cond {
	if kind == metadata.KindNone || kind == metadata.KindStringArray {
		conds := make([]cond, arr.Len())
		for i := range conds {
			conds[i] = b.eq(name, kind, must.NotFail(arr.Get(i)))
		}

		return or(conds...)
	}

	var values []string

	var conds []cond

	for i := 0; i < arr.Len(); i++ {
		v := must.NotFail(arr.Get(i))

		switch v.(type) {
		case types.NullType, types.Regex, *types.Array, *types.Document:
			conds = append(conds, b.eq(name, kind, v))
		default:
			if j, ok := jsonValue(kind, v); ok {
				values = append(values, j)
			}
		}
	}

	if len(values) > 0 {
		conds = append(conds, cond{sql: fmt.Sprintf("%s = ANY(%s::jsonb[])", b.field(name), b.arg(values)), exact: true})
	}

	return or(conds...)
}

// compare is a range condition. MongoDB compares values of the same type only (null with null).
func (b *sqlBuilder) compare(name string, kind metadata.Kind, op string, v any) cond {
	switch kind {
	case metadata.KindString, metadata.KindDate, metadata.KindBool, metadata.KindNumber:
	default:
		return condAny
	}

	if f, ok := v.(float64); ok && kind == metadata.KindNumber && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return condAny // left to FerretDB
	}

	if _, ok := v.(types.NullType); ok {
		if op == "$gte" || op == "$lte" {
			return b.eq(name, kind, v)
		}

		return condFalse
	}

	j, ok := jsonValue(kind, v)
	if !ok {
		if s, isString := v.(string); isString && kind == metadata.KindString && utf8.ValidString(s) {
			// a string PostgreSQL cannot hold (U+0000): leave it to FerretDB
			return condAny
		}

		return condFalse
	}

	if kind == metadata.KindString && !b.stringOrder {
		return condAny
	}

	f := b.field(name)
	sqlOp := map[string]string{"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}[op]
	c := fmt.Sprintf("%s %s %s::jsonb", f, sqlOp, b.arg(j))

	if op == "$lt" || op == "$lte" {
		// jsonb sorts null below every value of the field's type: MongoDB does not compare them
		c = fmt.Sprintf("(%s AND %s > 'null'::jsonb)", c, f)
	}

	return cond{sql: c, exact: true}
}

// regex translates a regular expression made of literal characters, optionally anchored with ^ and $, into LIKE.
// Anything else (classes, quantifiers, options but "s") is left to FerretDB.
func (b *sqlBuilder) regex(name string, kind metadata.Kind, pattern, options string) cond {
	if kind != metadata.KindString || strings.Trim(options, "s") != "" {
		return condAny
	}

	lit, start, end, ok := literalPattern(pattern)
	if !ok || strings.ContainsRune(lit, 0) {
		return condAny
	}

	text := b.schema.Text(name)
	f := b.field(name)

	// `$` is the end of the string: in MongoDB (PCRE) it also matches before a final newline, but FerretDB
	// evaluates regular expressions with Go's regexp, where it does not, and it filters the documents of every find
	// again: the SQL gives FerretDB's answer, so that find and count agree.
	switch {
	case start && end:
		// the whole string: an equality the index answers
		return cond{sql: fmt.Sprintf("%s = %s::jsonb", f, b.arg(string(must.NotFail(json.Marshal(lit))))), exact: true}

	case end:
		return cond{sql: fmt.Sprintf("%s LIKE %s", text, b.arg("%"+likeEscape(lit))), exact: true}

	case start:
		c := fmt.Sprintf("%s LIKE %s", text, b.arg(likeEscape(lit)+"%"))
		if b.stringOrder && lit != "" {
			// also a range of the jsonb index: from the prefix up to the first string that does not start with it
			c += fmt.Sprintf(" AND %s >= %s::jsonb", f, b.arg(string(must.NotFail(json.Marshal(lit)))))

			if upper, ok := prefixUpperBound(lit); ok {
				c += fmt.Sprintf(" AND %s < %s::jsonb", f, b.arg(string(must.NotFail(json.Marshal(upper)))))
			}
		}

		return cond{sql: "(" + c + ")", exact: true}

	default:
		// a trigram index (createSearchIndexes) answers this
		return cond{sql: fmt.Sprintf("%s LIKE %s", text, b.arg("%"+likeEscape(lit)+"%")), exact: true}
	}
}

// literalPattern reads a regular expression that matches a literal string: `^`? (char | `\` punctuation)* `$`?.
func literalPattern(pattern string) (lit string, start, end, ok bool) {
	p := pattern

	if strings.HasPrefix(p, "^") {
		start = true
		p = p[1:]
	}

	var sb strings.Builder

	for i := 0; i < len(p); {
		r, size := utf8.DecodeRuneInString(p[i:])
		if r == utf8.RuneError && size <= 1 {
			return "", false, false, false
		}

		switch {
		case r == '\\':
			if i+1 >= len(p) {
				return "", false, false, false
			}

			next := p[i+1]
			// an escaped ASCII punctuation character is that character; escaped letters and digits are classes
			if next >= 0x80 || !isASCIIPunct(next) {
				return "", false, false, false
			}

			sb.WriteByte(next)
			i += 2

			continue
		case r == '$' && i+size == len(p):
			end = true
		case strings.ContainsRune(".^$*+?()[]{}|", r):
			return "", false, false, false
		default:
			sb.WriteRune(r)
		}

		i += size
	}

	return sb.String(), start, end, true
}

func isASCIIPunct(c byte) bool {
	return c > ' ' && c < 0x7f && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z')
}

// likeEscape escapes LIKE's wildcards and its escape character.
func likeEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// prefixUpperBound is the smallest string greater than every string starting with prefix, in code point order
// (UTF-8 byte order): the prefix with its last code point incremented.
func prefixUpperBound(prefix string) (string, bool) {
	r, size := utf8.DecodeLastRuneInString(prefix)
	if r == utf8.RuneError || r == utf8.MaxRune {
		return "", false
	}

	next := r + 1
	if next == 0xD800 { // skip the surrogates, which UTF-8 cannot encode
		next = 0xE000
	}

	return prefix[:len(prefix)-size] + string(next), true
}

// orderBy translates a validated sort document; ok is false when PostgreSQL cannot sort exactly as MongoDB does.
func (b *sqlBuilder) orderBy(sort *types.Document) (string, bool) {
	if sort.Len() == 0 {
		return "", true
	}

	parts := make([]string, 0, sort.Len())

	for i, key := range sort.Keys() {
		switch b.schema.KindOf(key) {
		case metadata.KindString:
			if !b.stringOrder {
				return "", false
			}
		case metadata.KindDate, metadata.KindBool, metadata.KindNumber:
		default:
			return "", false
		}

		var dir int64

		switch v := must.NotFail(sort.Get(key)).(type) {
		case int64:
			dir = v
		case int32:
			dir = int64(v)
		case float64:
			if v != math.Trunc(v) {
				return "", false
			}

			dir = int64(v)
		default:
			return "", false
		}

		// MongoDB sorts missing fields and nulls first, ascending, as equal values: PostgreSQL puts a missing field
		// (SQL NULL) before null (jsonb null). That is one of MongoDB's orders of equal values unless a later key
		// orders them: then a field that may be both missing and null sorts as COALESCE (which no index answers).
		f := b.field(key)
		if tf := b.schema.Field(key); i < sort.Len()-1 && !tf.Required && slices.Contains(tf.Types, "null") {
			f = "COALESCE(" + f + ", 'null'::jsonb)"
		}

		switch dir {
		case 1:
			parts = append(parts, f+" ASC NULLS FIRST")
		case -1:
			parts = append(parts, f+" DESC NULLS LAST")
		default:
			return "", false
		}
	}

	return " ORDER BY " + strings.Join(parts, ", "), true
}
