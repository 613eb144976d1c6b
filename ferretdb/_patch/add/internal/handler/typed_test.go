// Added by the directory service's build (ferretdb/_patch): tests of typed.go that need no database.

package handler

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/handler/common"
	"github.com/FerretDB/FerretDB/internal/handler/handlererrors"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/iterator"
	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
	"github.com/FerretDB/FerretDB/internal/util/must"
	"github.com/FerretDB/FerretDB/internal/util/testutil"
)

func hdoc(pairs ...any) *types.Document { return must.NotFail(types.NewDocument(pairs...)) }

func harr(values ...any) *types.Array { return must.NotFail(types.NewArray(values...)) }

// plainCollection is a backend collection without typed queries.
type plainCollection struct {
	backends.Collection
}

// typedCollection is a backend collection whose TypedGroupCount and TypedCount return canned answers, and
// record what they were asked.
type typedCollection struct {
	backends.Collection
	backends.TypedCollection

	groups   []backends.TypedGroup
	ok       bool
	count    int64
	err      error
	asked    *backends.TypedGroupCountParams
	calls    int
	counted  *types.Document
	skipLim  [2]int64
	countErr error

	query   *backends.TypedQueryResult // TypedQuery's answer (nil: not typed)
	queried *backends.TypedQueryParams
	plain   int // Query calls
}

func (c *typedCollection) TypedQuery(_ context.Context, params *backends.TypedQueryParams) (*backends.TypedQueryResult, error) { //nolint:lll // for readability
	c.queried = params
	return c.query, nil
}

func (c *typedCollection) Query(context.Context, *backends.QueryParams) (*backends.QueryResult, error) {
	c.plain++
	return &backends.QueryResult{Iter: iterator.Values(iterator.ForSlice([]*types.Document{}))}, nil
}

func (c *typedCollection) TypedGroupCount(_ context.Context, params *backends.TypedGroupCountParams) ([]backends.TypedGroup, bool, error) { //nolint:lll // for readability
	c.calls++
	c.asked = params

	return c.groups, c.ok, c.err
}

func (c *typedCollection) TypedCount(_ context.Context, filter *types.Document, skip, limit int64) (int64, bool, error) {
	c.counted = filter
	c.skipLim = [2]int64{skip, limit}

	return c.count, c.ok, c.countErr
}

