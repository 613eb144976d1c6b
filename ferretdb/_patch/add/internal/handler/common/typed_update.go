// Added by the directory service's build (ferretdb/_patch): updates and deletes as compare-and-set writes.
//
// FerretDB v1 reads the documents a statement matches, changes them in Go and writes them back by _id. Without a
// check in between, a write that another connection or process made after the read is overwritten: two
// concurrent `$set`s of different fields, or two `$inc`s, lose one of them, and a `{_id, version}`-conditioned
// replace is no compare-and-set. Here every write names the document as it was read (backends.TypedCollection);
// when it changed meanwhile, the document is read again, matched against the filter again and the update applied
// again — as MongoDB does when a write conflicts.

package common

import (
	"context"
	"errors"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/iterator"
	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// maxWriteRetries bounds how often one statement starts over after conflicting writes.
const maxWriteRetries = 1000

// StatementQuery returns the documents a statement matches, filtered (and sorted, for findAndModify), not limited.
type StatementQuery func(ctx context.Context) (types.DocumentsIterator, error)

// UpdateStatement executes one update statement (of the update or findAndModify command) with compare-and-set
// writes when the backend has them, and as UpdateDocument does otherwise.
//
// A multi-document update skips a document that no longer matches after a conflict (as MongoDB does); a
// single-document update then starts over from the query, to update another matching document if there is one.
func UpdateStatement(ctx context.Context, c backends.Collection, cmd string, query StatementQuery, param *Update) (*UpdateResult, error) { //nolint:lll // for readability
	tc, typed := backends.AsTyped(c)

	for attempt := 0; ; attempt++ {
		if attempt > maxWriteRetries {
			return nil, lazyerrors.Errorf("write conflict: %s retried %d times", cmd, maxWriteRetries)
		}

		iter, err := query(ctx)
		if err != nil {
			return nil, lazyerrors.Error(err)
		}

		if !typed {
			closer := iterator.NewMultiCloser(iter)
			if !param.Multi {
				iter = LimitIterator(iter, closer, 1)
			}

			res, err := UpdateDocument(ctx, c, cmd, iter, param)
			closer.Close()

			return res, err
		}

		// read first, then write: a statement holding its read's connection while it waits for another one to
		// write would exhaust the pool under concurrent statements
		docs, err := collect(iter, !param.Multi)
		if err != nil {
			return nil, err
		}

		res, again, err := updateCAS(ctx, c, tc, cmd, docs, param)
		if err != nil {
			return nil, err
		}

		if again {
			continue
		}

		if res.Matched.Count > 0 || !param.Upsert {
			return res, nil
		}

		// nothing matched: insert, as UpdateDocument does for an upsert without documents
		none := emptyIterator()
		res, err = UpdateDocument(ctx, c, cmd, none, param)
		none.Close()

		if err != nil {
			if backends.IsDuplicateKey(err) && attempt < 3 {
				// inserted by someone else meanwhile: the statement now matches it
				continue
			}

			return nil, err
		}

		return res, nil
	}
}

// updateCAS applies the update to each document of iter. again is true when a single-document update must start
// over from the query.
func updateCAS(ctx context.Context, c backends.Collection, tc backends.TypedCollection, cmd string, docs []*types.Document, param *Update) (res *UpdateResult, again bool, err error) { //nolint:lll // for readability
	res = new(UpdateResult)
	isFindAndModify := strings.ToLower(cmd) == "findandmodify"

	for _, doc := range docs {
		for retry := 0; ; retry++ {
			if retry > maxWriteRetries {
				return nil, false, lazyerrors.Errorf("write conflict: %s retried %d times", cmd, maxWriteRetries)
			}

			old := doc.DeepCopy()

			var modified bool
			if param.HasUpdateOperators {
				modified, err = processUpdateOperator(cmd, doc, param.Update, false)
			} else {
				modified, err = processReplacementDoc(cmd, doc, param.Update)
			}

			if err != nil {
				return nil, false, lazyerrors.Error(err)
			}

			if err = doc.ValidateData(); err != nil {
				return nil, false, lazyerrors.Error(err)
			}

			written := true
			if modified {
				if written, err = tc.CompareAndUpdate(ctx, old, doc); err != nil {
					return nil, false, err
				}
			}

			if written {
				res.Matched.Count++
				if isFindAndModify {
					res.Matched.Doc = old
				}

				if modified {
					res.Modified.Count++
					if isFindAndModify {
						res.Modified.Doc = doc
					}
				}

				break
			}

			// changed since it was read: read it again
			if doc, err = ReadByID(ctx, c, must.NotFail(old.Get("_id"))); err != nil {
				return nil, false, err
			}

			matches := false
			if doc != nil {
				if matches, err = FilterDocument(doc, param.Filter); err != nil {
					return nil, false, lazyerrors.Error(err)
				}
			}

			if !matches {
				if !param.Multi {
					return nil, true, nil
				}

				break
			}
		}
	}

	return res, false, nil
}

// ReadByID returns the stored document with this _id, or nil (through the typed query when the backend has one).
func ReadByID(ctx context.Context, c backends.Collection, id any) (*types.Document, error) {
	filter := must.NotFail(types.NewDocument("_id", id))

	var iter types.DocumentsIterator

	if tc, ok := backends.AsTyped(c); ok {
		res, err := tc.TypedQuery(ctx, &backends.TypedQueryParams{Filter: filter})
		if err != nil {
			return nil, lazyerrors.Error(err)
		}

		if res != nil {
			iter = res.Iter
		}
	}

	if iter == nil {
		res, err := c.Query(ctx, &backends.QueryParams{Filter: filter})
		if err != nil {
			return nil, lazyerrors.Error(err)
		}

		iter = res.Iter
	}

	defer iter.Close()

	for {
		_, doc, err := iter.Next()
		if errors.Is(err, iterator.ErrIteratorDone) {
			return nil, nil
		}

		if err != nil {
			return nil, lazyerrors.Error(err)
		}

		if matches, _ := FilterDocument(doc, filter); matches {
			return doc, nil
		}
	}
}

// DeleteMatching deletes the documents of iter (already filtered) with compare-and-set when the backend has it:
// a document changed since it was read is read again and deleted only if it still matches filter. It returns the
// documents deleted, as they were; again is true when a single-document delete (limited) must start over from the
// query.
func DeleteMatching(ctx context.Context, c backends.Collection, iter types.DocumentsIterator, filter *types.Document, limited bool) (deleted []*types.Document, again bool, err error) { //nolint:lll // for readability
	docs, err := collect(iter, limited)
	if err != nil || len(docs) == 0 {
		return nil, false, err
	}

	tc, typed := backends.AsTyped(c)
	if !typed {
		ids := make([]any, len(docs))
		for i, d := range docs {
			ids[i] = must.NotFail(d.Get("_id"))
		}

		if _, err := c.DeleteAll(ctx, &backends.DeleteAllParams{IDs: ids}); err != nil {
			return nil, false, lazyerrors.Error(err)
		}

		return docs, false, nil
	}

	for retry := 0; len(docs) > 0; retry++ {
		if retry > maxWriteRetries {
			return deleted, false, lazyerrors.Errorf("write conflict: delete retried %d times", maxWriteRetries)
		}

		ok, err := tc.CompareAndDelete(ctx, docs)
		if err != nil {
			return deleted, false, lazyerrors.Error(err)
		}

		var changed []*types.Document

		for i, d := range docs {
			if ok[i] {
				deleted = append(deleted, d)
				continue
			}

			fresh, err := ReadByID(ctx, c, must.NotFail(d.Get("_id")))
			if err != nil {
				return deleted, false, err
			}

			matches := false
			if fresh != nil {
				if matches, err = FilterDocument(fresh, filter); err != nil {
					return deleted, false, lazyerrors.Error(err)
				}
			}

			if matches {
				changed = append(changed, fresh)
			} else if limited {
				return deleted, true, nil
			}
		}

		docs = changed
	}

	return deleted, false, nil
}

// collect reads the documents of iter (only the first when one is true) and closes it.
func collect(iter types.DocumentsIterator, one bool) ([]*types.Document, error) {
	defer iter.Close()

	var docs []*types.Document

	for {
		_, doc, err := iter.Next()
		if errors.Is(err, iterator.ErrIteratorDone) {
			return docs, nil
		}

		if err != nil {
			return nil, lazyerrors.Error(err)
		}

		docs = append(docs, doc)

		if one {
			return docs, nil
		}
	}
}

// emptyIterator returns an iterator without documents.
func emptyIterator() types.DocumentsIterator {
	return iterator.Values(iterator.ForSlice([]*types.Document{}))
}
