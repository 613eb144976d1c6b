// Added by the directory service's build (ferretdb/_patch): tests of typed_update.go's compare-and-set writes,
// with an in-memory collection on which "another writer" changes documents between a statement's read and its
// write.

package common

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/iterator"
	"github.com/FerretDB/FerretDB/internal/util/must"
	"github.com/FerretDB/FerretDB/internal/util/testutil"
)

func cdoc(pairs ...any) *types.Document { return must.NotFail(types.NewDocument(pairs...)) }

// casCollection is an in-memory collection with compare-and-set writes (backends.TypedCollection).
type casCollection struct {
	backends.Collection
	backends.TypedCollection

	mu   sync.Mutex
	docs []*types.Document

	// interfere is called before each compare-and-set (attempt counts them from 0): it may change the stored
	// documents, as another writer would between the statement's read and its write
	interfere func(c *casCollection, attempt int)
	attempts  int
	deleteAll int // DeleteAll calls (the path without compare-and-set)
}

func newCASCollection(docs ...*types.Document) *casCollection {
	return &casCollection{docs: docs}
}

// TypedQuery answers no query (nil): callers fall back to Query, as on a collection without a typed schema.
func (c *casCollection) TypedQuery(context.Context, *backends.TypedQueryParams) (*backends.TypedQueryResult, error) { //nolint:lll // for readability
	return nil, nil
}

// Query returns every document (a backend may return more than match: callers filter).
func (c *casCollection) Query(context.Context, *backends.QueryParams) (*backends.QueryResult, error) {
	c.mu.Lock()
	defer c.mu.Unlock()

	docs := make([]*types.Document, len(c.docs))
	for i, d := range c.docs {
		docs[i] = d.DeepCopy()
	}

	return &backends.QueryResult{Iter: iterator.Values(iterator.ForSlice(docs))}, nil
}

func (c *casCollection) InsertAll(_ context.Context, params *backends.InsertAllParams) (*backends.InsertAllResult, error) { //nolint:lll // for readability
	c.mu.Lock()
	defer c.mu.Unlock()

	for _, d := range params.Docs {
		c.docs = append(c.docs, d.DeepCopy())
	}

	return new(backends.InsertAllResult), nil
}

func (c *casCollection) DeleteAll(_ context.Context, params *backends.DeleteAllParams) (*backends.DeleteAllResult, error) { //nolint:lll // for readability
	c.deleteAll++

	for _, id := range params.IDs {
		c.remove(id)
	}

	return &backends.DeleteAllResult{Deleted: int32(len(params.IDs))}, nil
}

func (c *casCollection) interfered() {
	if c.interfere != nil {
		c.interfere(c, c.attempts)
	}

	c.attempts++
}

func (c *casCollection) index(id any) int {
	for i, d := range c.docs {
		if types.Identical(must.NotFail(d.Get("_id")), id) {
			return i
		}
	}

	return -1
}

func (c *casCollection) remove(id any) {
	if i := c.index(id); i >= 0 {
		c.docs = append(c.docs[:i], c.docs[i+1:]...)
	}
}

// get returns the stored document with that _id, or nil.
func (c *casCollection) get(id any) *types.Document {
	if i := c.index(id); i >= 0 {
		return c.docs[i]
	}

	return nil
}

func (c *casCollection) CompareAndUpdate(_ context.Context, old, doc *types.Document) (bool, error) {
	c.interfered()

	i := c.index(must.NotFail(old.Get("_id")))
	if i < 0 || !types.Identical(c.docs[i], old) {
		return false, nil
	}

	c.docs[i] = doc.DeepCopy()

	return true, nil
}

func (c *casCollection) CompareAndDelete(_ context.Context, olds []*types.Document) ([]bool, error) {
	c.interfered()

	res := make([]bool, len(olds))

	for j, old := range olds {
		id := must.NotFail(old.Get("_id"))
		if i := c.index(id); i >= 0 && types.Identical(c.docs[i], old) {
			c.remove(id)
			res[j] = true
		}
	}

	return res, nil
}

