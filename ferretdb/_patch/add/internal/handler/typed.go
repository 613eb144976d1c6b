// Added by the directory service's build (ferretdb/_patch): the handler's side of typed collections
// (backends.TypedCollection): queries the backend evaluates whole, counts, `collMod` with a `$jsonSchema`
// validator, `createSearchIndexes`, compare-and-set updates and deletes, and clearer write errors.

package handler

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/FerretDB/wire"

	"github.com/FerretDB/FerretDB/internal/backends"
	"github.com/FerretDB/FerretDB/internal/backends/postgresql/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/common"
	"github.com/FerretDB/FerretDB/internal/handler/handlererrors"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/iterator"
	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// findQuery runs a find's query through the backend's typed query when it has one, and tells params what the
// backend did (a sort it applied is not applied again, nor a skip); otherwise it is coll.Query.
func (h *Handler) findQuery(ctx context.Context, coll backends.Collection, qp *backends.QueryParams, params *common.FindParams) (*backends.QueryResult, error) { //nolint:lll // for readability
	tc, ok := backends.AsTyped(coll)
	if !ok || h.DisablePushdown || params.Tailable {
		return coll.Query(ctx, qp)
	}

	fields, _ := keptFields(params.Projection)

	res, err := tc.TypedQuery(ctx, &backends.TypedQueryParams{
		Filter:  params.Filter,
		Sort:    params.Sort,
		Skip:    params.Skip,
		Limit:   params.Limit,
		Comment: qp.Comment,
		Fields:  fields,
	})
	if err != nil {
		return nil, err
	}

	if res == nil {
		return coll.Query(ctx, qp)
	}

	if res.Sorted {
		params.Sort = nil
	}

	if res.Projected {
		params.Projection = nil
	}

	if res.SkipLimitApplied {
		params.Skip = 0
	}

	if res.FilterExact {
		return &backends.QueryResult{Iter: &exactIterator{res.Iter}}, nil
	}

	return &backends.QueryResult{Iter: res.Iter}, nil
}

// keptFields returns the top-level fields a find's projection keeps when it only names fields to keep
// (`{a: 1, b: true}`; `_id` too unless `_id: 0` or `false`). ok is false for any other projection (exclusions,
// dotted paths, operators, expressions), which FerretDB applies itself.
func keptFields(projection *types.Document) (fields []string, ok bool) {
	if projection.Len() == 0 {
		return nil, false
	}

	keepID := true

	for _, k := range projection.Keys() {
		if k == "" || strings.ContainsAny(k, ".$") {
			return nil, false
		}

		var keep bool

		switch v := must.NotFail(projection.Get(k)).(type) {
		case bool:
			keep = v
		case int32:
			keep = v != 0
		case int64:
			keep = v != 0
		case float64:
			keep = v != 0
		default:
			return nil, false
		}

		switch {
		case k == "_id":
			keepID = keep
		case keep:
			fields = append(fields, k)
		default:
			return nil, false // an exclusion
		}
	}

	if len(fields) == 0 {
		return nil, false // `{_id: 1}` or `{_id: 0}` alone: left to FerretDB
	}

	if keepID {
		fields = append([]string{"_id"}, fields...)
	}

	return fields, true
}

// exactIterator marks the documents of a query whose filter the backend evaluated exactly: makeFindIter does not
// evaluate it again.
type exactIterator struct {
	types.DocumentsIterator
}

// typedCount answers the count command from the backend when it can count exactly; nil otherwise.
func typedCount(ctx context.Context, c backends.Collection, params *common.CountParams) (*wire.OpMsg, error) {
	tc, ok := backends.AsTyped(c)
	if !ok {
		return nil, nil
	}

	n, ok, err := tc.TypedCount(ctx, params.Filter, params.Skip, params.Limit)
	if err != nil || !ok {
		return nil, err
	}

	return documentOpMsg(must.NotFail(types.NewDocument("n", sumValue(n), "ok", float64(1))))
}

// sumValue is a count as MongoDB's `$sum` of 1s returns it: an int, or a long when it does not fit.
func sumValue(n int64) any {
	if n <= math.MaxInt32 {
		return int32(n)
	}

	return n
}

