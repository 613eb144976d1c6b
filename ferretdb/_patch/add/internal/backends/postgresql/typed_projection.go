// Added by the directory service's build (ferretdb/_patch): queries that return some top-level fields of the
// documents (a find's projection that keeps them), read from the fields' columns where they have one.
//
// A whole document costs PostgreSQL its decompression and its conversion to text, and this program the decoding of
// the text (about half of it the document's schema, `$s`). A projection that keeps a few typed fields (a page of
// memberships: the group and user ids) reads their columns instead: PostgreSQL outputs a few short values, which are
// decoded with the types the validator fixes; a single field that an index holds is answered from the index alone
// (an index-only scan). Fields without a column, or whose type the validator leaves open (numbers: int, long or
// double), are read from the document with their schema element. With more than one field, the document's key
// order ($s.$k) comes along too, so that the fields come back in their stored order, as MongoDB returns them. The
// rows go through FerretDB's query iterator, which decodes them with projectedRows.

package postgresql

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/FerretDB/FerretDB/internal/backends/postgresql/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
)

// projectedField is one field of a projection: its schema element when the validator fixes it (else it is read
// with the value, from the next column).
type projectedField struct {
	name   string
	schema []byte
}

// projection says how to decode the columns of a projected query.
type projection struct {
	fields  []projectedField
	ordered bool // the last column is the document's key order
}

// kindSchemas are the schema elements of the kinds whose values have one BSON type (besides null).
var kindSchemas = map[metadata.Kind][]byte{
	metadata.KindString: []byte(`{"t": "string"}`),
	metadata.KindDate:   []byte(`{"t": "date"}`),
	metadata.KindBool:   []byte(`{"t": "bool"}`),
}

// projection returns the SELECT list that reads these top-level fields, and how to decode its columns.
func (b *sqlBuilder) projection(fields []string) (string, *projection) {
	p := &projection{ordered: len(fields) > 1}
	cols := make([]string, 0, 2*len(fields)+1)

	for _, name := range fields {
		kind := b.schema.KindOf(name)
		f := projectedField{name: name, schema: kindSchemas[kind]}

		// _id has no column (metadata.TypedSchema.Column): its value is read from the document
		cols = append(cols, b.field(name))

		if f.schema == nil {
			cols = append(cols, fmt.Sprintf("(%s #> ARRAY['$s', 'p', %s])", metadata.DefaultColumn, quoteLiteral(name)))
		}

		p.fields = append(p.fields, f)
	}

	if p.ordered {
		cols = append(cols, fmt.Sprintf("(%s #> '{$s,$k}')", metadata.DefaultColumn))
	}

	return strings.Join(cols, ", "), p
}

// newProjectedIterator returns an iterator over the rows of a projected query (FerretDB's query iterator, with this
// projection's decoding of a row).
func newProjectedIterator(ctx context.Context, rows pgx.Rows, p *projection) types.DocumentsIterator {
	iter := newQueryIterator(ctx, rows, false)
	iter.(*queryIterator).decode = (&projectedRows{p: p}).decode

	return iter
}

// projectedRows decodes the rows of a projected query into documents.
type projectedRows struct {
	p      *projection
	raw    [][]byte // the current row's columns (NULL: nil)
	dest   []any    // pointers to raw, for Scan
	values []any    // the decoded value of each field (nil: missing)
}

// decode builds the document of the current row.
func (r *projectedRows) decode(rows pgx.Rows) (*types.Document, error) {
	if r.dest == nil {
		r.raw = make([][]byte, len(rows.FieldDescriptions()))
		r.dest = make([]any, len(r.raw))

		for i := range r.raw {
			r.dest[i] = &r.raw[i]
		}

		r.values = make([]any, len(r.p.fields))
	}

	if err := rows.Scan(r.dest...); err != nil {
		return nil, lazyerrors.Error(err)
	}

	present := 0
	col := 0

	for i, f := range r.p.fields {
		value := r.raw[col]
		col++

		schema := f.schema
		if schema == nil {
			schema = r.raw[col]
			col++
		}

		r.values[i] = nil

		if value == nil { // missing
			continue
		}

		if schema == nil {
			return nil, lazyerrors.Errorf("no schema for field %q", f.name)
		}

		v, err := sjson.UnmarshalValue(schema, value)
		if err != nil {
			return nil, lazyerrors.Error(err)
		}

		r.values[i] = v
		present++
	}

	doc := types.MakeDocument(present)

	if !r.p.ordered {
		for i, f := range r.p.fields {
			if v := r.values[i]; v != nil {
				doc.Set(f.name, v)
			}
		}

		return doc, nil
	}

	keys, err := sjson.UnmarshalKeys(r.raw[col])
	if err != nil {
		return nil, lazyerrors.Error(err)
	}

	for _, k := range keys {
		for i, f := range r.p.fields {
			if v := r.values[i]; v != nil && f.name == k {
				doc.Set(k, v)
				break
			}
		}
	}

	if doc.Len() != present {
		return nil, lazyerrors.Errorf("%d fields missing from the document's keys", present-doc.Len())
	}

	return doc, nil
}
