// Added by the directory service's build (ferretdb/_patch): tests of typed_schema.go.

package metadata

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
	"github.com/FerretDB/FerretDB/internal/util/testutil"
)

func sdoc(pairs ...any) *types.Document { return must.NotFail(types.NewDocument(pairs...)) }

func sarr(values ...any) *types.Array { return must.NotFail(types.NewArray(values...)) }

func jsonSchema(pairs ...any) *types.Document { return sdoc("$jsonSchema", sdoc(pairs...)) }

func TestParseValidator(t *testing.T) {
	t.Parallel()

	t.Run("Empty", func(t *testing.T) {
		t.Parallel()

		s, err := ParseValidator(sdoc())
		require.NoError(t, err)
		assert.Nil(t, s)
	})

	t.Run("Accepted", func(t *testing.T) {
		t.Parallel()

		v := jsonSchema(
			"bsonType", "object",
			"title", "t",
			"description", "d",
			"required", sarr("name", "only"),
			"properties", sdoc(
				"name", sdoc("bsonType", "string", "title", "Name", "description", "the name"),
				"email", sdoc("bsonType", sarr("string", "null")),
				"tags", sdoc("bsonType", "array", "items", sdoc("bsonType", "string")),
				"n", sdoc("bsonType", "number"),
				"kind", sdoc("bsonType", "string", "enum", sarr("a", "b", types.Null)),
				"any", sdoc(),
			),
		)

		s, err := ParseValidator(v)
		require.NoError(t, err)
		require.NotNil(t, s)

		testutil.AssertEqual(t, v, s.Validator)
		assert.NotSame(t, v, s.Validator, "a copy")

		assert.Equal(t, []TypedField{
			{Name: "any"},
			{Name: "email", Types: []string{"null", "string"}},
			{Name: "kind", Types: []string{"string"}, Enum: []any{"a", "b", types.Null}},
			{Name: "n", Types: []string{"double", "int", "long"}},
			{Name: "name", Types: []string{"string"}, Required: true},
			{Name: "only", Required: true},
			{Name: "tags", Types: []string{"array"}, Items: []string{"string"}},
		}, s.Fields)

		assert.Equal(t, KindString, s.KindOf("name"))
		assert.Equal(t, KindString, s.KindOf("email"))
		assert.Equal(t, KindStringArray, s.KindOf("tags"))
		assert.Equal(t, KindNumber, s.KindOf("n"))
		assert.Equal(t, KindNone, s.KindOf("only"))
		assert.Equal(t, KindNone, s.KindOf("missing"))
		assert.Equal(t, KindNone, s.KindOf("name.x"))
		assert.Nil(t, s.Field("missing"))
		assert.Equal(t, "email", s.Field("email").Name)
	})

	t.Run("RequiredString", func(t *testing.T) {
		t.Parallel()

		s, err := ParseValidator(jsonSchema("required", "a"))
		require.NoError(t, err)
		assert.Equal(t, []TypedField{{Name: "a", Required: true}}, s.Fields)
	})

	// a required property is one field, whatever the order of the names (the lookup of required names once
	// found it only by chance, and added a second, untyped field of the same name)
	t.Run("RequiredProperties", func(t *testing.T) {
		t.Parallel()

		s, err := ParseValidator(jsonSchema(
			"required", sarr("z", "a", "m"),
			"properties", sdoc(
				"z", sdoc("bsonType", "string"),
				"m", sdoc("bsonType", "date"),
				"b", sdoc("bsonType", "bool"),
				"a", sdoc("bsonType", "bool"),
			),
		))
		require.NoError(t, err)
		assert.Equal(t, []TypedField{
			{Name: "a", Types: []string{"bool"}, Required: true},
			{Name: "b", Types: []string{"bool"}},
			{Name: "m", Types: []string{"date"}, Required: true},
			{Name: "z", Types: []string{"string"}, Required: true},
		}, s.Fields)
		assert.Equal(t, KindString, s.KindOf("z"))
		assert.Equal(t, KindDate, s.KindOf("m"))
	})

	t.Run("Nil", func(t *testing.T) {
		t.Parallel()

		var s *TypedSchema
		assert.Nil(t, s.Field("a"))
		assert.Equal(t, KindNone, s.KindOf("a"))
		assert.Nil(t, s.deepCopy())
		assert.Equal(t, types.Null, s.marshal())
	})

	t.Run("Immutable", func(t *testing.T) {
		t.Parallel()

		validator := jsonSchema("properties", sdoc("a", sdoc("bsonType", "string", "enum", sarr("x"))))
		s, err := ParseValidator(validator)
		require.NoError(t, err)

		// copies of the metadata share the schema; the validator given to ParseValidator is not kept
		assert.Same(t, s, s.deepCopy())

		validator.Set("x", int32(1))
		assert.False(t, s.Validator.Has("x"))
		assert.Equal(t, "string", s.Fields[0].Types[0])
	})
}

