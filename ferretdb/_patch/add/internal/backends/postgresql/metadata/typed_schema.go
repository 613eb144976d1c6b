// Added by the directory service's build (ferretdb/_patch): typed fields from a collection's `$jsonSchema`
// validator.
//
// A validator set with collMod is enforced by PostgreSQL itself, as a CHECK constraint on the collection's table,
// so every document of the table obeys it, whichever FerretDB process wrote it. Because every value of a typed
// field then has one known type (or is null, or missing), the PostgreSQL backend can translate conditions on that
// field into SQL that gives exactly MongoDB's answer, and answer sorts, limits and counts with indexes
// (see ../typed_filter.go).

package metadata

import (
	"fmt"
	"hash/fnv"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// Kind is how the PostgreSQL backend may evaluate conditions on a field.
type Kind string

// Kinds of typed fields.
const (
	KindNone        Kind = ""            // not typed: conditions are evaluated by FerretDB
	KindString      Kind = "string"      // a string, null or missing
	KindDate        Kind = "date"        // a date, null or missing
	KindBool        Kind = "bool"        // a boolean, null or missing
	KindStringArray Kind = "stringArray" // an array of strings, null or missing
	KindNumber      Kind = "number"      // a double, int or long, null or missing (compared by value, as MongoDB does)
)

// SchemaConstraint is the name of the CHECK constraint that enforces a collection's validator.
const SchemaConstraint = "ferretdb_jsonschema"

// TypedField is one top-level property of a validator.
type TypedField struct {
	Name     string
	Types    []string // allowed BSON types (aliases expanded), sorted
	Items    []string // allowed element types of an array, sorted; nil: any
	Enum     []any    // allowed values (strings or null); nil: any
	Required bool
}

// Kind returns how conditions on the field may be evaluated by PostgreSQL.
func (f *TypedField) Kind() Kind {
	nonNull := slices.DeleteFunc(slices.Clone(f.Types), func(t string) bool { return t == "null" })
	if len(nonNull) > 0 && !slices.ContainsFunc(nonNull, func(t string) bool {
		return t != "double" && t != "int" && t != "long"
	}) {
		return KindNumber
	}

	if len(nonNull) != 1 {
		return KindNone
	}

	switch nonNull[0] {
	case "string":
		return KindString
	case "date":
		return KindDate
	case "bool":
		return KindBool
	case "array":
		if len(f.Items) == 1 && f.Items[0] == "string" {
			return KindStringArray
		}
	}

	return KindNone
}

// TypedSchema is what the backend knows of a collection's validator.
// It is immutable: see deepCopy.
type TypedSchema struct {
	Validator *types.Document // as given to collMod, returned by listCollections
	Fields    []TypedField    // by name
}

// Field returns the typed field with that name, or nil.
func (s *TypedSchema) Field(name string) *TypedField {
	if s == nil {
		return nil
	}

	i, found := slices.BinarySearchFunc(s.Fields, name, func(f TypedField, n string) int { return strings.Compare(f.Name, n) })
	if !found {
		return nil
	}

	return &s.Fields[i]
}

// KindOf returns the kind of a top-level field (KindNone for dotted paths and untyped fields).
func (s *TypedSchema) KindOf(name string) Kind {
	if f := s.Field(name); f != nil {
		return f.Kind()
	}

	return KindNone
}

// deepCopy returns s itself: a TypedSchema is never changed once ParseValidator made it (from its own copy of the
// validator), and a new validator replaces it whole (SetValidator), so the copies of a collection's metadata that
// every query takes can share it. Copying it for each query (ListCollections copies every collection's metadata)
// was about a tenth of this program's CPU when serving small reads.
func (s *TypedSchema) deepCopy() *TypedSchema {
	return s
}

// bsonTypes are the `bsonType` names FerretDB v1 stores, and the aliases MongoDB accepts for groups of them.
var bsonTypes = map[string][]string{
	"double":    {"double"},
	"string":    {"string"},
	"object":    {"object"},
	"array":     {"array"},
	"binData":   {"binData"},
	"objectId":  {"objectId"},
	"bool":      {"bool"},
	"date":      {"date"},
	"null":      {"null"},
	"regex":     {"regex"},
	"int":       {"int"},
	"timestamp": {"timestamp"},
	"long":      {"long"},
	"number":    {"double", "int", "long"},
}

// SchemaError is a validator that is not valid, or uses what this backend does not enforce.
type SchemaError struct{ msg string }

func (e *SchemaError) Error() string { return e.msg }

func schemaErrorf(format string, args ...any) error {
	return &SchemaError{msg: fmt.Sprintf(format, args...)}
}

// ParseValidator reads a collMod/create `validator`. It accepts `{$jsonSchema: {...}}` with the keywords
// bsonType ("object"), required, properties, title and description at the top, and bsonType, items (with a
// bsonType), enum (strings and null), title and description in each property. Anything else is refused rather
// than ignored: a validator this backend accepts is enforced exactly.
func ParseValidator(validator *types.Document) (*TypedSchema, error) {
	if validator.Len() == 0 {
		return nil, nil
	}

	if validator.Len() != 1 || !validator.Has("$jsonSchema") {
		return nil, schemaErrorf("only a validator of the form {$jsonSchema: {...}} is supported")
	}

	js, ok := must.NotFail(validator.Get("$jsonSchema")).(*types.Document)
	if !ok {
		return nil, schemaErrorf("$jsonSchema must be an object")
	}

	res := &TypedSchema{Validator: validator.DeepCopy()}
	required := map[string]bool{}

	for _, k := range js.Keys() {
		v := must.NotFail(js.Get(k))

		switch k {
		case "title", "description":
		case "bsonType":
			if s, ok := v.(string); !ok || s != "object" {
				return nil, schemaErrorf(`$jsonSchema.bsonType must be "object"`)
			}
		case "required":
			names, err := stringList(v, "$jsonSchema.required")
			if err != nil {
				return nil, err
			}

			for _, n := range names {
				required[n] = true
			}
		case "properties":
			props, ok := v.(*types.Document)
			if !ok {
				return nil, schemaErrorf("$jsonSchema.properties must be an object")
			}

			for _, name := range props.Keys() {
				f, err := parseProperty(name, must.NotFail(props.Get(name)))
				if err != nil {
					return nil, err
				}

				res.Fields = append(res.Fields, *f)
			}
		default:
			return nil, schemaErrorf("$jsonSchema keyword %q is not supported by this database", k)
		}
	}

	sort.Slice(res.Fields, func(i, j int) bool { return res.Fields[i].Name < res.Fields[j].Name })

	for name := range required {
		if f := res.Field(name); f != nil { // (a binary search: Fields are sorted)
			continue
		}

		res.Fields = append(res.Fields, TypedField{Name: name})
	}

	sort.Slice(res.Fields, func(i, j int) bool { return res.Fields[i].Name < res.Fields[j].Name })

	for i := range res.Fields {
		res.Fields[i].Required = required[res.Fields[i].Name]
	}

	return res, nil
}

func parseProperty(name string, v any) (*TypedField, error) {
	if name == "" || strings.HasPrefix(name, "$") || strings.Contains(name, ".") {
		return nil, schemaErrorf("property name %q is not supported", name)
	}

	spec, ok := v.(*types.Document)
	if !ok {
		return nil, schemaErrorf("$jsonSchema.properties.%s must be an object", name)
	}

	f := &TypedField{Name: name}

	for _, k := range spec.Keys() {
		v := must.NotFail(spec.Get(k))

		var err error

		switch k {
		case "title", "description":
		case "bsonType":
			f.Types, err = typeList(v, "$jsonSchema.properties."+name+".bsonType")
		case "items":
			items, ok := v.(*types.Document)
			if !ok || items.Len() != 1 || !items.Has("bsonType") {
				return nil, schemaErrorf("$jsonSchema.properties.%s.items must be {bsonType: ...}", name)
			}

			f.Items, err = typeList(must.NotFail(items.Get("bsonType")), "$jsonSchema.properties."+name+".items.bsonType")
		case "enum":
			f.Enum, err = enumList(v, "$jsonSchema.properties."+name+".enum")
		default:
			return nil, schemaErrorf("$jsonSchema keyword %q (in properties.%s) is not supported by this database", k, name)
		}

		if err != nil {
			return nil, err
		}
	}

	if f.Items != nil && !slices.Contains(f.Types, "array") {
		return nil, schemaErrorf(`$jsonSchema.properties.%s: items needs bsonType "array"`, name)
	}

	return f, nil
}

func stringList(v any, path string) ([]string, error) {
	arr, ok := v.(*types.Array)
	if !ok {
		if s, ok := v.(string); ok {
			return []string{s}, nil
		}

		return nil, schemaErrorf("%s must be a string or an array of strings", path)
	}

	res := make([]string, 0, arr.Len())

	for i := 0; i < arr.Len(); i++ {
		s, ok := must.NotFail(arr.Get(i)).(string)
		if !ok {
			return nil, schemaErrorf("%s must be an array of strings", path)
		}

		res = append(res, s)
	}

	return res, nil
}

func typeList(v any, path string) ([]string, error) {
	names, err := stringList(v, path)
	if err != nil {
		return nil, err
	}

	var res []string

	for _, n := range names {
		ts, ok := bsonTypes[n]
		if !ok {
			return nil, schemaErrorf("%s: unknown or unsupported bsonType %q", path, n)
		}

		for _, t := range ts {
			if !slices.Contains(res, t) {
				res = append(res, t)
			}
		}
	}

	sort.Strings(res)

	return res, nil
}

func enumList(v any, path string) ([]any, error) {
	arr, ok := v.(*types.Array)
	if !ok || arr.Len() == 0 {
		return nil, schemaErrorf("%s must be a non-empty array", path)
	}

	res := make([]any, 0, arr.Len())

	for i := 0; i < arr.Len(); i++ {
		switch e := must.NotFail(arr.Get(i)).(type) {
		case string, types.NullType:
			res = append(res, e)
		default:
			return nil, schemaErrorf("%s: only strings and null are supported", path)
		}
	}

	return res, nil
}

// CheckExpression is the SQL boolean expression that holds for a document (in column `_jsonb`) the validator
// accepts. FerretDB keeps every document's BSON types in `_jsonb->'$s'->'p'`.
func (s *TypedSchema) CheckExpression() string {
	var parts []string

	for _, f := range s.Fields {
		key := quoteString(f.Name)
		has := fmt.Sprintf("(%s ? %s)", DefaultColumn, key)
		typ := fmt.Sprintf("(%s->'$s'->'p'->%s->>'t')", DefaultColumn, key)

		if f.Required {
			parts = append(parts, has)
		}

		if f.Types != nil {
			parts = append(parts, fmt.Sprintf("(NOT %s OR %s IN (%s))", has, typ, quoteList(f.Types)))
		}

		if f.Items != nil {
			// every element type ({"t": ...} in the array's "i" list) is one of Items
			var conds []string
			for _, t := range f.Items {
				conds = append(conds, fmt.Sprintf(`@.t != "%s"`, t))
			}

			path := fmt.Sprintf("$[*] ? (%s)", strings.Join(conds, " && "))
			parts = append(parts, fmt.Sprintf(
				"(%s IS DISTINCT FROM 'array' OR NOT jsonb_path_exists(%s->'$s'->'p'->%s->'i', %s))",
				typ, DefaultColumn, key, quoteString(path),
			))
		}

		if f.Enum != nil {
			var vals []string
			null := false

			for _, e := range f.Enum {
				if s, ok := e.(string); ok {
					vals = append(vals, quoteString(s))
				} else {
					null = true
				}
			}

			cond := fmt.Sprintf("%s->>%s IN (%s)", DefaultColumn, key, strings.Join(vals, ", "))
			if len(vals) == 0 {
				cond = "false"
			}

			if null {
				cond = fmt.Sprintf("(%s OR %s = 'null')", cond, typ)
			}

			parts = append(parts, fmt.Sprintf("(NOT %s OR (%s IN ('string', 'null') AND %s))", has, typ, cond))
		}
	}

	if len(parts) == 0 {
		return "true"
	}

	return strings.Join(parts, " AND ")
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = quoteString(s)
	}

	return strings.Join(q, ", ")
}