// countValue is `$sum: one` over n documents as MongoDB (and FerretDB's $sum) returns it: of ints an int (a long
// when it does not fit), of longs a long, of doubles a double.
func countValue(one any, n int64) any {
	switch one.(type) {
	case int64:
		return n
	case float64:
		return float64(n)
	default:
		return sumValue(n)
	}
}

// typedAggregate answers a pipeline of an optional `$match` and one `$group` that counts — `{_id: <constant> or
// "$field", <name>: {$sum: 1}, ...}`, which is also how drivers' countDocuments counts — from the backend when it
// can count exactly. ok is false otherwise.
func typedAggregate(ctx context.Context, c backends.Collection, stages []any) (types.DocumentsIterator, bool, error) {
	tc, typed := backends.AsTyped(c)
	if !typed || len(stages) == 0 || len(stages) > 2 {
		return nil, false, nil
	}

	var filter *types.Document

	if len(stages) == 2 {
		match, ok := stages[0].(*types.Document)
		if !ok || match.Len() != 1 || !match.Has("$match") {
			return nil, false, nil
		}

		if filter, ok = must.NotFail(match.Get("$match")).(*types.Document); !ok {
			return nil, false, nil
		}
	}

	group, ok := stages[len(stages)-1].(*types.Document)
	if !ok || group.Len() != 1 || !group.Has("$group") {
		return nil, false, nil
	}

	spec, ok := must.NotFail(group.Get("$group")).(*types.Document)
	if !ok || !spec.Has("_id") {
		return nil, false, nil
	}

	id := must.NotFail(spec.Get("_id"))

	var field string

	switch id := id.(type) {
	case string:
		if strings.HasPrefix(id, "$") {
			field = id[1:]
			if field == "" || strings.ContainsAny(field, ".$") {
				return nil, false, nil
			}
		}
	case *types.Document, *types.Array:
		return nil, false, nil
	}

	var counters []string

	ones := map[string]any{} // each counter's 1, whose type is the type of its sum

	for _, k := range spec.Keys() {
		if k == "_id" {
			continue
		}

		acc, ok := must.NotFail(spec.Get(k)).(*types.Document)
		if !ok || acc.Len() != 1 || !acc.Has("$sum") {
			return nil, false, nil
		}

		one := must.NotFail(acc.Get("$sum"))

		switch one := one.(type) {
		case int32:
			ok = one == 1
		case int64:
			ok = one == 1
		case float64:
			ok = one == 1
		default:
			ok = false
		}

		if !ok {
			return nil, false, nil
		}

		counters = append(counters, k)
		ones[k] = one
	}

	groups, ok, err := tc.TypedGroupCount(ctx, &backends.TypedGroupCountParams{Filter: filter, Field: field})
	if err != nil || !ok {
		return nil, false, err
	}

	docs := make([]*types.Document, len(groups))

	for i, g := range groups {
		key := id
		if field != "" {
			key = g.Key
		}

		d := must.NotFail(types.NewDocument("_id", key))
		for _, k := range counters {
			d.Set(k, countValue(ones[k], g.Count))
		}

		docs[i] = d
	}

	return iterator.Values(iterator.ForSlice(docs)), true, nil
}

// typedExplain explains a find or count on a typed collection with the backend's plan for the typed query (for a
// count, the count's own); nil otherwise. With verbosity "executionStats" or "allPlansExecution" the backend runs
// it and the plan carries what happened (PostgreSQL's EXPLAIN ANALYZE: actual rows and times, heap fetches); with
// none, or "queryPlanner", the plan only (MongoDB's default verbosity runs the query: here it is asked for).
func typedExplain(ctx context.Context, coll backends.Collection, params *common.ExplainParams, document, extra *types.Document) (*wire.OpMsg, error) { //nolint:lll // for readability
	tc, ok := backends.AsTyped(coll)
	if !ok || params.Aggregate {
		return nil, nil
	}

	verbosity, _ := document.Get("verbosity")
	count := params.Command.Command() == "count"

	qp := &backends.TypedQueryParams{
		Filter:  params.Filter,
		Skip:    params.Skip,
		Limit:   params.Limit,
		Count:   count,
		Analyze: verbosity == "executionStats" || verbosity == "allPlansExecution",
	}

	if !count {
		qp.Sort = params.Sort

		if projection, ok := params.Command.Map()["projection"].(*types.Document); ok {
			qp.Fields, _ = keptFields(projection)
		}
	}

	res, err := tc.TypedExplain(ctx, qp)
	if err != nil || res == nil {
		return nil, err
	}

	doc := must.NotFail(types.NewDocument("queryPlanner", res.QueryPlanner))
	for _, k := range extra.Keys() {
		doc.Set(k, must.NotFail(extra.Get(k)))
	}

	doc.Set("filterPushdown", res.FilterExact)
	doc.Set("sortPushdown", res.Sorted)
	doc.Set("limitPushdown", res.SkipLimitApplied)
	doc.Set("projectionPushdown", res.Projected)
	doc.Set("ok", float64(1))

	return documentOpMsg(doc)
}