func TestParseValidatorRefuses(t *testing.T) {
	t.Parallel()

	prop := func(spec *types.Document) *types.Document { return jsonSchema("properties", sdoc("p", spec)) }

	// every refusal names what it refuses: collMod reports it as BadValue
	for name, tc := range map[string]struct {
		validator *types.Document
		contains  string
	}{
		"Query":                {validator: sdoc("name", sdoc("$type", "string")), contains: "{$jsonSchema: {...}}"},
		"Expr":                 {validator: sdoc("$expr", true), contains: "{$jsonSchema: {...}}"},
		"ExtraKey":             {validator: sdoc("$jsonSchema", sdoc(), "a", int32(1)), contains: "{$jsonSchema: {...}}"},
		"NotObject":            {validator: sdoc("$jsonSchema", "x"), contains: "$jsonSchema must be an object"},
		"BsonTypeArray":        {validator: jsonSchema("bsonType", "array"), contains: `$jsonSchema.bsonType must be "object"`},
		"BsonTypeList":         {validator: jsonSchema("bsonType", sarr("object")), contains: `$jsonSchema.bsonType must be "object"`},
		"RequiredNumber":       {validator: jsonSchema("required", int32(1)), contains: "$jsonSchema.required"},
		"RequiredNumbers":      {validator: jsonSchema("required", sarr("a", int32(1))), contains: "$jsonSchema.required"},
		"PropertiesNotObject":  {validator: jsonSchema("properties", sarr()), contains: "$jsonSchema.properties must be an object"},
		"AdditionalProperties": {validator: jsonSchema("additionalProperties", false), contains: `"additionalProperties"`},
		"AnyOf":                {validator: jsonSchema("anyOf", sarr()), contains: `"anyOf"`},
		"Type":                 {validator: jsonSchema("type", "object"), contains: `"type"`},
		"MinProperties":        {validator: jsonSchema("minProperties", int32(1)), contains: `"minProperties"`},
		"DottedName":           {validator: jsonSchema("properties", sdoc("a.b", sdoc())), contains: `property name "a.b"`},
		"DollarName":           {validator: jsonSchema("properties", sdoc("$a", sdoc())), contains: `property name "$a"`},
		"EmptyName":            {validator: jsonSchema("properties", sdoc("", sdoc())), contains: `property name ""`},
		"PropertyNotObject":    {validator: jsonSchema("properties", sdoc("p", "string")), contains: "$jsonSchema.properties.p must be an object"},
		"MinLength":            {validator: prop(sdoc("bsonType", "string", "minLength", int32(1))), contains: `"minLength" (in properties.p)`},
		"Pattern":              {validator: prop(sdoc("pattern", "^a")), contains: `"pattern" (in properties.p)`},
		"MaxItems":             {validator: prop(sdoc("bsonType", "array", "maxItems", int32(1))), contains: `"maxItems" (in properties.p)`},
		"NestedProperties":     {validator: prop(sdoc("bsonType", "object", "properties", sdoc())), contains: `"properties" (in properties.p)`},
		"TypeKeyword":          {validator: prop(sdoc("type", "string")), contains: `"type" (in properties.p)`},
		"Decimal":              {validator: prop(sdoc("bsonType", "decimal")), contains: `unsupported bsonType "decimal"`},
		"LowerCaseObjectID":    {validator: prop(sdoc("bsonType", "objectid")), contains: `unsupported bsonType "objectid"`},
		"JavaScript":           {validator: prop(sdoc("bsonType", sarr("string", "javascript"))), contains: `unsupported bsonType "javascript"`},
		"BsonTypeNumber":       {validator: prop(sdoc("bsonType", int32(2))), contains: "$jsonSchema.properties.p.bsonType"},
		"ItemsNotObject":       {validator: prop(sdoc("bsonType", "array", "items", "string")), contains: "items must be {bsonType: ...}"},
		"ItemsExtraKey": {
			validator: prop(sdoc("bsonType", "array", "items", sdoc("bsonType", "string", "minLength", int32(1)))),
			contains:  "items must be {bsonType: ...}",
		},
		"ItemsList":        {validator: prop(sdoc("bsonType", "array", "items", sarr())), contains: "items must be {bsonType: ...}"},
		"ItemsBadType":     {validator: prop(sdoc("bsonType", "array", "items", sdoc("bsonType", "decimal"))), contains: `items.bsonType: unknown or unsupported bsonType "decimal"`},
		"ItemsWithoutType": {validator: prop(sdoc("items", sdoc("bsonType", "string"))), contains: `items needs bsonType "array"`},
		"ItemsOfString":    {validator: prop(sdoc("bsonType", "string", "items", sdoc("bsonType", "string"))), contains: `items needs bsonType "array"`},
		"EnumNotArray":     {validator: prop(sdoc("enum", "a")), contains: "enum must be a non-empty array"},
		"EnumEmpty":        {validator: prop(sdoc("enum", sarr())), contains: "enum must be a non-empty array"},
		"EnumNumber":       {validator: prop(sdoc("enum", sarr("a", int32(1)))), contains: "enum: only strings and null"},
	} {
		name, tc := name, tc
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			s, err := ParseValidator(tc.validator)
			require.Error(t, err)
			assert.Nil(t, s)

			var se *SchemaError
			require.ErrorAs(t, err, &se)
			assert.Contains(t, se.Error(), tc.contains)
		})
	}
}