// statementQuery is the handler's statement query: the documents matching filter.
func (c *casCollection) statementQuery(filter *types.Document) StatementQuery {
	return func(ctx context.Context) (types.DocumentsIterator, error) {
		res, err := c.Query(ctx, new(backends.QueryParams))
		if err != nil {
			return nil, err
		}

		closer := iterator.NewMultiCloser(res.Iter)

		return iterator.WithClose(FilterIterator(res.Iter, closer, filter), closer.Close), nil
	}
}

func TestUpdateStatement(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	inc := cdoc("$inc", cdoc("n", int32(1)))
	matchA := cdoc("s", "a")

	// bump is another writer's $inc of document id's n
	bump := func(id int32) func(c *casCollection, attempt int) {
		return func(c *casCollection, attempt int) {
			if attempt == 0 {
				d := c.get(id)
				d.Set("n", must.NotFail(d.Get("n")).(int32)+10)
			}
		}
	}

	// moveAway is another writer's change of document id's s, after which it does not match the filter
	moveAway := func(id int32) func(c *casCollection, attempt int) {
		return func(c *casCollection, attempt int) {
			if attempt == 0 {
				c.get(id).Set("s", "b")
			}
		}
	}

	t.Run("NoConflict", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(cdoc("_id", int32(1), "s", "a", "n", int32(0)))
		res, err := UpdateStatement(ctx, c, "update", c.statementQuery(matchA), &Update{
			Filter: matchA, Update: inc, HasUpdateOperators: true,
		})
		require.NoError(t, err)
		assert.Equal(t, int32(1), res.Matched.Count)
		assert.Equal(t, int32(1), res.Modified.Count)
		testutil.AssertEqual(t, cdoc("_id", int32(1), "s", "a", "n", int32(1)), c.get(int32(1)))
		assert.Equal(t, 1, c.attempts)
	})

	// the document changed between the read and the write, and still matches: the update is applied to it again,
	// and the other writer's change stays
	t.Run("ConflictStillMatches", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(cdoc("_id", int32(1), "s", "a", "n", int32(0)))
		c.interfere = bump(1)

		res, err := UpdateStatement(ctx, c, "update", c.statementQuery(matchA), &Update{
			Filter: matchA, Update: inc, HasUpdateOperators: true,
		})
		require.NoError(t, err)
		assert.Equal(t, int32(1), res.Matched.Count)
		assert.Equal(t, int32(1), res.Modified.Count)
		testutil.AssertEqual(t, cdoc("_id", int32(1), "s", "a", "n", int32(11)), c.get(int32(1)))
		assert.Equal(t, 2, c.attempts)
	})

	// a single-document update whose document no longer matches starts over, and updates another one
	t.Run("ConflictNoLongerMatchesOne", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(cdoc("_id", int32(1), "s", "a", "n", int32(0)), cdoc("_id", int32(2), "s", "a", "n", int32(0)))
		c.interfere = moveAway(1)

		res, err := UpdateStatement(ctx, c, "update", c.statementQuery(matchA), &Update{
			Filter: matchA, Update: inc, HasUpdateOperators: true,
		})
		require.NoError(t, err)
		assert.Equal(t, int32(1), res.Matched.Count)
		assert.Equal(t, int32(1), res.Modified.Count)
		testutil.AssertEqual(t, cdoc("_id", int32(1), "s", "b", "n", int32(0)), c.get(int32(1)))
		testutil.AssertEqual(t, cdoc("_id", int32(2), "s", "a", "n", int32(1)), c.get(int32(2)))
	})

	// ... and a multi-document update skips it
	t.Run("ConflictNoLongerMatchesMulti", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(cdoc("_id", int32(1), "s", "a", "n", int32(0)), cdoc("_id", int32(2), "s", "a", "n", int32(0)))
		c.interfere = moveAway(1)

		res, err := UpdateStatement(ctx, c, "update", c.statementQuery(matchA), &Update{
			Filter: matchA, Update: inc, Multi: true, HasUpdateOperators: true,
		})
		require.NoError(t, err)
		assert.Equal(t, int32(1), res.Matched.Count)
		assert.Equal(t, int32(1), res.Modified.Count)
		testutil.AssertEqual(t, cdoc("_id", int32(1), "s", "b", "n", int32(0)), c.get(int32(1)))
		testutil.AssertEqual(t, cdoc("_id", int32(2), "s", "a", "n", int32(1)), c.get(int32(2)))
	})

	t.Run("DeletedMeanwhile", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(cdoc("_id", int32(1), "s", "a", "n", int32(0)), cdoc("_id", int32(2), "s", "a", "n", int32(0)))
		c.interfere = func(c *casCollection, attempt int) {
			if attempt == 0 {
				c.remove(int32(1))
			}
		}

		res, err := UpdateStatement(ctx, c, "update", c.statementQuery(matchA), &Update{
			Filter: matchA, Update: inc, HasUpdateOperators: true,
		})
		require.NoError(t, err)
		assert.Equal(t, int32(1), res.Matched.Count)
		assert.Nil(t, c.get(int32(1)))
		testutil.AssertEqual(t, cdoc("_id", int32(2), "s", "a", "n", int32(1)), c.get(int32(2)))
	})

	t.Run("NotModified", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(cdoc("_id", int32(1), "s", "a", "n", int32(0)))
		res, err := UpdateStatement(ctx, c, "update", c.statementQuery(matchA), &Update{
			Filter: matchA, Update: cdoc("$set", cdoc("n", int32(0))), HasUpdateOperators: true,
		})
		require.NoError(t, err)
		assert.Equal(t, int32(1), res.Matched.Count)
		assert.Equal(t, int32(0), res.Modified.Count)
		assert.Zero(t, c.attempts, "nothing to write")
	})

	t.Run("Replacement", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(cdoc("_id", int32(1), "s", "a", "n", int32(0)))
		c.interfere = bump(1)

		res, err := UpdateStatement(ctx, c, "update", c.statementQuery(matchA), &Update{
			Filter: matchA, Update: cdoc("s", "z"),
		})
		require.NoError(t, err)
		assert.Equal(t, int32(1), res.Modified.Count)
		testutil.AssertEqual(t, cdoc("_id", int32(1), "s", "z"), c.get(int32(1)))
	})

	t.Run("Upsert", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(cdoc("_id", int32(1), "s", "b", "n", int32(0)))
		res, err := UpdateStatement(ctx, c, "update", c.statementQuery(matchA), &Update{
			Filter: matchA, Update: inc, Upsert: true, HasUpdateOperators: true,
		})
		require.NoError(t, err)
		assert.Equal(t, int32(0), res.Matched.Count)
		require.NotNil(t, res.Upserted.Doc)
		require.Len(t, c.docs, 2)
		assert.Equal(t, "a", must.NotFail(c.docs[1].Get("s")))
		assert.Equal(t, int32(1), must.NotFail(c.docs[1].Get("n")))
	})

	// findAndModify returns the document as it was when the write succeeded, and as it became
	t.Run("FindAndModify", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(cdoc("_id", int32(1), "s", "a", "n", int32(0)))
		c.interfere = bump(1)

		res, err := UpdateStatement(ctx, c, "findAndModify", c.statementQuery(matchA), &Update{
			Filter: matchA, Update: inc, HasUpdateOperators: true,
		})
		require.NoError(t, err)
		testutil.AssertEqual(t, cdoc("_id", int32(1), "s", "a", "n", int32(10)), res.Matched.Doc)
		testutil.AssertEqual(t, cdoc("_id", int32(1), "s", "a", "n", int32(11)), res.Modified.Doc)
	})

	t.Run("RetriesBounded", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(cdoc("_id", int32(1), "s", "a", "n", int32(0)))
		c.interfere = func(c *casCollection, _ int) {
			d := c.get(int32(1))
			d.Set("n", must.NotFail(d.Get("n")).(int32)+1)
		}

		_, err := UpdateStatement(ctx, c, "update", c.statementQuery(matchA), &Update{
			Filter: matchA, Update: inc, HasUpdateOperators: true,
		})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "write conflict")
		assert.Equal(t, maxWriteRetries+1, c.attempts)
	})

	// a backend without compare-and-set: UpdateDocument, limited to one document
	t.Run("NotTyped", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(cdoc("_id", int32(1), "s", "a", "n", int32(0)), cdoc("_id", int32(2), "s", "a", "n", int32(0)))
		updated := 0
		query := func(ctx context.Context) (types.DocumentsIterator, error) {
			iter, err := c.statementQuery(matchA)(ctx)
			counting := iterator.ForFunc(func() (struct{}, *types.Document, error) {
				_, d, err := iter.Next()
				if err == nil {
					updated++
				}
				return struct{}{}, d, err
			})

			return iterator.WithClose(counting, func() { counting.Close(); iter.Close() }), err
		}

		res, err := UpdateStatement(ctx, &plainCollection{c}, "update", query, &Update{
			Filter: matchA, Update: inc, HasUpdateOperators: true,
		})
		require.NoError(t, err)
		assert.Equal(t, int32(1), res.Matched.Count)
		assert.Equal(t, 1, updated, "one document read")
	})
}