func TestTypedAggregatePipelines(t *testing.T) {
	t.Parallel()

	count := hdoc("$group", hdoc("_id", types.Null, "n", hdoc("$sum", int32(1))))
	match := hdoc("$match", hdoc("s", "x"))

	for name, tc := range map[string]struct {
		stages []any
		field  string
		filter *types.Document
		typed  bool // answered by TypedGroupCount
	}{
		"Count":           {stages: []any{count}, typed: true},
		"MatchCount":      {stages: []any{match, count}, filter: hdoc("s", "x"), typed: true},
		"CountDocuments":  {stages: []any{match, hdoc("$group", hdoc("_id", int32(1), "n", hdoc("$sum", int32(1))))}, filter: hdoc("s", "x"), typed: true},
		"ByField":         {stages: []any{hdoc("$group", hdoc("_id", "$s", "n", hdoc("$sum", int32(1))))}, field: "s", typed: true},
		"ByFieldNoCount":  {stages: []any{hdoc("$group", hdoc("_id", "$s"))}, field: "s", typed: true},
		"ConstantString":  {stages: []any{hdoc("$group", hdoc("_id", "s", "n", hdoc("$sum", int32(1))))}, typed: true},
		"TwoCounters":     {stages: []any{hdoc("$group", hdoc("_id", types.Null, "a", hdoc("$sum", int32(1)), "b", hdoc("$sum", 1.0)))}, typed: true},
		"LongOne":         {stages: []any{hdoc("$group", hdoc("_id", types.Null, "n", hdoc("$sum", int64(1))))}, typed: true},
		"Empty":           {stages: []any{}},
		"ThreeStages":     {stages: []any{match, match, count}},
		"MatchOnly":       {stages: []any{match}},
		"GroupFirst":      {stages: []any{count, match}},
		"SortFirst":       {stages: []any{hdoc("$sort", hdoc("s", int32(1))), count}},
		"MatchNotDoc":     {stages: []any{hdoc("$match", "x"), count}},
		"MatchExtraKey":   {stages: []any{hdoc("$match", hdoc(), "x", int32(1)), count}},
		"StageNotDoc":     {stages: []any{"x"}},
		"GroupNotDoc":     {stages: []any{hdoc("$group", "x")}},
		"GroupExtraKey":   {stages: []any{hdoc("$group", hdoc("_id", types.Null), "x", int32(1))}},
		"NoID":            {stages: []any{hdoc("$group", hdoc("n", hdoc("$sum", int32(1))))}},
		"IDDocument":      {stages: []any{hdoc("$group", hdoc("_id", hdoc("s", "$s"), "n", hdoc("$sum", int32(1))))}},
		"IDArray":         {stages: []any{hdoc("$group", hdoc("_id", harr("$s"), "n", hdoc("$sum", int32(1))))}},
		"IDDotted":        {stages: []any{hdoc("$group", hdoc("_id", "$s.x", "n", hdoc("$sum", int32(1))))}},
		"IDDollar":        {stages: []any{hdoc("$group", hdoc("_id", "$", "n", hdoc("$sum", int32(1))))}},
		"IDVariable":      {stages: []any{hdoc("$group", hdoc("_id", "$$ROOT", "n", hdoc("$sum", int32(1))))}},
		"SumTwo":          {stages: []any{hdoc("$group", hdoc("_id", types.Null, "n", hdoc("$sum", int32(2))))}},
		"SumField":        {stages: []any{hdoc("$group", hdoc("_id", types.Null, "n", hdoc("$sum", "$x")))}},
		"SumFraction":     {stages: []any{hdoc("$group", hdoc("_id", types.Null, "n", hdoc("$sum", 1.5)))}},
		"Avg":             {stages: []any{hdoc("$group", hdoc("_id", types.Null, "n", hdoc("$avg", int32(1))))}},
		"CounterNotDoc":   {stages: []any{hdoc("$group", hdoc("_id", types.Null, "n", int32(1)))}},
		"CounterTwoAccum": {stages: []any{hdoc("$group", hdoc("_id", types.Null, "n", hdoc("$sum", int32(1), "$avg", int32(1))))}},
	} {
		name, tc := name, tc
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			c := &typedCollection{ok: true}
			_, typed, err := typedAggregate(context.Background(), c, tc.stages)
			require.NoError(t, err)
			assert.Equal(t, tc.typed, typed)

			if !tc.typed {
				assert.Zero(t, c.calls, "TypedGroupCount is not asked")
				return
			}

			require.Equal(t, 1, c.calls)
			assert.Equal(t, tc.field, c.asked.Field)
			assert.Equal(t, tc.filter, c.asked.Filter)
		})
	}
}