func TestTypedFieldKind(t *testing.T) {
	t.Parallel()

	for name, tc := range map[string]struct {
		field TypedField
		kind  Kind
	}{
		"String":            {field: TypedField{Types: []string{"string"}}, kind: KindString},
		"StringOrNull":      {field: TypedField{Types: []string{"null", "string"}}, kind: KindString},
		"Date":              {field: TypedField{Types: []string{"date", "null"}}, kind: KindDate},
		"Bool":              {field: TypedField{Types: []string{"bool"}}, kind: KindBool},
		"StringArray":       {field: TypedField{Types: []string{"array", "null"}, Items: []string{"string"}}, kind: KindStringArray},
		"ArrayOfAny":        {field: TypedField{Types: []string{"array"}}, kind: KindNone},
		"ArrayOfNullable":   {field: TypedField{Types: []string{"array"}, Items: []string{"null", "string"}}, kind: KindNone},
		"ArrayOfInts":       {field: TypedField{Types: []string{"array"}, Items: []string{"int"}}, kind: KindNone},
		"StringOrInt":       {field: TypedField{Types: []string{"int", "string"}}, kind: KindNone},
		"StringOrArray":     {field: TypedField{Types: []string{"array", "string"}, Items: []string{"string"}}, kind: KindNone},
		"Null":              {field: TypedField{Types: []string{"null"}}, kind: KindNone},
		"Number":            {field: TypedField{Types: []string{"double", "int", "long"}}, kind: KindNumber},
		"NumberAndNull":     {field: TypedField{Types: []string{"null", "double", "int", "long"}}, kind: KindNumber},
		"Int":               {field: TypedField{Types: []string{"int"}}, kind: KindNumber},
		"ObjectID":          {field: TypedField{Types: []string{"objectId"}}, kind: KindNone},
		"Object":            {field: TypedField{Types: []string{"object"}}, kind: KindNone},
		"Untyped":           {field: TypedField{}, kind: KindNone},
		"UntypedEnum":       {field: TypedField{Enum: []any{"a"}}, kind: KindNone},
		"StringEnumAndNull": {field: TypedField{Types: []string{"null", "string"}, Enum: []any{"a", types.Null}}, kind: KindString},
	} {
		name, tc := name, tc
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			assert.Equal(t, tc.kind, tc.field.Kind())
		})
	}
}