// plainCollection is a casCollection without compare-and-set (only backends.Collection's methods), with UpdateAll.
type plainCollection struct {
	p *casCollection
}

func (f *plainCollection) Query(ctx context.Context, params *backends.QueryParams) (*backends.QueryResult, error) {
	return f.p.Query(ctx, params)
}

func (f *plainCollection) Explain(context.Context, *backends.ExplainParams) (*backends.ExplainResult, error) {
	panic("not reached")
}

func (f *plainCollection) InsertAll(ctx context.Context, params *backends.InsertAllParams) (*backends.InsertAllResult, error) { //nolint:lll // for readability
	return f.p.InsertAll(ctx, params)
}

func (f *plainCollection) UpdateAll(_ context.Context, params *backends.UpdateAllParams) (*backends.UpdateAllResult, error) { //nolint:lll // for readability
	for _, d := range params.Docs {
		f.p.docs[f.p.index(must.NotFail(d.Get("_id")))] = d.DeepCopy()
	}

	return &backends.UpdateAllResult{Updated: int32(len(params.Docs))}, nil
}

func (f *plainCollection) DeleteAll(ctx context.Context, params *backends.DeleteAllParams) (*backends.DeleteAllResult, error) { //nolint:lll // for readability
	return f.p.DeleteAll(ctx, params)
}

