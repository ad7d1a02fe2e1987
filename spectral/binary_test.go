package spectral

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckpointResume(t *testing.T) {
	const d = 24
	a := randomMatrix(3000, d, 11)
	// Write half, checkpoint, restore into a zero value, write the rest:
	// the same result as an uninterrupted run, bit for bit.
	for _, half := range []int{1, 999, 1500, 2999} {
		ro, _ := NewRandomOrder(d, WithRows(3000), WithSeed(3))
		ref, _ := NewRandomOrder(d, WithRows(3000), WithSeed(3))
		_, err := ro.WriteRows(a[:half*d])
		require.NoError(t, err)
		blob, err := ro.MarshalBinary()
		require.NoError(t, err)
		var back RandomOrder
		require.NoError(t, back.UnmarshalBinary(blob))
		assert.Equal(t, fmt.Sprintf("%+v", ro.Result()), fmt.Sprintf("%+v", back.Result()))
		_, err = back.WriteRows(a[half*d:])
		require.NoError(t, err)
		_, _ = ref.WriteRows(a[:half*d])
		_, _ = ref.WriteRows(a[half*d:])
		assert.Equal(t, fmt.Sprintf("%+v", ref.Result()), fmt.Sprintf("%+v", back.Result()), "split at %d", half)
		again, _ := back.AppendBinary([]byte("prefix"))
		assert.Equal(t, "prefix", string(again[:6]))

		oja, _ := NewOja(d, WithSeed(3), WithSchedule(InvSqrtT(0.01)))
		oref, _ := NewOja(d, WithSeed(3), WithSchedule(InvSqrtT(0.01)))
		_, _ = oja.WriteRows(a[:half*d])
		blob, err = oja.MarshalBinary()
		require.NoError(t, err)
		var oback Oja
		require.NoError(t, oback.UnmarshalBinary(blob))
		_, _ = oback.WriteRows(a[half*d:])
		_, _ = oref.WriteRows(a[:half*d])
		_, _ = oref.WriteRows(a[half*d:])
		assert.Equal(t, fmt.Sprintf("%+v", oref.Result()), fmt.Sprintf("%+v", oback.Result()))
		assert.Equal(t, oref.Schedule(), oback.Schedule())
	}
}

func TestUnmarshalRejectsCorruptState(t *testing.T) {
	const d = 8
	a := randomMatrix(500, d, 12)
	ro, _ := NewRandomOrder(d, WithRows(500))
	_, _ = ro.WriteRows(a[:300*d])
	oja, _ := NewOja(d)
	_, _ = oja.WriteRows(a[:300*d])
	rb, _ := ro.MarshalBinary()
	ob, _ := oja.MarshalBinary()
	type um interface{ UnmarshalBinary([]byte) error }
	for _, c := range []struct {
		blob []byte
		dst  func() um
	}{{rb, func() um { return &RandomOrder{} }}, {ob, func() um { return &Oja{} }}} {
		// Every truncation fails.
		for n := 0; n < len(c.blob); n += 7 {
			assert.ErrorIs(t, c.dst().UnmarshalBinary(c.blob[:n]), ErrCorrupt, "truncated at %d", n)
		}
		assert.ErrorIs(t, c.dst().UnmarshalBinary(append(append([]byte(nil), c.blob...), 0)), ErrCorrupt)
		// The other kind is refused.
		other := rb
		if &c.blob[0] == &rb[0] {
			other = ob
		}
		assert.ErrorIs(t, c.dst().UnmarshalBinary(other), ErrCorrupt)
		// Flipping a counter or a value to NaN is caught.
		bad := append([]byte(nil), c.blob...)
		for i := 6 + 8; i < 6+8*12; i++ {
			bad[i] = 0xff
		}
		assert.ErrorIs(t, c.dst().UnmarshalBinary(bad), ErrCorrupt)
	}
	// A failed decode leaves the receiver unchanged.
	before := fmt.Sprintf("%+v", ro.Result())
	assert.Error(t, ro.UnmarshalBinary(rb[:40]))
	assert.Equal(t, before, fmt.Sprintf("%+v", ro.Result()))
}

// A version-1 Oja state (before pending steps were encoded) still decodes:
// it is a version-2 state with no step pending, less the trailing fields.
func TestOjaReadsVersion1(t *testing.T) {
	const d = 12
	a := randomMatrix(128, d, 4)
	o, _ := NewOja(d, WithSeed(2))
	_, err := o.WriteRows(a) // 128 rows: the last normalization leaves no step pending
	require.NoError(t, err)
	require.False(t, o.hasPend)
	blob, err := o.MarshalBinary()
	require.NoError(t, err)
	v1 := append([]byte(nil), blob[:len(blob)-(8+16+8+8*d)]...)
	v1[5] = 1
	var back Oja
	require.NoError(t, back.UnmarshalBinary(v1))
	assert.Equal(t, fmt.Sprintf("%#v", o.Result()), fmt.Sprintf("%#v", back.Result()))
	// And a step pending across a checkpoint survives it.
	_, err = o.WriteRows(a[:5*d])
	require.NoError(t, err)
	require.True(t, o.hasPend)
	blob, err = o.MarshalBinary()
	require.NoError(t, err)
	require.NoError(t, back.UnmarshalBinary(blob))
	assert.Equal(t, fmt.Sprintf("%#v", o.Result()), fmt.Sprintf("%#v", back.Result()))
	_, _ = o.WriteRows(a[5*d:])
	_, _ = back.WriteRows(a[5*d:])
	assert.Equal(t, fmt.Sprintf("%#v", o.Result()), fmt.Sprintf("%#v", back.Result()))
}
