// Added by the directory service's build (ferretdb/_patch): the check of requests for NaNs, which FerretDB left
// to the wire package (see checkRequestNaNs).

package clientconn

import (
	"errors"
	"math"

	"github.com/FerretDB/wire"
	"github.com/FerretDB/wire/wirebson"

	"github.com/FerretDB/FerretDB/internal/util/lazyerrors"
)

// errNaN is a request that carries a float64 NaN, which FerretDB does not store.
var errNaN = errors.New("NaN is not supported")

// checkRequestNaNs refuses an OP_MSG request that carries a float64 NaN anywhere, as FerretDB does (a refused
// request closes the connection).
//
// FerretDB asked the wire package for that check (wire.CheckNaNs), which also decodes every reply it sends in full
// again, to look for NaNs in what it made itself from stored documents: 13% of the find handler's CPU on pages
// of 100 users with their groups. With wire.CheckNaNs off (handler/wire.go), requests are checked here instead.
func checkRequestNaNs(body wire.MsgBody) error {
	msg, ok := body.(*wire.OpMsg)
	if !ok {
		return nil
	}

	for _, s := range msg.Sections() {
		for _, raw := range s.Documents() {
			doc, err := raw.DecodeDeep()
			if err != nil {
				return lazyerrors.Error(err)
			}

			if err = checkNaN(doc); err != nil {
				return err
			}
		}
	}

	return nil
}

// checkNaN walks a decoded document or array.
func checkNaN(v any) error {
	switch v := v.(type) {
	case *wirebson.Document:
		for i := range v.Len() {
			_, f := v.GetByIndex(i)
			if err := checkNaN(f); err != nil {
				return err
			}
		}
	case *wirebson.Array:
		for i := range v.Len() {
			if err := checkNaN(v.Get(i)); err != nil {
				return err
			}
		}
	case float64:
		if math.IsNaN(v) {
			return errNaN
		}
	}

	return nil
}