func TestCheckExpression(t *testing.T) {
	t.Parallel()

	const (
		hasS  = `(_jsonb ? 's')`
		typeS = `(_jsonb->'$s'->'p'->'s'->>'t')`
	)

	for name, tc := range map[string]struct {
		validator *types.Document
		check     string
	}{
		"Nothing": {validator: jsonSchema("bsonType", "object"), check: "true"},
		"Required": {
			validator: jsonSchema("required", sarr("s")),
			check:     hasS,
		},
		"Type": {
			validator: jsonSchema("properties", sdoc("s", sdoc("bsonType", "string"))),
			check:     `(NOT ` + hasS + ` OR ` + typeS + ` IN ('string'))`,
		},
		"RequiredTypes": {
			validator: jsonSchema("required", sarr("s"), "properties", sdoc("s", sdoc("bsonType", sarr("string", "null")))),
			check:     hasS + ` AND (NOT ` + hasS + ` OR ` + typeS + ` IN ('null', 'string'))`,
		},
		"Number": {
			validator: jsonSchema("properties", sdoc("s", sdoc("bsonType", "number"))),
			check:     `(NOT ` + hasS + ` OR ` + typeS + ` IN ('double', 'int', 'long'))`,
		},
		"Items": {
			validator: jsonSchema("properties", sdoc("s", sdoc("bsonType", "array", "items", sdoc("bsonType", sarr("string", "null"))))),
			check: `(NOT ` + hasS + ` OR ` + typeS + ` IN ('array')) AND (` + typeS + ` IS DISTINCT FROM 'array' OR ` +
				`NOT jsonb_path_exists(_jsonb->'$s'->'p'->'s'->'i', '$[*] ? (@.t != "null" && @.t != "string")'))`,
		},
		"Enum": {
			validator: jsonSchema("properties", sdoc("s", sdoc("enum", sarr("a", "b'c")))),
			check:     `(NOT ` + hasS + ` OR (` + typeS + ` IN ('string', 'null') AND _jsonb->>'s' IN ('a', 'b''c')))`,
		},
		"EnumWithNull": {
			validator: jsonSchema("properties", sdoc("s", sdoc("enum", sarr("a", types.Null)))),
			check: `(NOT ` + hasS + ` OR (` + typeS + ` IN ('string', 'null') AND ` +
				`(_jsonb->>'s' IN ('a') OR ` + typeS + ` = 'null')))`,
		},
		"EnumNullOnly": {
			validator: jsonSchema("properties", sdoc("s", sdoc("enum", sarr(types.Null)))),
			check:     `(NOT ` + hasS + ` OR (` + typeS + ` IN ('string', 'null') AND (false OR ` + typeS + ` = 'null')))`,
		},
		"QuotedName": {
			validator: jsonSchema("required", sarr("o'k")),
			check:     `(_jsonb ? 'o''k')`,
		},
		"Fields": {
			validator: jsonSchema("required", sarr("b"), "properties", sdoc("s", sdoc("bsonType", "bool"))),
			check:     `(_jsonb ? 'b') AND (NOT ` + hasS + ` OR ` + typeS + ` IN ('bool'))`,
		},
	} {
		name, tc := name, tc
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			s, err := ParseValidator(tc.validator)
			require.NoError(t, err)
			assert.Equal(t, tc.check, s.CheckExpression())
		})
	}
}

