// Added by the directory service's build (ferretdb/_patch): tests of typed_filter.go.

package postgresql

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/FerretDB/FerretDB/internal/backends/postgresql/metadata"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

func tdoc(pairs ...any) *types.Document { return must.NotFail(types.NewDocument(pairs...)) }

func tarr(values ...any) *types.Array { return must.NotFail(types.NewArray(values...)) }

func tre(pattern, options string) types.Regex { return types.Regex{Pattern: pattern, Options: options} }

// testSchema types s (string or null), r (a required string), k (a string, never null), d (date or null),
// b (boolean or null) and a (array of strings or null); u is not typed.
func testSchema(t *testing.T) *metadata.TypedSchema {
	t.Helper()

	nullable := func(typ string) *types.Document { return tdoc("bsonType", tarr(typ, "null")) }

	schema, err := metadata.ParseValidator(tdoc("$jsonSchema", tdoc(
		"bsonType", "object",
		"required", tarr("r"),
		"properties", tdoc(
			"s", nullable("string"),
			"r", tdoc("bsonType", "string"),
			"k", tdoc("bsonType", "string", "enum", tarr("x", "y")),
			"d", nullable("date"),
			"b", nullable("bool"),
			"a", tdoc("bsonType", tarr("array", "null"), "items", tdoc("bsonType", "string")),
		),
	)))
	require.NoError(t, err)

	return schema
}

// SQL expressions of the test schema's fields: typed scalar fields (and the text of a string, for LIKE) are read
// from their columns; arrays and untyped fields from the document.
const (
	sqlS  = `"_jsonb.s"`
	sqlST = `("_jsonb.s" #>> '{}')`
	sqlR  = `"_jsonb.r"`
	sqlD  = `"_jsonb.d"`
	sqlB  = `"_jsonb.b"`
	sqlA  = `(_jsonb->'a')`
	sqlU  = `(_jsonb->'u')`

	sNull = `(` + sqlS + ` IS NULL OR ` + sqlS + ` = 'null'::jsonb)`
)

type filterCase struct {
	filter        *types.Document
	sql           string // "" is TRUE
	args          []any
	exact         bool
	noStringOrder bool // the database's collation does not sort strings as MongoDB does
}

func testFilterCases(t *testing.T, cases map[string]filterCase) {
	t.Helper()

	schema := testSchema(t)

	for name, tc := range cases {
		name, tc := name, tc
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			b := &sqlBuilder{schema: schema, stringOrder: !tc.noStringOrder}
			c := b.filter(tc.filter)
			sql, args := b.query(c.sql)

			assert.Equal(t, tc.sql, sql)
			assert.Equal(t, tc.args, args)
			assert.Equal(t, tc.exact, c.exact, "exact")
		})
	}
}

