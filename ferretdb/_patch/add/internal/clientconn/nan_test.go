// Added by the directory service's build (ferretdb/_patch): tests of nan.go.

package clientconn

import (
	"math"
	"testing"

	"github.com/FerretDB/wire"
	"github.com/FerretDB/wire/wirebson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckRequestNaNs(t *testing.T) {
	t.Parallel()

	// FerretDB's handler package turns the wire package's own check off; without it, these messages are built.
	wire.CheckNaNs = false

	msg := func(doc *wirebson.Document) *wire.OpMsg {
		m, err := wire.NewOpMsg(doc)
		require.NoError(t, err)

		return m
	}

	t.Run("Clean", func(t *testing.T) {
		t.Parallel()

		doc := wirebson.MustDocument("insert", "c", "x", 1.5, "a", wirebson.MustArray(int32(1), "s"))
		assert.NoError(t, checkRequestNaNs(msg(doc)))
	})

	t.Run("Top", func(t *testing.T) {
		t.Parallel()

		doc := wirebson.MustDocument("insert", "c", "x", math.NaN())
		assert.ErrorIs(t, checkRequestNaNs(msg(doc)), errNaN)
	})

	t.Run("Nested", func(t *testing.T) {
		t.Parallel()

		inner := wirebson.MustDocument("y", wirebson.MustArray(1.0, wirebson.MustDocument("z", math.NaN())))
		doc := wirebson.MustDocument("insert", "c", "documents", wirebson.MustArray(inner))
		assert.ErrorIs(t, checkRequestNaNs(msg(doc)), errNaN)
	})

	t.Run("OtherMessages", func(t *testing.T) {
		t.Parallel()

		assert.NoError(t, checkRequestNaNs(&wire.OpQuery{}))
	})
}