// typedCollMod implements `collMod` with `validator` (a `$jsonSchema` document, see
// backends/postgresql/metadata/typed_schema.go), `validationLevel: "strict"` and `validationAction: "error"`.
func (h *Handler) typedCollMod(ctx context.Context, msg *wire.OpMsg) (*wire.OpMsg, error) {
	document, err := opMsgDocument(msg)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	command := document.Command()

	dbName, err := common.GetRequiredParam[string](document, "$db")
	if err != nil {
		return nil, err
	}

	collectionName, err := common.GetRequiredParam[string](document, command)
	if err != nil {
		return nil, err
	}

	var validator *types.Document

	for _, k := range document.Keys() {
		v := must.NotFail(document.Get(k))

		switch k {
		case command, "$db", "lsid", "$clusterTime", "$readPreference", "writeConcern", "comment":
		case "validator":
			var ok bool
			if validator, ok = v.(*types.Document); !ok {
				return nil, handlererrors.NewCommandErrorMsgWithArgument(
					handlererrors.ErrTypeMismatch, "'validator' must be an object", command,
				)
			}
		case "validationLevel", "validationAction":
			if s, _ := v.(string); s != map[string]string{"validationLevel": "strict", "validationAction": "error"}[k] {
				return nil, handlererrors.NewCommandErrorMsgWithArgument(
					handlererrors.ErrNotImplemented, fmt.Sprintf("collMod: only the default %s is supported", k), command,
				)
			}
		default:
			return nil, handlererrors.NewCommandErrorMsgWithArgument(
				handlererrors.ErrNotImplemented, fmt.Sprintf("collMod: %q is not supported, only validator", k), command,
			)
		}
	}

	if validator == nil {
		return documentOpMsg(must.NotFail(types.NewDocument("ok", float64(1))))
	}

	c, err := h.typedCollection(dbName, collectionName, command)
	if err != nil {
		return nil, err
	}

	err = c.SetValidator(ctx, validator)

	var se *metadata.SchemaError

	switch {
	case err == nil:
		return documentOpMsg(must.NotFail(types.NewDocument("ok", float64(1))))
	case errors.As(err, &se):
		return nil, handlererrors.NewCommandErrorMsgWithArgument(handlererrors.ErrBadValue, se.Error(), command)
	case errors.Is(err, metadata.ErrCollectionNotFound):
		return nil, handlererrors.NewCommandErrorMsgWithArgument(
			handlererrors.ErrNamespaceNotFound, fmt.Sprintf("ns does not exist: %s.%s", dbName, collectionName), command,
		)
	case errors.Is(err, metadata.ErrExistingDocuments):
		return nil, handlererrors.NewCommandErrorMsgWithArgument(
			handlererrors.ErrDocumentValidationFailure, err.Error(), command,
		)
	default:
		return nil, lazyerrors.Error(err)
	}
}