func TestTypedAggregateResults(t *testing.T) {
	t.Parallel()

	ctx := context.Background()

	run := func(t *testing.T, c backends.Collection, group *types.Document) ([]*types.Document, bool) {
		t.Helper()

		iter, ok, err := typedAggregate(ctx, c, []any{hdoc("$group", group)})
		require.NoError(t, err)

		if !ok {
			return nil, false
		}

		docs, err := iterator.ConsumeValues(iter)
		require.NoError(t, err)

		return docs, true
	}

	t.Run("NotTyped", func(t *testing.T) {
		t.Parallel()

		_, ok := run(t, &plainCollection{}, hdoc("_id", types.Null, "n", hdoc("$sum", int32(1))))
		assert.False(t, ok)
	})

	t.Run("BackendDeclines", func(t *testing.T) {
		t.Parallel()

		_, ok := run(t, &typedCollection{ok: false}, hdoc("_id", types.Null, "n", hdoc("$sum", int32(1))))
		assert.False(t, ok)
	})

	t.Run("BackendError", func(t *testing.T) {
		t.Parallel()

		c := &typedCollection{err: errors.New("boom")}
		_, _, err := typedAggregate(ctx, c, []any{hdoc("$group", hdoc("_id", types.Null, "n", hdoc("$sum", int32(1))))})
		assert.EqualError(t, err, "boom")
	})

	t.Run("Constant", func(t *testing.T) {
		t.Parallel()

		c := &typedCollection{ok: true, groups: []backends.TypedGroup{{Count: 3}}}
		docs, ok := run(t, c, hdoc("_id", int32(1), "n", hdoc("$sum", int32(1))))
		require.True(t, ok)
		testutil.AssertEqualSlices(t, []*types.Document{hdoc("_id", int32(1), "n", int32(3))}, docs)
	})

	t.Run("NoGroups", func(t *testing.T) {
		t.Parallel()

		docs, ok := run(t, &typedCollection{ok: true}, hdoc("_id", types.Null, "n", hdoc("$sum", int32(1))))
		require.True(t, ok)
		assert.Empty(t, docs)
	})

	t.Run("ByField", func(t *testing.T) {
		t.Parallel()

		date := time.UnixMilli(1000).UTC()
		c := &typedCollection{ok: true, groups: []backends.TypedGroup{
			{Key: "a", Count: 2}, {Key: types.Null, Count: 1}, {Key: date, Count: 4},
		}}
		docs, ok := run(t, c, hdoc("_id", "$s", "n", hdoc("$sum", int32(1))))
		require.True(t, ok)
		testutil.AssertEqualSlices(t, []*types.Document{
			hdoc("_id", "a", "n", int32(2)),
			hdoc("_id", types.Null, "n", int32(1)),
			hdoc("_id", date, "n", int32(4)),
		}, docs)
	})

	// `$sum: 1` of ints is an int (a long when it does not fit), of a long a long, of a double a double, as
	// MongoDB's and FerretDB's $sum
	t.Run("SumTypes", func(t *testing.T) {
		t.Parallel()

		c := &typedCollection{ok: true, groups: []backends.TypedGroup{{Count: 5}, {Count: math.MaxInt32 + 1}}}
		docs, ok := run(t, c, hdoc(
			"_id", types.Null,
			"int", hdoc("$sum", int32(1)),
			"long", hdoc("$sum", int64(1)),
			"double", hdoc("$sum", 1.0),
		))
		require.True(t, ok)
		testutil.AssertEqualSlices(t, []*types.Document{
			hdoc("_id", types.Null, "int", int32(5), "long", int64(5), "double", float64(5)),
			hdoc("_id", types.Null, "int", int64(math.MaxInt32+1), "long", int64(math.MaxInt32+1), "double", float64(math.MaxInt32+1)),
		}, docs)
	})
}