func TestIndexColumns(t *testing.T) {
	t.Parallel()

	s, err := ParseValidator(jsonSchema("properties", sdoc(
		"s", sdoc("bsonType", sarr("string", "null")),
		"a", sdoc("bsonType", "array", "items", sdoc("bsonType", "string")),
		"o", sdoc("bsonType", "array"),
	)))
	require.NoError(t, err)

	for name, tc := range map[string]struct {
		schema  *TypedSchema
		key     []IndexKeyPair
		unique  bool
		columns []string
		method  string
	}{
		// missing fields (SQL NULL) sort first ascending, last descending, as in MongoDB; a typed field's index is
		// over its column, others over the document
		"Asc": {
			schema: s, key: []IndexKeyPair{{Field: "s"}},
			columns: []string{`"_jsonb.s" NULLS FIRST`}, method: "btree",
		},
		"Desc": {
			schema: s, key: []IndexKeyPair{{Field: "s", Descending: true}},
			columns: []string{`"_jsonb.s" DESC NULLS LAST`}, method: "btree",
		},
		"Compound": {
			schema: s, key: []IndexKeyPair{{Field: "s"}, {Field: "x", Descending: true}},
			columns: []string{`"_jsonb.s" NULLS FIRST`, `((_jsonb->'x')) DESC NULLS LAST`}, method: "btree",
		},
		// FerretDB finds documents by `_jsonb->'_id'` itself: its index stays over the document
		"ID": {
			schema: s, key: []IndexKeyPair{{Field: "s"}, {Field: "_id"}},
			columns: []string{`"_jsonb.s" NULLS FIRST`, `((_jsonb->'_id')) NULLS FIRST`}, method: "btree",
		},
		"Nested": {
			schema: s, key: []IndexKeyPair{{Field: "x.y'z"}},
			columns: []string{`((_jsonb->'x' -> 'y''z')) NULLS FIRST`}, method: "btree",
		},
		"NoSchema": {
			schema: nil, key: []IndexKeyPair{{Field: "a"}},
			columns: []string{`((_jsonb->'a')) NULLS FIRST`}, method: "btree",
		},
		// "the array contains this value"
		"StringArray": {
			schema: s, key: []IndexKeyPair{{Field: "a"}},
			columns: []string{`((_jsonb->'a')) jsonb_path_ops`}, method: "gin",
		},
		"StringArrayCompound": {
			schema: s, key: []IndexKeyPair{{Field: "s"}, {Field: "a", Descending: true}},
			columns: []string{`((_jsonb->'a')) jsonb_path_ops`}, method: "gin",
		},
		// GIN indexes cannot be unique
		"StringArrayUnique": {
			schema: s, key: []IndexKeyPair{{Field: "a"}}, unique: true,
			columns: []string{`((_jsonb->'a')) NULLS FIRST`}, method: "btree",
		},
		"ArrayOfAny": {
			schema: s, key: []IndexKeyPair{{Field: "o"}},
			columns: []string{`((_jsonb->'o')) NULLS FIRST`}, method: "btree",
		},
		"NestedInArray": {
			schema: s, key: []IndexKeyPair{{Field: "a.b"}},
			columns: []string{`((_jsonb->'a' -> 'b')) NULLS FIRST`}, method: "btree",
		},
	} {
		name, tc := name, tc
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			columns, method := tc.schema.IndexColumns(tc.key, tc.unique)
			assert.Equal(t, tc.columns, columns)
			assert.Equal(t, tc.method, method)
		})
	}
}

func TestSameValidator(t *testing.T) {
	t.Parallel()

	a, err := ParseValidator(jsonSchema("required", sarr("a")))
	require.NoError(t, err)

	b, err := ParseValidator(jsonSchema("required", sarr("a")))
	require.NoError(t, err)

	c, err := ParseValidator(jsonSchema("required", sarr("b")))
	require.NoError(t, err)

	assert.True(t, sameValidator(a, b))
	assert.False(t, sameValidator(a, c))
	assert.False(t, sameValidator(a, nil))
	assert.True(t, sameValidator(nil, nil))
}