// marshalSchema and unmarshalSchema keep the validator in the collection's metadata document.
func (s *TypedSchema) marshal() any {
	if s == nil {
		return types.Null
	}

	return s.Validator
}

func unmarshalSchema(v any) (*TypedSchema, error) {
	d, ok := v.(*types.Document)
	if !ok {
		return nil, nil
	}

	s, err := ParseValidator(d)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	return s, nil
}

// ColumnPrefix starts the name of every column that holds a copy of a typed field.
const ColumnPrefix = "_jsonb."

// Column returns the quoted name of the column that holds a copy of a typed field's value (`_jsonb->'field'`,
// a stored generated column), or "" when the field has none: untyped fields, dotted paths, and arrays (which GIN
// indexes over the document answer).
//
// Conditions, sorts and indexes on a typed field use its column instead of the document: PostgreSQL then reads
// the value without decompressing the whole document, and an index over columns can answer a count by itself
// (an index-only scan), which an index over expressions of the document never can.
//
// `_id` has none: FerretDB's own statements find documents by `_jsonb->'_id'`, which its index keeps answering.
func (s *TypedSchema) Column(name string) string {
	if name == "_id" {
		return ""
	}

	switch s.KindOf(name) {
	case KindString, KindDate, KindBool, KindNumber:
		return pgx.Identifier{ColumnName(name)}.Sanitize()
	default:
		return ""
	}
}

