// Added by the directory service's build (ferretdb/_patch): the optional capabilities a backend offers when
// collections declare typed fields (a `$jsonSchema` validator set with collMod), and compare-and-set writes.

package backends

import (
	"context"
	"errors"

	"github.com/FerretDB/FerretDB/internal/types"
)

// TypedQueryParams is a query the backend may evaluate entirely: filter, sort, skip and limit.
type TypedQueryParams struct {
	Filter  *types.Document
	Sort    *types.Document // validated sort document ({field: ±1}), or nil
	Skip    int64
	Limit   int64 // 0: no limit
	Comment string

	// Fields, when set, are the only top-level fields the query returns (a projection that keeps them): the
	// backend may return documents of just these fields (Projected), or whole documents.
	Fields []string

	// For TypedExplain only. Count: explain the count of the matching documents (TypedCount) instead of the query
	// (Sort and Fields do not apply). Analyze: run it and report what it did (MongoDB's "executionStats"
	// verbosity), not only the plan.
	Count   bool
	Analyze bool
}

// TypedQueryResult tells the handler what the backend did.
//
// Documents not matching the filter may come back unless FilterExact; the handler always filters again.
// When Sorted, the documents come in Sort order. When SkipLimitApplied, Skip and Limit were applied and must not be
// applied again.
type TypedQueryResult struct {
	Iter             types.DocumentsIterator
	FilterExact      bool
	Sorted           bool
	SkipLimitApplied bool
	Projected        bool // the documents hold only the Fields asked for, in their stored order
}

// TypedGroupCountParams counts the documents matching Filter, grouped by the value of Field ("" for one group).
type TypedGroupCountParams struct {
	Filter *types.Document
	Field  string
}

// TypedGroup is one group of a TypedGroupCount result; Key is nil for the single group of an empty Field.
type TypedGroup struct {
	Key   any
	Count int64
}

// TypedCollection is implemented by collections of backends that can evaluate typed queries and compare-and-set.
type TypedCollection interface {
	// TypedQuery runs the query, evaluating what it can exactly (see TypedQueryResult). It returns nil when the
	// collection has no typed fields: the caller then uses Query.
	TypedQuery(ctx context.Context, params *TypedQueryParams) (*TypedQueryResult, error)

	// TypedCount returns the number of documents matching filter, after skip and limit (limit 0: none).
	// ok is false when the backend cannot count exactly; the caller then counts itself.
	TypedCount(ctx context.Context, filter *types.Document, skip, limit int64) (n int64, ok bool, err error)

	// TypedGroupCount is TypedCount per value of a field. ok is false when it cannot be done exactly.
	TypedGroupCount(ctx context.Context, params *TypedGroupCountParams) (groups []TypedGroup, ok bool, err error)

	// TypedExplain returns the backend's plan for TypedQuery (or, with Count, TypedCount) with the same parameters,
	// or nil when not typed.
	TypedExplain(ctx context.Context, params *TypedQueryParams) (*TypedExplainResult, error)

	// CompareAndUpdate replaces the stored document equal to old (same _id) with doc; false if it changed since.
	CompareAndUpdate(ctx context.Context, old, doc *types.Document) (bool, error)

	// SetValidator sets (or, with an empty document, removes) the collection's `$jsonSchema` validator.
	SetValidator(ctx context.Context, validator *types.Document) error

	// CreateSearchIndexes creates substring search indexes on these top-level string fields; returns their names.
	CreateSearchIndexes(ctx context.Context, fields []string) ([]string, error)

	// CompareAndDelete deletes each stored document equal to one of olds; false for those that changed or are gone.
	CompareAndDelete(ctx context.Context, olds []*types.Document) ([]bool, error)
}

// TypedExplainResult is the backend's plan and what TypedQuery would evaluate.
type TypedExplainResult struct {
	QueryPlanner     *types.Document
	FilterExact      bool
	Sorted           bool
	SkipLimitApplied bool
	Projected        bool
}

// AsTyped returns the typed interface of a collection, if its backend has one. It unwraps the contract checker and
// decorators (their Unwrap method): typed writes are not recorded in the oplog decorator's `local.oplog.rs`.
func AsTyped(c Collection) (TypedCollection, bool) {
	for {
		w, ok := c.(interface{ Unwrap() Collection })
		if !ok {
			break
		}

		c = w.Unwrap()
	}

	tc, ok := c.(TypedCollection)

	return tc, ok
}

// Unwrap returns the checked collection.
func (cc *collectionContract) Unwrap() Collection { return cc.c }

// DuplicateKeyError is the detail of an ErrorCodeInsertDuplicateID error: which unique index the document broke.
type DuplicateKeyError struct {
	Index string // MongoDB index name; empty when unknown
	Cause error
}

// Error implements error interface.
func (e *DuplicateKeyError) Error() string {
	return "duplicate key in index " + e.Index + ": " + e.Cause.Error()
}

// Unwrap returns the cause.
func (e *DuplicateKeyError) Unwrap() error { return e.Cause }

// IsDuplicateKey tells whether err, anywhere in its chain, is an ErrorCodeInsertDuplicateID error (ErrorCodeIs
// looks at err itself only).
func IsDuplicateKey(err error) bool {
	var be *Error
	return errors.As(err, &be) && be.code == ErrorCodeInsertDuplicateID
}

// DuplicateKeyIndex returns the index named by a duplicate key error, or "".
func DuplicateKeyIndex(err error) string {
	var be *Error
	if !errors.As(err, &be) || be.code != ErrorCodeInsertDuplicateID {
		return ""
	}

	var de *DuplicateKeyError
	if errors.As(be.err, &de) {
		return de.Index
	}

	return ""
}

// ValidationError is returned by writes that break a collection's `$jsonSchema` validator.
type ValidationError struct {
	Cause error
}

// Error implements error interface.
func (e *ValidationError) Error() string { return "Document failed validation: " + e.Cause.Error() }

// Unwrap returns the cause.
func (e *ValidationError) Unwrap() error { return e.Cause }