func (f *plainCollection) Stats(context.Context, *backends.CollectionStatsParams) (*backends.CollectionStatsResult, error) { //nolint:lll // for readability
	panic("not reached")
}

func (f *plainCollection) Compact(context.Context, *backends.CompactParams) (*backends.CompactResult, error) {
	panic("not reached")
}

func (f *plainCollection) ListIndexes(context.Context, *backends.ListIndexesParams) (*backends.ListIndexesResult, error) { //nolint:lll // for readability
	panic("not reached")
}

func (f *plainCollection) CreateIndexes(context.Context, *backends.CreateIndexesParams) (*backends.CreateIndexesResult, error) { //nolint:lll // for readability
	panic("not reached")
}

func (f *plainCollection) DropIndexes(context.Context, *backends.DropIndexesParams) (*backends.DropIndexesResult, error) { //nolint:lll // for readability
	panic("not reached")
}

func TestDeleteMatching(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	matchA := cdoc("s", "a")

	docs := func() []*types.Document {
		return []*types.Document{
			cdoc("_id", int32(1), "s", "a", "n", int32(0)),
			cdoc("_id", int32(2), "s", "a", "n", int32(0)),
			cdoc("_id", int32(3), "s", "b", "n", int32(0)),
		}
	}

	run := func(t *testing.T, c backends.Collection, query StatementQuery, limited bool) ([]*types.Document, bool) {
		t.Helper()

		iter, err := query(ctx)
		require.NoError(t, err)

		deleted, again, err := DeleteMatching(ctx, c, iter, matchA, limited)
		require.NoError(t, err)

		return deleted, again
	}

	ids := func(docs []*types.Document) []any {
		res := make([]any, len(docs))
		for i, d := range docs {
			res[i] = must.NotFail(d.Get("_id"))
		}

		return res
	}

	t.Run("All", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(docs()...)
		deleted, again := run(t, c, c.statementQuery(matchA), false)
		assert.False(t, again)
		assert.Equal(t, []any{int32(1), int32(2)}, ids(deleted))
		assert.Equal(t, []any{int32(3)}, ids(c.docs))
	})

	t.Run("Limited", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(docs()...)
		deleted, again := run(t, c, c.statementQuery(matchA), true)
		assert.False(t, again)
		assert.Equal(t, []any{int32(1)}, ids(deleted))
		assert.Equal(t, []any{int32(2), int32(3)}, ids(c.docs))
	})

	t.Run("None", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(docs()...)
		deleted, again := run(t, c, c.statementQuery(cdoc("s", "z")), false)
		assert.False(t, again)
		assert.Empty(t, deleted)
		assert.Zero(t, c.attempts)
	})

	// changed meanwhile and still matching: deleted as it is now
	t.Run("ConflictStillMatches", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(docs()...)
		c.interfere = func(c *casCollection, attempt int) {
			if attempt == 0 {
				c.get(int32(2)).Set("n", int32(5))
			}
		}

		deleted, again := run(t, c, c.statementQuery(matchA), false)
		assert.False(t, again)
		assert.Equal(t, []any{int32(1), int32(2)}, ids(deleted))
		testutil.AssertEqual(t, cdoc("_id", int32(2), "s", "a", "n", int32(5)), deleted[1])
		assert.Equal(t, []any{int32(3)}, ids(c.docs))
		assert.Equal(t, 2, c.attempts)
	})

	// changed meanwhile so that it no longer matches: kept
	t.Run("ConflictNoLongerMatches", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(docs()...)
		c.interfere = func(c *casCollection, attempt int) {
			if attempt == 0 {
				c.get(int32(2)).Set("s", "c")
			}
		}

		deleted, again := run(t, c, c.statementQuery(matchA), false)
		assert.False(t, again)
		assert.Equal(t, []any{int32(1)}, ids(deleted))
		assert.Equal(t, []any{int32(2), int32(3)}, ids(c.docs))
	})

	// a limited delete whose document no longer matches starts over from the query
	t.Run("LimitedConflict", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(docs()...)
		c.interfere = func(c *casCollection, attempt int) {
			if attempt == 0 {
				c.get(int32(1)).Set("s", "c")
			}
		}

		deleted, again := run(t, c, c.statementQuery(matchA), true)
		assert.True(t, again)
		assert.Empty(t, deleted)
		assert.Len(t, c.docs, 3)
	})

	t.Run("LimitedGone", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(docs()...)
		c.interfere = func(c *casCollection, attempt int) {
			if attempt == 0 {
				c.remove(int32(1))
			}
		}

		deleted, again := run(t, c, c.statementQuery(matchA), true)
		assert.True(t, again)
		assert.Empty(t, deleted)
	})

	t.Run("NotTyped", func(t *testing.T) {
		t.Parallel()

		c := newCASCollection(docs()...)
		deleted, again := run(t, &plainCollection{c}, c.statementQuery(matchA), false)
		assert.False(t, again)
		assert.Equal(t, []any{int32(1), int32(2)}, ids(deleted))
		assert.Equal(t, 1, c.deleteAll)
		assert.Zero(t, c.attempts)
	})
}

func TestReadByID(t *testing.T) {
	t.Parallel()

	ctx := context.Background()
	c := newCASCollection(cdoc("_id", int32(1), "s", "a"), cdoc("_id", "1", "s", "b"))

	d, err := ReadByID(ctx, c, "1")
	require.NoError(t, err)
	testutil.AssertEqual(t, cdoc("_id", "1", "s", "b"), d)

	d, err = ReadByID(ctx, c, int32(2))
	require.NoError(t, err)
	assert.Nil(t, d)
}

func TestCollect(t *testing.T) {
	t.Parallel()

	docs := []*types.Document{cdoc("_id", int32(1)), cdoc("_id", int32(2))}

	all, err := collect(iterator.Values(iterator.ForSlice(docs)), false)
	require.NoError(t, err)
	assert.Equal(t, docs, all)

	one, err := collect(iterator.Values(iterator.ForSlice(docs)), true)
	require.NoError(t, err)
	assert.Equal(t, docs[:1], one)

	none, err := collect(emptyIterator(), false)
	require.NoError(t, err)
	assert.Empty(t, none)
}