// MsgCreateSearchIndexes implements `createSearchIndexes` for string fields: `{createSearchIndexes: coll,
// indexes: [{name, definition: {mappings: {dynamic: false, fields: {<field>: {type: "string"}, ...}}}}]}`.
// Each field gets a trigram index that answers substring regular expressions (`/abc/`, `/^abc/`) on it.
func (h *Handler) MsgCreateSearchIndexes(ctx context.Context, msg *wire.OpMsg) (*wire.OpMsg, error) {
	document, err := opMsgDocument(msg)
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	command := document.Command()

	dbName, err := common.GetRequiredParam[string](document, "$db")
	if err != nil {
		return nil, err
	}

	collectionName, err := common.GetRequiredParam[string](document, command)
	if err != nil {
		return nil, err
	}

	indexes, err := common.GetRequiredParam[*types.Array](document, "indexes")
	if err != nil {
		return nil, err
	}

	bad := func(msg string) error {
		return handlererrors.NewCommandErrorMsgWithArgument(handlererrors.ErrBadValue, msg, command)
	}

	var fields []string

	created := types.MakeArray(indexes.Len())

	for i := 0; i < indexes.Len(); i++ {
		index, ok := must.NotFail(indexes.Get(i)).(*types.Document)
		if !ok {
			return nil, bad("each index must be an object")
		}

		name, _ := must.NotFail(index.Get("name")).(string)
		if name == "" {
			return nil, bad("each index needs a name")
		}

		def, _ := index.Get("definition")
		mappings, _ := def.(*types.Document)

		var fieldsDoc *types.Document

		if mappings != nil {
			m, _ := mappings.Get("mappings")
			if md, _ := m.(*types.Document); md != nil {
				if dyn, _ := md.Get("dynamic"); dyn != false {
					return nil, bad("only dynamic: false mappings are supported")
				}

				f, _ := md.Get("fields")
				fieldsDoc, _ = f.(*types.Document)
			}
		}

		if fieldsDoc == nil || fieldsDoc.Len() == 0 {
			return nil, bad("definition.mappings.fields must name the fields")
		}

		for _, f := range fieldsDoc.Keys() {
			spec, _ := must.NotFail(fieldsDoc.Get(f)).(*types.Document)
			t, _ := spec.Get("type")

			if t != "string" || f == "" || strings.ContainsAny(f, ".$") {
				return nil, bad(fmt.Sprintf("field %q: only top-level fields of type \"string\" are supported", f))
			}

			fields = append(fields, f)
		}

		created.Append(must.NotFail(types.NewDocument("id", name, "name", name)))
	}

	c, err := h.typedCollection(dbName, collectionName, command)
	if err != nil {
		return nil, err
	}

	if _, err = c.CreateSearchIndexes(ctx, fields); err != nil {
		if errors.Is(err, metadata.ErrCollectionNotFound) {
			return nil, handlererrors.NewCommandErrorMsgWithArgument(
				handlererrors.ErrNamespaceNotFound, fmt.Sprintf("ns does not exist: %s.%s", dbName, collectionName), command,
			)
		}

		return nil, lazyerrors.Error(err)
	}

	return documentOpMsg(must.NotFail(types.NewDocument("indexesCreated", created, "ok", float64(1))))
}

// typedCollection returns the typed interface of a collection, or a NotImplemented error for other backends.
func (h *Handler) typedCollection(dbName, collectionName, command string) (backends.TypedCollection, error) {
	db, err := h.b.Database(dbName)
	if err != nil {
		return nil, handlererrors.NewCommandErrorMsgWithArgument(
			handlererrors.ErrInvalidNamespace, fmt.Sprintf("Invalid namespace specified '%s.%s'", dbName, collectionName), command,
		)
	}

	c, err := db.Collection(collectionName)
	if err != nil {
		return nil, handlererrors.NewCommandErrorMsgWithArgument(
			handlererrors.ErrInvalidNamespace, fmt.Sprintf("Invalid collection name: %s", collectionName), command,
		)
	}

	tc, ok := backends.AsTyped(c)
	if !ok {
		return nil, handlererrors.NewCommandErrorMsgWithArgument(
			handlererrors.ErrNotImplemented, command+" is supported with the PostgreSQL backend only", command,
		)
	}

	return tc, nil
}

// writeErrorOf maps an insert's backend error to a write error: a duplicate key (naming the index, as MongoDB's
// message does) or a document the validator refuses. ok is false for other errors.
func writeErrorOf(err error, index int, db, coll string) (we *writeError, ok bool) {
	var ve *backends.ValidationError

	switch {
	case backends.IsDuplicateKey(err):
		return &writeError{index, handlererrors.ErrDuplicateKeyInsert, duplicateKeyMessage(err, db, coll)}, true
	case errors.As(err, &ve):
		return &writeError{index, handlererrors.ErrDocumentValidationFailure, "Document failed validation"}, true
	default:
		return nil, false
	}
}

