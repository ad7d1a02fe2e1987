package binfmt

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRoundTrip(t *testing.T) {
	b := AppendHeader(nil, KindGram, 2)
	b = AppendInt(b, -7)
	b = AppendFloat64(b, math.Inf(-1))
	b = AppendFloat64s(b, []float64{1, 2.5, -0})
	require.True(t, IsState(b))

	d, v := NewDecoder("test", b, KindGram, 2)
	require.Equal(t, byte(2), v)
	require.Equal(t, -7, d.Int("n", -10, 10))
	require.True(t, math.IsInf(d.Float64(), -1))
	require.Equal(t, []float64{1, 2.5, 0}, d.Float64s("x", nil, 3))
	require.NoError(t, d.Finish())
}

func TestRejects(t *testing.T) {
	good := AppendFloat64s(AppendHeader(nil, KindOja, 1), []float64{1, 2})
	for name, c := range map[string]struct {
		b       []byte
		kind    byte
		max     byte
		message string
	}{
		"short header": {good[:5], KindOja, 1, "shorter than the 6-byte header"},
		"magic":        {append([]byte("XNS\x00"), good[4:]...), KindOja, 1, "bad magic"},
		"kind":         {good, KindGram, 1, "kind 16, want 7"},
		"version 0":    {append(AppendHeader(nil, KindOja, 0), good[6:]...), KindOja, 1, "unsupported version 0"},
		"newer":        {AppendHeader(nil, KindOja, 3), KindOja, 2, "unsupported version 3"},
	} {
		t.Run(name, func(t *testing.T) {
			d, _ := NewDecoder("test", c.b, c.kind, c.max)
			err := d.Finish()
			require.ErrorIs(t, err, ErrCorrupt)
			require.ErrorContains(t, err, c.message)
		})
	}

	// Lengths are checked against the bytes present before allocating.
	huge := AppendUint64(AppendHeader(nil, KindOja, 1), 1<<40)
	d, _ := NewDecoder("test", huge, KindOja, 1)
	require.Empty(t, d.Float64s("x", nil, -1))
	require.ErrorContains(t, d.Err(), "claims 1099511627776 values")

	d, _ = NewDecoder("test", good, KindOja, 1)
	require.Empty(t, d.Float64s("x", nil, 3))
	require.ErrorContains(t, d.Err(), "x has 2 values, want 3")

	d, _ = NewDecoder("test", AppendInt(AppendHeader(nil, KindOja, 1), 11), KindOja, 1)
	d.Int("n", 0, 10)
	require.ErrorContains(t, d.Err(), "n = 11, want 0 to 10")

	d, _ = NewDecoder("test", append(good, 0), KindOja, 1)
	d.Float64s("x", nil, 2)
	require.ErrorContains(t, d.Finish(), "1 trailing bytes")

	// Errors are sticky: later reads return zero values.
	d, _ = NewDecoder("test", AppendHeader(nil, KindOja, 1), KindOja, 1)
	require.Zero(t, d.Uint64())
	require.Zero(t, d.Float64())
	require.True(t, errors.Is(d.Finish(), ErrCorrupt))
}