func TestTypedFilterEquality(t *testing.T) {
	t.Parallel()

	testFilterCases(t, map[string]filterCase{
		"String":        {filter: tdoc("s", "x"), sql: sqlS + ` = $1::jsonb`, args: []any{`"x"`}, exact: true},
		"StringEq":      {filter: tdoc("s", tdoc("$eq", "x")), sql: sqlS + ` = $1::jsonb`, args: []any{`"x"`}, exact: true},
		"StringQuote":   {filter: tdoc("s", `a"'\`), sql: sqlS + ` = $1::jsonb`, args: []any{`"a\"'\\"`}, exact: true},
		"Required":      {filter: tdoc("r", "x"), sql: sqlR + ` = $1::jsonb`, args: []any{`"x"`}, exact: true},
		"Null":          {filter: tdoc("s", types.Null), sql: sNull, exact: true},
		"EqNull":        {filter: tdoc("s", tdoc("$eq", types.Null)), sql: sNull, exact: true},
		"StringNUL":     {filter: tdoc("s", "a\x00"), sql: "false", exact: true},
		"StringInvalid": {filter: tdoc("s", "\xff"), sql: "false", exact: true},
		"Int":           {filter: tdoc("s", int32(1)), sql: "false", exact: true},
		"Double":        {filter: tdoc("s", 1.5), sql: "false", exact: true},
		"Bool":          {filter: tdoc("s", true), sql: "false", exact: true},
		"Date":          {filter: tdoc("s", time.UnixMilli(0)), sql: "false", exact: true},
		"ObjectID":      {filter: tdoc("s", types.ObjectID{1}), sql: "false", exact: true},
		"Array":         {filter: tdoc("s", tarr("x")), sql: "false", exact: true},
		"Document":      {filter: tdoc("s", tdoc("a", "x")), sql: "false", exact: true},
		"EmptyDocument": {filter: tdoc("s", tdoc()), sql: "false", exact: true},
		"DocumentFirstKeyNotOperator": {
			filter: tdoc("s", tdoc("a", "x", "$gt", "y")), sql: "false", exact: true,
		},

		// $eq with a regular expression matches a stored regular expression only, never a typed value
		"EqRegex":        {filter: tdoc("s", tdoc("$eq", tre("x", ""))), sql: "false", exact: true},
		"EqRegexArray":   {filter: tdoc("a", tdoc("$eq", tre("x", ""))), sql: "false", exact: true},
		"EqRegexUntyped": {filter: tdoc("u", tdoc("$eq", tre("x", ""))), sql: "", exact: false},

		"DateValue": {filter: tdoc("d", time.UnixMilli(1000)), sql: sqlD + ` = $1::jsonb`, args: []any{"1000"}, exact: true},
		"DateBefore1970": {
			filter: tdoc("d", time.UnixMilli(-1)), sql: sqlD + ` = $1::jsonb`, args: []any{"-1"}, exact: true,
		},
		"DateString": {filter: tdoc("d", "1000"), sql: "false", exact: true},
		"DateNumber": {filter: tdoc("d", int64(1000)), sql: "false", exact: true},
		"DateNull":   {filter: tdoc("d", types.Null), sql: `(` + sqlD + ` IS NULL OR ` + sqlD + ` = 'null'::jsonb)`, exact: true},
		"BoolValue":  {filter: tdoc("b", false), sql: sqlB + ` = $1::jsonb`, args: []any{"false"}, exact: true},
		"BoolInt":    {filter: tdoc("b", int32(0)), sql: "false", exact: true},

		"ArrayElement": {filter: tdoc("a", "x"), sql: sqlA + ` @> $1::jsonb`, args: []any{`["x"]`}, exact: true},
		"ArrayWhole": {
			filter: tdoc("a", tarr("x", "y")), sql: sqlA + ` = $1::jsonb`, args: []any{`["x","y"]`}, exact: true,
		},
		"ArrayEmpty":         {filter: tdoc("a", tarr()), sql: sqlA + ` = $1::jsonb`, args: []any{`[]`}, exact: true},
		"ArrayOfOtherTypes":  {filter: tdoc("a", tarr(int32(1))), sql: "false", exact: true},
		"ArrayNull":          {filter: tdoc("a", types.Null), sql: `(` + sqlA + ` IS NULL OR ` + sqlA + ` = 'null'::jsonb)`, exact: true},
		"ArrayInt":           {filter: tdoc("a", int32(1)), sql: "false", exact: true},
		"ArrayRegex":         {filter: tdoc("a", tre("x", "")), sql: "", exact: false},
		"ArrayElementNUL":    {filter: tdoc("a", "\x00"), sql: "false", exact: true},
		"UntypedString":      {filter: tdoc("u", "x"), sql: sqlU + ` @> $1::jsonb`, args: []any{`"x"`}, exact: false},
		"UntypedInt":         {filter: tdoc("u", int32(1)), sql: "", exact: false},
		"UntypedNull":        {filter: tdoc("u", types.Null), sql: "", exact: false},
		"UntypedStringNUL":   {filter: tdoc("u", "\x00"), sql: "", exact: false},
		"Nested":             {filter: tdoc("s.x", "x"), sql: "", exact: false},
		"EmptyKey":           {filter: tdoc("", "x"), sql: "", exact: false},
		"MarkerInKey":        {filter: tdoc("s\x01", "x"), sql: "", exact: false},
		"UnknownTopOperator": {filter: tdoc("$where", "x"), sql: "", exact: false},
		"Comment":            {filter: tdoc("$comment", "c", "s", "x"), sql: sqlS + ` = $1::jsonb`, args: []any{`"x"`}, exact: true},
		"Empty":              {filter: tdoc(), sql: "", exact: true},
		"Nil":                {filter: nil, sql: "", exact: true},
	})
}

func TestTypedFilterNe(t *testing.T) {
	t.Parallel()

	testFilterCases(t, map[string]filterCase{
		"String": {
			filter: tdoc("s", tdoc("$ne", "x")), sql: `NOT COALESCE(` + sqlS + ` = $1::jsonb, false)`,
			args: []any{`"x"`}, exact: true,
		},
		"Null":      {filter: tdoc("s", tdoc("$ne", types.Null)), sql: `NOT COALESCE(` + sNull + `, false)`, exact: true},
		"OtherType": {filter: tdoc("s", tdoc("$ne", int32(1))), sql: "", exact: true},
		"Array": {
			filter: tdoc("a", tdoc("$ne", "x")), sql: `NOT COALESCE(` + sqlA + ` @> $1::jsonb, false)`,
			args: []any{`["x"]`}, exact: true,
		},
		// MongoDB refuses a regular expression after $ne: left to FerretDB, which reports the error
		"Regex":   {filter: tdoc("s", tdoc("$ne", tre("x", ""))), sql: "", exact: false},
		"Untyped": {filter: tdoc("u", tdoc("$ne", "x")), sql: "", exact: false},
	})
}

func TestTypedFilterIn(t *testing.T) {
	t.Parallel()

	testFilterCases(t, map[string]filterCase{
		"Strings": {
			filter: tdoc("s", tdoc("$in", tarr("x", "y"))), sql: sqlS + ` = ANY($1::jsonb[])`,
			args: []any{[]string{`"x"`, `"y"`}}, exact: true,
		},
		"WithNull": {
			filter: tdoc("s", tdoc("$in", tarr("x", types.Null))),
			sql:    `(` + sNull + ` OR ` + sqlS + ` = ANY($1::jsonb[]))`, args: []any{[]string{`"x"`}}, exact: true,
		},
		"Empty":      {filter: tdoc("s", tdoc("$in", tarr())), sql: "false", exact: true},
		"OtherTypes": {filter: tdoc("s", tdoc("$in", tarr(int32(1), tarr("x"), tdoc("a", "x")))), sql: "false", exact: true},
		"WithLiteralRegex": {
			filter: tdoc("s", tdoc("$in", tarr(tre("ab", ""), "x"))),
			sql:    `(` + sqlST + ` LIKE $1 OR ` + sqlS + ` = ANY($2::jsonb[]))`,
			args:   []any{"%ab%", []string{`"x"`}}, exact: true,
		},
		"WithOtherRegex": {filter: tdoc("s", tdoc("$in", tarr(tre("a.b", ""), "x"))), sql: "", exact: false},
		// MongoDB refuses `$in: [{$op: ...}]`: left to FerretDB, which reports the error
		"WithOperator":  {filter: tdoc("s", tdoc("$in", tarr("x", tdoc("$gt", "y")))), sql: "", exact: false},
		"NinOperator":   {filter: tdoc("s", tdoc("$nin", tarr(tdoc("$exists", true)))), sql: "", exact: false},
		"NotArray":      {filter: tdoc("s", tdoc("$in", "x")), sql: "", exact: false},
		"NinNotArray":   {filter: tdoc("s", tdoc("$nin", "x")), sql: "", exact: false},
		"NinEmpty":      {filter: tdoc("s", tdoc("$nin", tarr())), sql: "", exact: true},
		"NinOtherTypes": {filter: tdoc("s", tdoc("$nin", tarr(int32(1)))), sql: "", exact: true},
		"Nin": {
			filter: tdoc("s", tdoc("$nin", tarr("x"))), sql: `NOT COALESCE(` + sqlS + ` = ANY($1::jsonb[]), false)`,
			args: []any{[]string{`"x"`}}, exact: true,
		},
		"NinNull": {filter: tdoc("s", tdoc("$nin", tarr(types.Null))), sql: `NOT COALESCE(` + sNull + `, false)`, exact: true},
		"Dates": {
			filter: tdoc("d", tdoc("$in", tarr(time.UnixMilli(1000), types.Null, "1000"))),
			sql:    `((` + sqlD + ` IS NULL OR ` + sqlD + ` = 'null'::jsonb) OR ` + sqlD + ` = ANY($1::jsonb[]))`,
			args:   []any{[]string{"1000"}}, exact: true,
		},
		"DatesRegex": {filter: tdoc("d", tdoc("$in", tarr(tre("x", "")))), sql: "", exact: false},
		"Bools": {
			filter: tdoc("b", tdoc("$in", tarr(true, int32(1)))), sql: sqlB + ` = ANY($1::jsonb[])`,
			args: []any{[]string{"true"}}, exact: true,
		},
		"Array": {
			filter: tdoc("a", tdoc("$in", tarr("x", types.Null, tarr("y")))),
			sql:    `(` + sqlA + ` @> $1::jsonb OR (` + sqlA + ` IS NULL OR ` + sqlA + ` = 'null'::jsonb) OR ` + sqlA + ` = $2::jsonb)`,
			args:   []any{`["x"]`, `["y"]`}, exact: true,
		},
		"ArrayNin": {
			filter: tdoc("a", tdoc("$nin", tarr("x"))), sql: `NOT COALESCE(` + sqlA + ` @> $1::jsonb, false)`,
			args: []any{`["x"]`}, exact: true,
		},
		"ArrayRegex": {filter: tdoc("a", tdoc("$in", tarr(tre("x", "")))), sql: "", exact: false},
		"Untyped": {
			filter: tdoc("u", tdoc("$in", tarr("x", "y"))), sql: `(` + sqlU + ` @> $1::jsonb OR ` + sqlU + ` @> $2::jsonb)`,
			args: []any{`"x"`, `"y"`}, exact: false,
		},
		"UntypedOther": {filter: tdoc("u", tdoc("$in", tarr("x", int32(1)))), sql: "", exact: false},
		"UntypedNin":   {filter: tdoc("u", tdoc("$nin", tarr("x"))), sql: "", exact: false},
	})
}

func TestTypedFilterRanges(t *testing.T) {
	t.Parallel()

	lt := func(f, op string) string { return `(` + f + ` ` + op + ` $1::jsonb AND ` + f + ` > 'null'::jsonb)` }

	testFilterCases(t, map[string]filterCase{
		"Gt":  {filter: tdoc("s", tdoc("$gt", "m")), sql: sqlS + ` > $1::jsonb`, args: []any{`"m"`}, exact: true},
		"Gte": {filter: tdoc("s", tdoc("$gte", "m")), sql: sqlS + ` >= $1::jsonb`, args: []any{`"m"`}, exact: true},
		// jsonb sorts null below strings; MongoDB compares a string with strings only
		"Lt":  {filter: tdoc("s", tdoc("$lt", "m")), sql: lt(sqlS, "<"), args: []any{`"m"`}, exact: true},
		"Lte": {filter: tdoc("s", tdoc("$lte", "m")), sql: lt(sqlS, "<="), args: []any{`"m"`}, exact: true},
		"Between": {
			filter: tdoc("s", tdoc("$gte", "a", "$lt", "m")),
			sql:    `(` + sqlS + ` >= $1::jsonb AND (` + sqlS + ` < $2::jsonb AND ` + sqlS + ` > 'null'::jsonb))`,
			args:   []any{`"a"`, `"m"`}, exact: true,
		},
		"GtNull":       {filter: tdoc("s", tdoc("$gt", types.Null)), sql: "false", exact: true},
		"LtNull":       {filter: tdoc("s", tdoc("$lt", types.Null)), sql: "false", exact: true},
		"GteNull":      {filter: tdoc("s", tdoc("$gte", types.Null)), sql: sNull, exact: true},
		"LteNull":      {filter: tdoc("s", tdoc("$lte", types.Null)), sql: sNull, exact: true},
		"OtherType":    {filter: tdoc("s", tdoc("$gt", int32(1))), sql: "false", exact: true},
		"Array":        {filter: tdoc("s", tdoc("$lt", tarr("x"))), sql: "false", exact: true},
		"InvalidUTF8":  {filter: tdoc("s", tdoc("$gt", "\xff")), sql: "false", exact: true},
		"StringNUL":    {filter: tdoc("s", tdoc("$gt", "a\x00")), sql: "", exact: false},
		"Regex":        {filter: tdoc("s", tdoc("$gt", tre("x", ""))), sql: "", exact: false},
		"LteRegex":     {filter: tdoc("s", tdoc("$lte", tre("x", ""))), sql: "", exact: false},
		"NoOrder":      {filter: tdoc("s", tdoc("$gt", "m")), sql: "", exact: false, noStringOrder: true},
		"NoOrderNull":  {filter: tdoc("s", tdoc("$gte", types.Null)), sql: sNull, exact: true, noStringOrder: true},
		"NoOrderOther": {filter: tdoc("s", tdoc("$gt", int32(1))), sql: "false", exact: true, noStringOrder: true},
		"Date": {
			filter: tdoc("d", tdoc("$gt", time.UnixMilli(1000))), sql: sqlD + ` > $1::jsonb`, args: []any{"1000"},
			exact: true, noStringOrder: true,
		},
		"DateLt":     {filter: tdoc("d", tdoc("$lt", time.UnixMilli(-1))), sql: lt(sqlD, "<"), args: []any{"-1"}, exact: true},
		"DateString": {filter: tdoc("d", tdoc("$gt", "x")), sql: "false", exact: true},
		"Bool":       {filter: tdoc("b", tdoc("$gte", false)), sql: sqlB + ` >= $1::jsonb`, args: []any{"false"}, exact: true},
		"BoolLt":     {filter: tdoc("b", tdoc("$lt", true)), sql: lt(sqlB, "<"), args: []any{"true"}, exact: true},
		"ArrayField": {filter: tdoc("a", tdoc("$gt", "x")), sql: "", exact: false},
		"Untyped":    {filter: tdoc("u", tdoc("$gt", int32(1))), sql: "", exact: false},
	})
}

func TestTypedFilterExists(t *testing.T) {
	t.Parallel()

	testFilterCases(t, map[string]filterCase{
		"True":    {filter: tdoc("s", tdoc("$exists", true)), sql: `("_jsonb.s" IS NOT NULL)`, exact: true},
		"False":   {filter: tdoc("s", tdoc("$exists", false)), sql: `NOT COALESCE(("_jsonb.s" IS NOT NULL), false)`, exact: true},
		"Untyped": {filter: tdoc("u", tdoc("$exists", true)), sql: `(_jsonb ? 'u')`, exact: true},
		"Quoted":  {filter: tdoc("o'k", tdoc("$exists", true)), sql: `(_jsonb ? 'o''k')`, exact: true},
		"NotBool": {filter: tdoc("s", tdoc("$exists", int32(1))), sql: "", exact: false},
	})
}

func TestTypedFilterRegex(t *testing.T) {
	t.Parallel()

	like := sqlST + ` LIKE $1`

	testFilterCases(t, map[string]filterCase{
		"Contains": {filter: tdoc("s", tre("abc", "")), sql: like, args: []any{"%abc%"}, exact: true},
		"Prefix": {
			filter: tdoc("s", tre("^abc", "")),
			sql:    `(` + like + ` AND ` + sqlS + ` >= $2::jsonb AND ` + sqlS + ` < $3::jsonb)`,
			args:   []any{"abc%", `"abc"`, `"abd"`}, exact: true,
		},
		"PrefixNoOrder": {
			filter: tdoc("s", tre("^abc", "")), sql: `(` + like + `)`, args: []any{"abc%"}, exact: true, noStringOrder: true,
		},
		"PrefixSurrogateGap": {
			filter: tdoc("s", tre("^a\uD7FF", "")),
			sql:    `(` + like + ` AND ` + sqlS + ` >= $2::jsonb AND ` + sqlS + ` < $3::jsonb)`,
			args:   []any{"a\uD7FF%", "\"a\uD7FF\"", "\"a\uE000\""}, exact: true,
		},
		"PrefixLastCodePoint": {
			filter: tdoc("s", tre("^\U0010FFFF", "")),
			sql:    `(` + like + ` AND ` + sqlS + ` >= $2::jsonb)`,
			args:   []any{"\U0010FFFF%", "\"\U0010FFFF\""}, exact: true,
		},
		// `$` is the end of the string, as FerretDB's evaluation (Go's regexp) has it; see regex's comment
		"Suffix": {filter: tdoc("s", tre("abc$", "")), sql: like, args: []any{"%abc"}, exact: true},
		"Whole":  {filter: tdoc("s", tre("^abc$", "")), sql: sqlS + ` = $1::jsonb`, args: []any{`"abc"`}, exact: true},
		"WholeEmpty": {
			filter: tdoc("s", tre("^$", "")), sql: sqlS + ` = $1::jsonb`, args: []any{`""`}, exact: true,
		},
		"Empty":       {filter: tdoc("s", tre("", "")), sql: like, args: []any{"%%"}, exact: true},
		"StartOnly":   {filter: tdoc("s", tre("^", "")), sql: `(` + like + `)`, args: []any{"%"}, exact: true},
		"EndOnly":     {filter: tdoc("s", tre("$", "")), sql: like, args: []any{"%"}, exact: true},
		"LikeEscapes": {filter: tdoc("s", tre(`a%b_c\\`, "")), sql: like, args: []any{`%a\%b\_c\\%`}, exact: true},
		"EscapedPunctuation": {
			filter: tdoc("s", tre(`\.\^\$\*\+\?\(\)\[\]\{\}\|\/\-\%\'`, "")), sql: like,
			args: []any{`%.^$*+?()[]{}|/-\%'%`}, exact: true,
		},
		"NonASCII":    {filter: tdoc("s", tre("é日😀", "")), sql: like, args: []any{"%é日😀%"}, exact: true},
		"Newline":     {filter: tdoc("s", tre("a\nb", "")), sql: like, args: []any{"%a\nb%"}, exact: true},
		"OptionS":     {filter: tdoc("s", tre("abc", "s")), sql: like, args: []any{"%abc%"}, exact: true},
		"OptionI":     {filter: tdoc("s", tre("abc", "i")), sql: "", exact: false},
		"OptionM":     {filter: tdoc("s", tre("^abc", "m")), sql: "", exact: false},
		"OptionX":     {filter: tdoc("s", tre("abc", "x")), sql: "", exact: false},
		"OptionSI":    {filter: tdoc("s", tre("abc", "si")), sql: "", exact: false},
		"OptionU":     {filter: tdoc("s", tre("abc", "u")), sql: "", exact: false},
		"Dot":         {filter: tdoc("s", tre("a.c", "")), sql: "", exact: false},
		"Class":       {filter: tdoc("s", tre("[a]", "")), sql: "", exact: false},
		"Star":        {filter: tdoc("s", tre("a*", "")), sql: "", exact: false},
		"Plus":        {filter: tdoc("s", tre("a+", "")), sql: "", exact: false},
		"Question":    {filter: tdoc("s", tre("ab?", "")), sql: "", exact: false},
		"Group":       {filter: tdoc("s", tre("(a)", "")), sql: "", exact: false},
		"Repeat":      {filter: tdoc("s", tre("a{2}", "")), sql: "", exact: false},
		"Alternation": {filter: tdoc("s", tre("a|b", "")), sql: "", exact: false},
		"Digit":       {filter: tdoc("s", tre(`\d`, "")), sql: "", exact: false},
		"Word":        {filter: tdoc("s", tre(`\w`, "")), sql: "", exact: false},
		"EscapedN":    {filter: tdoc("s", tre(`\n`, "")), sql: "", exact: false},
		"Quote":       {filter: tdoc("s", tre(`\Qa`, "")), sql: "", exact: false},
		"CaretInside": {filter: tdoc("s", tre("a^b", "")), sql: "", exact: false},
		"DollarInside": {
			filter: tdoc("s", tre("a$b", "")), sql: "", exact: false,
		},
		"TrailingBackslash": {filter: tdoc("s", tre(`a\`, "")), sql: "", exact: false},
		"EscapedNonASCII":   {filter: tdoc("s", tre(`\é`, "")), sql: "", exact: false},
		"InvalidUTF8":       {filter: tdoc("s", tre("\xff", "")), sql: "", exact: false},
		"NUL":               {filter: tdoc("s", tre("a\x00", "")), sql: "", exact: false},
		"DateField":         {filter: tdoc("d", tre("abc", "")), sql: "", exact: false},
		"BoolField":         {filter: tdoc("b", tre("abc", "")), sql: "", exact: false},
		"Untyped":           {filter: tdoc("u", tre("abc", "")), sql: "", exact: false},

		"RegexOperator": {filter: tdoc("s", tdoc("$regex", "abc")), sql: like, args: []any{"%abc%"}, exact: true},
		"RegexOptionS": {
			filter: tdoc("s", tdoc("$regex", "abc", "$options", "s")), sql: like, args: []any{"%abc%"}, exact: true,
		},
		"RegexOptionsFirst": {
			filter: tdoc("s", tdoc("$options", "s", "$regex", "abc")), sql: like, args: []any{"%abc%"}, exact: true,
		},
		"RegexOptionI":       {filter: tdoc("s", tdoc("$regex", "abc", "$options", "i")), sql: "", exact: false},
		"RegexOptionsNumber": {filter: tdoc("s", tdoc("$regex", "abc", "$options", int32(1))), sql: "", exact: false},
		"RegexValue":         {filter: tdoc("s", tdoc("$regex", tre("^abc$", ""))), sql: sqlS + ` = $1::jsonb`, args: []any{`"abc"`}, exact: true},
		"RegexValueOptionI":  {filter: tdoc("s", tdoc("$regex", tre("abc", "i"))), sql: "", exact: false},
		"RegexValueOptions": {
			filter: tdoc("s", tdoc("$regex", tre("abc", ""), "$options", "s")), sql: "", exact: false,
		},
		"RegexNumber": {filter: tdoc("s", tdoc("$regex", int32(1))), sql: "", exact: false},
		// FerretDB ignores $options without $regex (MongoDB refuses it)
		"OptionsAlone": {filter: tdoc("s", tdoc("$options", "s")), sql: "", exact: true},
	})
}

func TestTypedFilterNot(t *testing.T) {
	t.Parallel()

	testFilterCases(t, map[string]filterCase{
		"Regex": {
			filter: tdoc("s", tdoc("$not", tre("abc", ""))), sql: `NOT COALESCE(` + sqlST + ` LIKE $1, false)`,
			args: []any{"%abc%"}, exact: true,
		},
		"OtherRegex": {filter: tdoc("s", tdoc("$not", tre("a.c", ""))), sql: "", exact: false},
		// FerretDB applies the sibling $options to the $not's regular expression
		"RegexWithOptions": {filter: tdoc("s", tdoc("$not", tre("abc", ""), "$options", "i")), sql: "", exact: false},
		"Gt": {
			filter: tdoc("s", tdoc("$not", tdoc("$gt", "m"))), sql: `NOT COALESCE(` + sqlS + ` > $1::jsonb, false)`,
			args: []any{`"m"`}, exact: true,
		},
		"RegexOperator": {
			filter: tdoc("s", tdoc("$not", tdoc("$regex", "abc"))), sql: `NOT COALESCE(` + sqlST + ` LIKE $1, false)`,
			args: []any{"%abc%"}, exact: true,
		},
		"False":       {filter: tdoc("s", tdoc("$not", tdoc("$in", tarr()))), sql: "", exact: true},
		"True":        {filter: tdoc("s", tdoc("$not", tdoc("$nin", tarr()))), sql: "false", exact: true},
		"EqRegex":     {filter: tdoc("s", tdoc("$not", tdoc("$eq", tre("x", "")))), sql: "", exact: true},
		"NotDocument": {filter: tdoc("s", tdoc("$not", "x")), sql: "", exact: false},
		"Inexact":     {filter: tdoc("s", tdoc("$not", tdoc("$size", int32(1)))), sql: "", exact: false},
		"Untyped":     {filter: tdoc("u", tdoc("$not", tdoc("$exists", true))), sql: `NOT COALESCE((_jsonb ? 'u'), false)`, exact: true},
	})
}

func TestTypedFilterOtherOperators(t *testing.T) {
	t.Parallel()

	testFilterCases(t, map[string]filterCase{
		"Size":      {filter: tdoc("a", tdoc("$size", int32(1))), sql: "", exact: false},
		"All":       {filter: tdoc("a", tdoc("$all", tarr("x"))), sql: "", exact: false},
		"ElemMatch": {filter: tdoc("a", tdoc("$elemMatch", tdoc("$eq", "x"))), sql: "", exact: false},
		"Type":      {filter: tdoc("s", tdoc("$type", "string")), sql: "", exact: false},
		"Mod":       {filter: tdoc("s", tdoc("$mod", tarr(int32(2), int32(0)))), sql: "", exact: false},
		"Unknown":   {filter: tdoc("s", tdoc("$foo", int32(1))), sql: "", exact: false},
		"WithExact": {
			filter: tdoc("s", tdoc("$gt", "a", "$type", "string")), sql: sqlS + ` > $1::jsonb`, args: []any{`"a"`},
			exact: false,
		},
	})
}

func TestTypedFilterLogic(t *testing.T) {
	t.Parallel()

	sx := sqlS + ` = $1::jsonb`

	testFilterCases(t, map[string]filterCase{
		"Implicit": {
			filter: tdoc("s", "x", "r", "y"), sql: `(` + sx + ` AND ` + sqlR + ` = $2::jsonb)`,
			args: []any{`"x"`, `"y"`}, exact: true,
		},
		"And": {
			filter: tdoc("$and", tarr(tdoc("s", "x"), tdoc("r", "y"))), sql: `(` + sx + ` AND ` + sqlR + ` = $2::jsonb)`,
			args: []any{`"x"`, `"y"`}, exact: true,
		},
		"Or": {
			filter: tdoc("$or", tarr(tdoc("s", "x"), tdoc("r", "y"))), sql: `(` + sx + ` OR ` + sqlR + ` = $2::jsonb)`,
			args: []any{`"x"`, `"y"`}, exact: true,
		},
		"Nor": {
			filter: tdoc("$nor", tarr(tdoc("s", "x"), tdoc("r", "y"))),
			sql:    `NOT COALESCE((` + sx + ` OR ` + sqlR + ` = $2::jsonb), false)`,
			args:   []any{`"x"`, `"y"`}, exact: true,
		},
		"OneAnd": {filter: tdoc("$and", tarr(tdoc("s", "x"))), sql: sx, args: []any{`"x"`}, exact: true},
		"AndInexact": {
			filter: tdoc("$and", tarr(tdoc("u", "x"), tdoc("s", "y"))),
			sql:    `(` + sqlU + ` @> $1::jsonb AND ` + sqlS + ` = $2::jsonb)`, args: []any{`"x"`, `"y"`}, exact: false,
		},
		"AndAny":   {filter: tdoc("$and", tarr(tdoc("u", int32(1)), tdoc("s", "y"))), sql: sqlS + ` = $1::jsonb`, args: []any{`"y"`}, exact: false},
		"AndFalse": {filter: tdoc("$and", tarr(tdoc("u", int32(1)), tdoc("s", int32(1)))), sql: "false", exact: true},
		"AndTrue":  {filter: tdoc("$and", tarr(tdoc(), tdoc("s", "x"))), sql: sx, args: []any{`"x"`}, exact: true},
		"OrTrue":   {filter: tdoc("$or", tarr(tdoc("s", "x"), tdoc())), sql: "", exact: true},
		"OrFalse":  {filter: tdoc("$or", tarr(tdoc("s", int32(1)), tdoc("s", "x"))), sql: sx, args: []any{`"x"`}, exact: true},
		"OrAllFalse": {
			filter: tdoc("$or", tarr(tdoc("s", int32(1)), tdoc("r", tarr()))), sql: "false", exact: true,
		},
		"OrInexact": {
			filter: tdoc("$or", tarr(tdoc("s", "x"), tdoc("u", "y"))), sql: `(` + sx + ` OR ` + sqlU + ` @> $2::jsonb)`,
			args: []any{`"x"`, `"y"`}, exact: false,
		},
		"OrAny":   {filter: tdoc("$or", tarr(tdoc("s", "x"), tdoc("u", int32(1)))), sql: "", exact: false},
		"NorAny":  {filter: tdoc("$nor", tarr(tdoc("u", "x"))), sql: "", exact: false},
		"NorTrue": {filter: tdoc("$nor", tarr(tdoc("s", "x"), tdoc())), sql: "false", exact: true},
		"Nested": {
			filter: tdoc("$or", tarr(tdoc("$and", tarr(tdoc("s", "x"), tdoc("r", "y"))), tdoc("$nor", tarr(tdoc("b", true))))),
			sql:    `((` + sx + ` AND ` + sqlR + ` = $2::jsonb) OR NOT COALESCE(` + sqlB + ` = $3::jsonb, false))`,
			args:   []any{`"x"`, `"y"`, "true"}, exact: true,
		},
		"EmptyAnd":     {filter: tdoc("$and", tarr()), sql: "", exact: false},
		"AndNotArray":  {filter: tdoc("$and", tdoc("s", "x")), sql: "", exact: false},
		"OrNotDoc":     {filter: tdoc("$or", tarr(tdoc("s", "x"), "y")), sql: "", exact: false},
		"AndNotDoc":    {filter: tdoc("$and", tarr(tdoc("s", "x"), "y")), sql: sx, args: []any{`"x"`}, exact: false},
		"WithTopLevel": {filter: tdoc("s", "x", "$or", tarr(tdoc("s", int32(1)))), sql: "false", exact: true},

		// a part that is dropped (`x AND false`, `x OR true`) takes its arguments with it: the others are
		// numbered from $1, as PostgreSQL refuses parameters a statement does not use
		"DroppedArguments": {
			filter: tdoc(
				"$or", tarr(tdoc("s", "x", "r", int32(1)), tdoc("r", "y")),
				"d", time.UnixMilli(5),
			),
			sql:  `(` + sqlR + ` = $1::jsonb AND ` + sqlD + ` = $2::jsonb)`,
			args: []any{`"y"`, "5"}, exact: true,
		},
		"AllDropped": {
			filter: tdoc("$or", tarr(tdoc("s", "x"), tdoc("$and", tarr(tdoc("r", "y"), tdoc())), tdoc())),
			sql:    "", exact: true,
		},
	})
}

func TestSQLBuilderQuery(t *testing.T) {
	t.Parallel()

	b := &sqlBuilder{schema: testSchema(t)}
	x := b.arg("x")
	y := b.arg("y")
	z := b.arg("z")

	// numbered in order of first use; a marker used twice keeps its number; unused arguments are dropped
	sql, args := b.query(z + " = " + x + " OR " + z + " <> " + x)
	assert.Equal(t, "$1 = $2 OR $1 <> $2", sql)
	assert.Equal(t, []any{"z", "x"}, args)
	assert.NotContains(t, sql, y)

	sql, args = b.query("true")
	assert.Equal(t, "true", sql)
	assert.Nil(t, args)

	// more than nine arguments
	b = &sqlBuilder{schema: testSchema(t)}

	var markers []string
	for i := 0; i < 12; i++ {
		markers = append(markers, b.arg(i))
	}

	sql, args = b.query(markers[11] + markers[10] + markers[1])
	assert.Equal(t, "$1$2$3", sql)
	assert.Equal(t, []any{11, 10, 1}, args)
}

func TestLiteralPattern(t *testing.T) {
	t.Parallel()

	for pattern, tc := range map[string]struct {
		lit        string
		start, end bool
		ok         bool
	}{
		"abc":         {lit: "abc", ok: true},
		"^abc":        {lit: "abc", start: true, ok: true},
		"abc$":        {lit: "abc", end: true, ok: true},
		"^abc$":       {lit: "abc", start: true, end: true, ok: true},
		"":            {lit: "", ok: true},
		"^":           {lit: "", start: true, ok: true},
		"$":           {lit: "", end: true, ok: true},
		"^$":          {lit: "", start: true, end: true, ok: true},
		`a\$`:         {lit: "a$", ok: true},
		`\^a`:         {lit: "^a", ok: true},
		`a\\`:         {lit: `a\`, ok: true},
		`a\\$`:        {lit: `a\`, end: true, ok: true},
		`\.\*\?\_\%`:  {lit: ".*?_%", ok: true},
		"é日😀\n\t %_'": {lit: "é日😀\n\t %_'", ok: true},
		"a.b":         {},
		"a^b":         {},
		"a$b":         {},
		"$$":          {},
		"^^a":         {},
		"a*":          {},
		"a+":          {},
		"a?":          {},
		"(a)":         {},
		"[a]":         {},
		"a{1}":        {},
		"a}":          {},
		"a|b":         {},
		`\d`:          {},
		`\1`:          {},
		`\é`:          {},
		`a\`:          {},
		"\xff":        {},
		"a\xe2\x82":   {},
	} {
		pattern, tc := pattern, tc
		t.Run(pattern, func(t *testing.T) {
			t.Parallel()

			lit, start, end, ok := literalPattern(pattern)
			assert.Equal(t, tc.ok, ok, "ok")

			if tc.ok {
				assert.Equal(t, tc.lit, lit)
				assert.Equal(t, tc.start, start, "start")
				assert.Equal(t, tc.end, end, "end")
			}
		})
	}
}

func TestLikeEscape(t *testing.T) {
	t.Parallel()

	assert.Equal(t, `a\%b\_c\\d`, likeEscape(`a%b_c\d`))
	assert.Equal(t, `\\\%\\\_`, likeEscape(`\%\_`))
	assert.Equal(t, "é*?.[]", likeEscape("é*?.[]"))
}

func TestPrefixUpperBound(t *testing.T) {
	t.Parallel()

	for prefix, tc := range map[string]struct {
		upper string
		ok    bool
	}{
		"abc":           {upper: "abd", ok: true},
		"a":             {upper: "b", ok: true},
		"a\x7f":         {upper: "a\u0080", ok: true},
		"aé":            {upper: "aê", ok: true},
		"a\uD7FF":       {upper: "a\uE000", ok: true}, // the surrogates, which UTF-8 cannot encode, are skipped
		"a\uFFFF":       {upper: "a\U00010000", ok: true},
		"😀":             {upper: "😁", ok: true},
		"a\U0010FFFF":   {ok: false}, // nothing is greater
		"":              {ok: false},
		"a\xff":         {ok: false},
		"\U0010FFFFabc": {upper: "\U0010FFFFabd", ok: true},
	} {
		prefix, tc := prefix, tc
		t.Run(prefix, func(t *testing.T) {
			t.Parallel()

			upper, ok := prefixUpperBound(prefix)
			assert.Equal(t, tc.ok, ok)

			if tc.ok {
				assert.Equal(t, tc.upper, upper)
				assert.Less(t, prefix+"\U0010FFFF\U0010FFFF", upper, "greater than every string starting with the prefix")
			}
		})
	}
}

func TestOrderBy(t *testing.T) {
	t.Parallel()

	schema := testSchema(t)

	for name, tc := range map[string]struct {
		sort          *types.Document
		noStringOrder bool
		orderBy       string
		ok            bool
	}{
		"Empty":      {sort: tdoc(), orderBy: "", ok: true},
		"Asc":        {sort: tdoc("s", int64(1)), orderBy: ` ORDER BY ` + sqlS + ` ASC NULLS FIRST`, ok: true},
		"Desc":       {sort: tdoc("s", int64(-1)), orderBy: ` ORDER BY ` + sqlS + ` DESC NULLS LAST`, ok: true},
		"Int32":      {sort: tdoc("s", int32(-1)), orderBy: ` ORDER BY ` + sqlS + ` DESC NULLS LAST`, ok: true},
		"Double":     {sort: tdoc("s", float64(1)), orderBy: ` ORDER BY ` + sqlS + ` ASC NULLS FIRST`, ok: true},
		"Fraction":   {sort: tdoc("s", 1.5), ok: false},
		"Two":        {sort: tdoc("s", int64(2)), ok: false},
		"String":     {sort: tdoc("s", "asc"), ok: false},
		"NoOrder":    {sort: tdoc("s", int64(1)), noStringOrder: true, ok: false},
		"Date":       {sort: tdoc("d", int64(1)), noStringOrder: true, orderBy: ` ORDER BY ` + sqlD + ` ASC NULLS FIRST`, ok: true},
		"Bool":       {sort: tdoc("b", int64(-1)), orderBy: ` ORDER BY ` + sqlB + ` DESC NULLS LAST`, ok: true},
		"Array":      {sort: tdoc("a", int64(1)), ok: false},
		"Untyped":    {sort: tdoc("u", int64(1)), ok: false},
		"Nested":     {sort: tdoc("s.x", int64(1)), ok: false},
		"OneUntyped": {sort: tdoc("s", int64(1), "u", int64(1)), ok: false},

		// MongoDB sorts a missing field and null as equal values, which a later key orders: a field that may be
		// both sorts as COALESCE unless it is the last key (PostgreSQL puts SQL NULL before jsonb null)
		"NullableThenRequired": {
			sort:    tdoc("s", int64(1), "r", int64(1)),
			orderBy: ` ORDER BY COALESCE(` + sqlS + `, 'null'::jsonb) ASC NULLS FIRST, ` + sqlR + ` ASC NULLS FIRST`,
			ok:      true,
		},
		"NullableDesc": {
			sort:    tdoc("d", int64(-1), "s", int64(-1)),
			orderBy: ` ORDER BY COALESCE(` + sqlD + `, 'null'::jsonb) DESC NULLS LAST, ` + sqlS + ` DESC NULLS LAST`,
			ok:      true,
		},
		"RequiredFirst": {
			sort:    tdoc("r", int64(-1), "s", int64(1)),
			orderBy: ` ORDER BY ` + sqlR + ` DESC NULLS LAST, ` + sqlS + ` ASC NULLS FIRST`,
			ok:      true,
		},
		"NeverNullFirst": {
			sort:    tdoc("k", int64(1), "s", int64(1)),
			orderBy: ` ORDER BY "_jsonb.k" ASC NULLS FIRST, ` + sqlS + ` ASC NULLS FIRST`,
			ok:      true,
		},
	} {
		name, tc := name, tc
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			b := &sqlBuilder{schema: schema, stringOrder: !tc.noStringOrder}
			orderBy, ok := b.orderBy(tc.sort)
			assert.Equal(t, tc.ok, ok)

			if tc.ok {
				assert.Equal(t, tc.orderBy, orderBy)
			}
		})
	}
}

func TestGroupKey(t *testing.T) {
	t.Parallel()

	for name, tc := range map[string]struct {
		kind     metadata.Kind
		raw      string
		expected any
		err      bool
	}{
		"Null":        {kind: metadata.KindString, raw: "null", expected: types.Null},
		"String":      {kind: metadata.KindString, raw: `"a\"b"`, expected: `a"b`},
		"Bool":        {kind: metadata.KindBool, raw: "true", expected: true},
		"Date":        {kind: metadata.KindDate, raw: "-1", expected: time.UnixMilli(-1).UTC()},
		"DateFar":     {kind: metadata.KindDate, raw: "253402300799999", expected: time.UnixMilli(253402300799999).UTC()},
		"WrongType":   {kind: metadata.KindString, raw: "1", err: true},
		"Fraction":    {kind: metadata.KindDate, raw: "1.5", err: true},
		"NotJSON":     {kind: metadata.KindString, raw: "x", err: true},
		"ArrayKind":   {kind: metadata.KindStringArray, raw: `["a"]`, err: true},
		"UntypedKind": {kind: metadata.KindNone, raw: `"a"`, err: true},
	} {
		name, tc := name, tc
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			v, err := groupKey(tc.kind, []byte(tc.raw))
			if tc.err {
				assert.Error(t, err)
				return
			}

			require.NoError(t, err)
			assert.Equal(t, tc.expected, v)
		})
	}
}

// TestSQLBuilderProjection: typed scalar fields are read from their columns with the type the validator fixes;
// `_id`, numbers, arrays and untyped fields from the document with their schema element; the key order comes along
// when there is more than one field.
func TestSQLBuilderProjection(t *testing.T) {
	t.Parallel()

	b := &sqlBuilder{schema: testSchema(t)}

	cols, p := b.projection([]string{"s"})
	assert.Equal(t, sqlS, cols)
	assert.False(t, p.ordered)
	assert.Equal(t, []projectedField{{name: "s", schema: []byte(`{"t": "string"}`)}}, p.fields)

	cols, p = b.projection([]string{"_id", "d", "b", "a", "u's"})
	assert.Equal(t, `(_jsonb->'_id'), (_jsonb #> ARRAY['$s', 'p', '_id']), `+sqlD+`, `+sqlB+`, `+
		sqlA+`, (_jsonb #> ARRAY['$s', 'p', 'a']), (_jsonb->'u''s'), (_jsonb #> ARRAY['$s', 'p', 'u''s']), `+
		`(_jsonb #> '{$s,$k}')`, cols)
	assert.True(t, p.ordered)
	assert.Equal(t, []projectedField{
		{name: "_id"},
		{name: "d", schema: []byte(`{"t": "date"}`)},
		{name: "b", schema: []byte(`{"t": "bool"}`)},
		{name: "a"},
		{name: "u's"},
	}, p.fields)
}

func TestCountSelect(t *testing.T) {
	t.Parallel()

	c := &collection{dbName: "db"}
	meta := &metadata.Collection{TableName: "t_1"}

	// the count TypedCount runs and TypedExplain (Count) explains: skip and limit inside, arguments numbered
	b := &sqlBuilder{schema: testSchema(t), stringOrder: true}
	sql, args, exact := c.countSelect(b, meta, tdoc("r", "x"), 5, 10)
	assert.True(t, exact)
	assert.Equal(t, `SELECT count(*) FROM (SELECT 1 FROM "db"."t_1" WHERE `+sqlR+` = $1::jsonb LIMIT $2 OFFSET $3) AS counted`, sql)
	assert.Equal(t, 3, len(args))

	b = &sqlBuilder{schema: testSchema(t), stringOrder: true}
	sql, args, exact = c.countSelect(b, meta, tdoc(), 0, 0)
	assert.True(t, exact)
	assert.Equal(t, `SELECT count(*) FROM (SELECT 1 FROM "db"."t_1") AS counted`, sql)
	assert.Empty(t, args)

	// a condition on an untyped field: not the backend's count
	b = &sqlBuilder{schema: testSchema(t), stringOrder: true}
	_, _, exact = c.countSelect(b, meta, tdoc("u", tdoc("$regex", tre("a.c", ""))), 0, 0)
	assert.False(t, exact)

	assert.Equal(t, "EXPLAIN (VERBOSE true, FORMAT JSON) ", explainPrefix(false))
	assert.Equal(t, "EXPLAIN (ANALYZE true, VERBOSE true, FORMAT JSON) ", explainPrefix(true))
}