type writeError struct {
	index int
	code  handlererrors.ErrorCode
	msg   string
}

// duplicateKeyMessage is MongoDB's E11000 message, with the index when the backend knows it.
func duplicateKeyMessage(err error, db, coll string) string {
	msg := fmt.Sprintf(`E11000 duplicate key error collection: %s.%s`, db, coll)
	if index := backends.DuplicateKeyIndex(err); index != "" {
		msg += " index: " + index
	}

	return msg
}

// typedUpdateError maps update and findAndModify errors the backend's typed writes return; nil for others.
// (They reach it wrapped, unlike an insert's.)
func typedUpdateError(db, coll, command string, err error) error {
	var ve *backends.ValidationError

	switch {
	case backends.IsDuplicateKey(err):
		return common.NewUpdateError(handlererrors.ErrDuplicateKeyInsert, duplicateKeyMessage(err, db, coll), command)
	case errors.As(err, &ve):
		return common.NewUpdateError(handlererrors.ErrDocumentValidationFailure, "Document failed validation", command)
	default:
		return nil
	}
}

// statementQuery is the query of one update, findAndModify or delete statement: the backend's documents that
// may match (through its typed query when it has one, as finds), filtered (and sorted when sort is not empty).
func (h *Handler) statementQuery(c backends.Collection, filter, sort *types.Document) common.StatementQuery {
	return func(ctx context.Context) (types.DocumentsIterator, error) {
		iter, exact, err := h.queryDocuments(ctx, c, filter)
		if err != nil {
			return nil, err
		}

		closer := iterator.NewMultiCloser(iter)
		if !exact {
			iter = common.FilterIterator(iter, closer, filter)
		}

		if iter, err = common.SortIterator(iter, closer, sort); err != nil {
			closer.Close()

			var pathErr *types.PathError
			if errors.As(err, &pathErr) && pathErr.Code() == types.ErrPathElementEmpty {
				return nil, handlererrors.NewCommandErrorMsgWithArgument(
					handlererrors.ErrPathContainsEmptyElement,
					"FieldPath field names may not be empty strings.",
					"findAndModify",
				)
			}

			return nil, lazyerrors.Error(err)
		}

		return iterator.WithClose(iter, closer.Close), nil
	}
}

// queryDocuments returns the documents that may match filter: from the backend's typed query when it has one
// (exact says whether they all match), else from its Query.
func (h *Handler) queryDocuments(ctx context.Context, c backends.Collection, filter *types.Document) (types.DocumentsIterator, bool, error) { //nolint:lll // for readability
	if tc, ok := backends.AsTyped(c); ok && !h.DisablePushdown {
		res, err := tc.TypedQuery(ctx, &backends.TypedQueryParams{Filter: filter})
		if err != nil {
			return nil, false, lazyerrors.Error(err)
		}

		if res != nil {
			return res.Iter, res.FilterExact, nil
		}
	}

	var qp backends.QueryParams
	if !h.DisablePushdown {
		qp.Filter = filter
	}

	res, err := c.Query(ctx, &qp)
	if err != nil {
		return nil, false, lazyerrors.Error(err)
	}

	return res.Iter, false, nil
}

// deleteStatement deletes the documents matching filter (the first only when limited, in sort order), with
// compare-and-set when the backend has it; it starts over when a limited delete's document changed meanwhile.
func (h *Handler) deleteStatement(ctx context.Context, c backends.Collection, filter, sort *types.Document, limited bool) ([]*types.Document, error) { //nolint:lll // for readability
	query := h.statementQuery(c, filter, sort)

	for attempt := 0; attempt < 1000; attempt++ {
		iter, err := query(ctx)
		if err != nil {
			return nil, err
		}

		deleted, again, err := common.DeleteMatching(ctx, c, iter, filter, limited)
		if err != nil || !again {
			return deleted, err
		}
	}

	return nil, lazyerrors.Errorf("write conflict: delete retried too often")
}