// Text returns the SQL text of a top-level string field (NULL when it is missing or null), for LIKE and the
// trigram indexes that answer it: from the field's column where it has one (a small value, read without
// decompressing the document), else from the document.
func (s *TypedSchema) Text(name string) string {
	if c := s.Column(name); c != "" {
		return fmt.Sprintf("(%s #>> '{}')", c)
	}

	return documentText(name)
}

// documentText is the SQL text of a top-level field read from the document.
func documentText(name string) string {
	return fmt.Sprintf("(%s->>%s)", DefaultColumn, quoteString(name))
}

// ColumnName is the (unquoted) name of a typed field's column: the prefix and the field's name, shortened with a
// hash of the whole name where PostgreSQL's identifiers would cut it.
func ColumnName(field string) string {
	name := ColumnPrefix + field
	if len(name) <= maxIndexNameLength {
		return name
	}

	h := fnv.New32a()
	must.NotFail(h.Write([]byte(field)))

	suffix := fmt.Sprintf("_%08x", h.Sum32())
	cut := maxIndexNameLength - len(suffix)

	for !utf8.RuneStart(name[cut]) {
		cut--
	}

	return name[:cut] + suffix
}

// Columns returns the definitions of the typed fields' columns, by column name.
func (s *TypedSchema) Columns() map[string]string {
	res := map[string]string{}

	if s == nil {
		return res
	}

	for _, f := range s.Fields {
		if s.Column(f.Name) == "" {
			continue
		}

		name := ColumnName(f.Name)
		res[name] = fmt.Sprintf(
			"%s jsonb GENERATED ALWAYS AS (%s->%s) STORED",
			pgx.Identifier{name}.Sanitize(), DefaultColumn, quoteString(f.Name),
		)
	}

	return res
}