func TestSchemaMetadata(t *testing.T) {
	t.Parallel()

	// the validator is kept in the collection's metadata document, and read back
	s, err := ParseValidator(jsonSchema("required", sarr("a"), "properties", sdoc("a", sdoc("bsonType", "string"))))
	require.NoError(t, err)

	back, err := unmarshalSchema(s.marshal())
	require.NoError(t, err)
	assert.Equal(t, s, back)

	none, err := unmarshalSchema(types.Null)
	require.NoError(t, err)
	assert.Nil(t, none)

	_, err = unmarshalSchema(sdoc("x", int32(1)))
	assert.Error(t, err)
}

func TestColumns(t *testing.T) {
	t.Parallel()

	long := strings.Repeat("é", 40) // 80 bytes: longer than an identifier

	s, err := ParseValidator(jsonSchema("properties", sdoc(
		"_id", sdoc("bsonType", "string"),
		"s", sdoc("bsonType", sarr("string", "null")),
		"d", sdoc("bsonType", "date"),
		"b", sdoc("bsonType", "bool"),
		"n", sdoc("bsonType", "number"),
		"o'k", sdoc("bsonType", "string"),
		long, sdoc("bsonType", "string"),
		"a", sdoc("bsonType", "array", "items", sdoc("bsonType", "string")),
		"m", sdoc("bsonType", sarr("string", "int")),
	)))
	require.NoError(t, err)

	longName := ColumnName(long)
	assert.LessOrEqual(t, len(longName), 63)
	assert.True(t, utf8.ValidString(longName))
	assert.NotEqual(t, longName, ColumnName(long+"x"), "distinct long names keep distinct columns")

	assert.Equal(t, map[string]string{
		"_jsonb.s":   `"_jsonb.s" jsonb GENERATED ALWAYS AS (_jsonb->'s') STORED`,
		"_jsonb.d":   `"_jsonb.d" jsonb GENERATED ALWAYS AS (_jsonb->'d') STORED`,
		"_jsonb.b":   `"_jsonb.b" jsonb GENERATED ALWAYS AS (_jsonb->'b') STORED`,
		"_jsonb.n":   `"_jsonb.n" jsonb GENERATED ALWAYS AS (_jsonb->'n') STORED`,
		"_jsonb.o'k": `"_jsonb.o'k" jsonb GENERATED ALWAYS AS (_jsonb->'o''k') STORED`,
		longName:     `"` + longName + `" jsonb GENERATED ALWAYS AS (_jsonb->'` + long + `') STORED`,
	}, s.Columns(), "no column for _id, arrays and fields of several types")

	assert.Equal(t, `"_jsonb.s"`, s.Column("s"))
	assert.Equal(t, "", s.Column("_id"))
	assert.Equal(t, "", s.Column("a"))
	assert.Equal(t, "", s.Column("m"))
	assert.Equal(t, "", s.Column("x"))
	assert.Equal(t, "", s.Column("s.t"))

	var none *TypedSchema
	assert.Empty(t, none.Columns())
	assert.Equal(t, "", none.Column("s"))
}

func TestText(t *testing.T) {
	t.Parallel()

	s, err := ParseValidator(jsonSchema("properties", sdoc(
		"s", sdoc("bsonType", sarr("string", "null")),
		"o'k", sdoc("bsonType", "string"),
	)))
	require.NoError(t, err)

	assert.Equal(t, `("_jsonb.s" #>> '{}')`, s.Text("s"))
	assert.Equal(t, `("_jsonb.o'k" #>> '{}')`, s.Text("o'k"))
	assert.Equal(t, `(_jsonb->>'u')`, s.Text("u"))

	var none *TypedSchema
	assert.Equal(t, `(_jsonb->>'s')`, none.Text("s"))

	// an index over the document's text keeps the name it always had; one over a column gets another, so that the
	// old one can be found and replaced
	legacy := trigramIndexName("users_5e7cc513", "searchText", "")
	assert.Equal(t, "users_5e7cc513_searchtext_c3c92dea_trgm", legacy)
	assert.Equal(t, legacy, trigramIndexName("users_5e7cc513", "searchText", documentText("searchText")))
	assert.NotEqual(t, legacy, trigramIndexName("users_5e7cc513", "searchText", s.Text("s")))
}