func TestTypedCount(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	filter := hdoc("s", "x")

	t.Run("NotTyped", func(t *testing.T) {
		t.Parallel()

		res, err := typedCount(ctx, &plainCollection{}, &common.CountParams{Filter: filter})
		require.NoError(t, err)
		assert.Nil(t, res)
	})

	t.Run("BackendDeclines", func(t *testing.T) {
		t.Parallel()

		res, err := typedCount(ctx, &typedCollection{ok: false}, &common.CountParams{Filter: filter})
		require.NoError(t, err)
		assert.Nil(t, res)
	})

	t.Run("Counted", func(t *testing.T) {
		t.Parallel()

		c := &typedCollection{ok: true, count: 7}
		res, err := typedCount(ctx, c, &common.CountParams{Filter: filter, Skip: 2, Limit: 9})
		require.NoError(t, err)
		require.NotNil(t, res)

		assert.Equal(t, filter, c.counted)
		assert.Equal(t, [2]int64{2, 9}, c.skipLim)

		doc, err := opMsgDocument(res)
		require.NoError(t, err)
		testutil.AssertEqual(t, hdoc("n", int32(7), "ok", float64(1)), doc)
	})
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()

	dup := backends.NewError(backends.ErrorCodeInsertDuplicateID, &backends.DuplicateKeyError{
		Index: "email_1", Cause: errors.New("unique violation"),
	})
	dupUnknown := backends.NewError(backends.ErrorCodeInsertDuplicateID, errors.New("unique violation"))
	invalid := &backends.ValidationError{Cause: errors.New("check violation")}

	t.Run("Insert", func(t *testing.T) {
		t.Parallel()

		we, ok := writeErrorOf(dup, 3, "db", "c")
		require.True(t, ok)
		assert.Equal(t, &writeError{3, handlererrors.ErrDuplicateKeyInsert, "E11000 duplicate key error collection: db.c index: email_1"}, we)

		we, ok = writeErrorOf(dupUnknown, 0, "db", "c")
		require.True(t, ok)
		assert.Equal(t, "E11000 duplicate key error collection: db.c", we.msg)

		we, ok = writeErrorOf(invalid, 1, "db", "c")
		require.True(t, ok)
		assert.Equal(t, &writeError{1, handlererrors.ErrDocumentValidationFailure, "Document failed validation"}, we)

		_, ok = writeErrorOf(errors.New("other"), 0, "db", "c")
		assert.False(t, ok)
	})

	// updates and findAndModify return the backend's errors wrapped; the index is named all the same
	t.Run("Update", func(t *testing.T) {
		t.Parallel()

		for _, cmd := range []string{"update", "findAndModify"} {
			err := typedUpdateError("db", "c", cmd, lazyerrors.Error(lazyerrors.Error(dup)))
			expected := common.NewUpdateError(
				handlererrors.ErrDuplicateKeyInsert, "E11000 duplicate key error collection: db.c index: email_1", cmd,
			)
			assert.Equal(t, expected, err, cmd)

			err = typedUpdateError("db", "c", cmd, lazyerrors.Error(invalid))
			expected = common.NewUpdateError(handlererrors.ErrDocumentValidationFailure, "Document failed validation", cmd)
			assert.Equal(t, expected, err, cmd)

			assert.Nil(t, typedUpdateError("db", "c", cmd, lazyerrors.Error(errors.New("other"))), cmd)
		}
	})
}

func TestFindQuery(t *testing.T) {
	t.Parallel()

	ctx := context.Background()

	params := func() *common.FindParams {
		return &common.FindParams{
			Filter: hdoc("s", "x"), Sort: hdoc("s", int64(1)), Skip: 2, Limit: 3, Comment: "c",
		}
	}

	for name, tc := range map[string]struct {
		result   *backends.TypedQueryResult // nil: the collection has no typed fields
		tailable bool
		disabled bool
		plain    bool // coll.Query answers
		sort     bool // the handler still sorts
		skip     int64
	}{
		"NotTyped": {result: nil, plain: true, sort: true, skip: 2},
		"Filtered": {result: &backends.TypedQueryResult{FilterExact: false}, sort: true, skip: 2},
		"Sorted":   {result: &backends.TypedQueryResult{FilterExact: true, Sorted: true}, sort: false, skip: 2},
		"SkipLimit": {
			result: &backends.TypedQueryResult{FilterExact: true, SkipLimitApplied: true}, sort: true, skip: 0,
		},
		"All": {
			result: &backends.TypedQueryResult{FilterExact: true, Sorted: true, SkipLimitApplied: true}, sort: false, skip: 0,
		},
		"Tailable": {result: &backends.TypedQueryResult{Sorted: true}, tailable: true, plain: true, sort: true, skip: 2},
		"PushdownDisabled": {
			result: &backends.TypedQueryResult{Sorted: true}, disabled: true, plain: true, sort: true, skip: 2,
		},
	} {
		name, tc := name, tc
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			h := &Handler{NewOpts: &NewOpts{DisablePushdown: tc.disabled}}
			c := &typedCollection{query: tc.result}
			if tc.result != nil {
				tc.result.Iter = iterator.Values(iterator.ForSlice([]*types.Document{}))
			}

			p := params()
			p.Tailable = tc.tailable

			res, err := h.findQuery(ctx, c, &backends.QueryParams{Comment: "c"}, p)
			require.NoError(t, err)
			res.Iter.Close()

			if tc.plain {
				assert.Equal(t, 1, c.plain)
			} else {
				assert.Zero(t, c.plain)
				assert.Equal(t, &backends.TypedQueryParams{
					Filter: hdoc("s", "x"), Sort: hdoc("s", int64(1)), Skip: 2, Limit: 3, Comment: "c",
				}, c.queried)
			}

			assert.Equal(t, tc.sort, p.Sort != nil, "the handler sorts")
			assert.Equal(t, tc.skip, p.Skip, "the handler skips")
			assert.Equal(t, int64(3), p.Limit, "the handler always limits (again)")
		})
	}
}