// IndexColumns returns the index expressions and method ("btree" or "gin") for an index's keys.
//
// Ascending keys sort nulls (missing fields) first and descending keys last, as MongoDB does, so that a sort on
// any key can be read from the index in either direction. A non-unique index over an array-of-strings field is a
// GIN index of that field alone (jsonb_path_ops): it answers MongoDB's "the array contains this value". (GIN
// indexes cannot be unique: a unique one stays a B-tree of the whole values, as FerretDB makes it.)
func (s *TypedSchema) IndexColumns(key []IndexKeyPair, unique bool) (columns []string, method string) {
	for _, k := range key {
		if !unique && !strings.Contains(k.Field, ".") && s.KindOf(k.Field) == KindStringArray {
			return []string{fmt.Sprintf("((%s->%s)) jsonb_path_ops", DefaultColumn, quoteString(k.Field))}, "gin"
		}
	}

	columns = make([]string, len(key))

	for i, k := range key {
		// a nested field (foo.bar) is the json path foo -> bar
		fs := strings.Split(k.Field, ".")
		parts := make([]string, len(fs))

		for j, f := range fs {
			// It's important to sanitize field.Field data here, as it's a user-provided value.
			parts[j] = quoteString(f)
		}

		columns[i] = fmt.Sprintf("((%s->%s))", DefaultColumn, strings.Join(parts, " -> "))
		if col := s.Column(k.Field); col != "" {
			columns[i] = col
		}

		if k.Descending {
			columns[i] += " DESC NULLS LAST"
		} else {
			columns[i] += " NULLS FIRST"
		}
	}

	return columns, "btree"
}