func TestKeptFields(t *testing.T) {
	t.Parallel()

	for name, tc := range map[string]struct {
		projection *types.Document
		fields     []string // nil: not ok
	}{
		"None":          {projection: nil},
		"Empty":         {projection: hdoc()},
		"Keep":          {projection: hdoc("a", int32(1), "b", true), fields: []string{"_id", "a", "b"}},
		"KeepNumbers":   {projection: hdoc("a", int64(2), "b", 0.5), fields: []string{"_id", "a", "b"}},
		"WithoutID":     {projection: hdoc("b", int32(1), "_id", int32(0), "a", true), fields: []string{"b", "a"}},
		"WithoutIDBool": {projection: hdoc("_id", false, "a", int32(1)), fields: []string{"a"}},
		"WithID":        {projection: hdoc("_id", int32(1), "a", int32(1)), fields: []string{"_id", "a"}},
		"IDAlone":       {projection: hdoc("_id", int32(1))},
		"NoIDAlone":     {projection: hdoc("_id", int32(0))},
		"Exclusion":     {projection: hdoc("a", int32(0))},
		"Mixed":         {projection: hdoc("a", int32(1), "b", int32(0))},
		"Path":          {projection: hdoc("a.b", int32(1))},
		"Positional":    {projection: hdoc("a.$", int32(1))},
		"Operator":      {projection: hdoc("a", hdoc("$elemMatch", hdoc("x", int32(1))))},
		"Expression":    {projection: hdoc("a", "$b")},
		"Null":          {projection: hdoc("a", types.Null)},
	} {
		name, tc := name, tc
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			fields, ok := keptFields(tc.projection)
			assert.Equal(t, tc.fields != nil, ok)
			assert.Equal(t, tc.fields, fields)
		})
	}
}

// TestFindQueryProjection: the handler asks for the kept fields and does not project again what the backend did.
func TestFindQueryProjection(t *testing.T) {
	t.Parallel()

	ctx := context.Background()

	for name, projected := range map[string]bool{"Projected": true, "Whole": false} {
		name, projected := name, projected
		t.Run(name, func(t *testing.T) {
			t.Parallel()

			h := &Handler{NewOpts: &NewOpts{}}
			c := &typedCollection{query: &backends.TypedQueryResult{
				Iter:        iterator.Values(iterator.ForSlice([]*types.Document{})),
				FilterExact: true, SkipLimitApplied: true, Projected: projected,
			}}

			p := &common.FindParams{Filter: hdoc("s", "x"), Projection: hdoc("_id", int32(0), "s", int32(1))}

			res, err := h.findQuery(ctx, c, &backends.QueryParams{}, p)
			require.NoError(t, err)
			res.Iter.Close()

			assert.Equal(t, []string{"s"}, c.queried.Fields)
			assert.Equal(t, !projected, p.Projection != nil, "the handler projects")
		})
	}
}
