package stream

import (
	"errors"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckFinite(t *testing.T) {
	const cols = 7
	x := make([]float64, 100*cols)
	for i := range x {
		x[i] = float64(i) - 300.5
	}
	x[3] = math.MaxFloat64
	x[4] = -math.SmallestNonzeroFloat64
	x[5] = math.Copysign(0, -1)
	require.NoError(t, CheckFinite(x, cols, 0))
	require.NoError(t, CheckFinite(nil, cols, 0))

	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Float64frombits(0xfff8000000000001)} {
		for _, k := range []int{0, 1, 255, 256, 257, 300, len(x) - 1} {
			y := append([]float64(nil), x...)
			y[k] = bad
			if k+5 < len(y) {
				y[k+5] = math.NaN() // only the first is reported
			}
			err := CheckFinite(y, cols, 41)
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrNonFinite))
			var de *DataError
			require.True(t, errors.As(err, &de))
			assert.Equal(t, int64(41+k/cols+1), de.Row, "k=%d", k)
			assert.Equal(t, k%cols+1, de.Column, "k=%d", k)
			assert.Equal(t, int64(-1), de.Offset)
		}
	}
	assert.Panics(t, func() { _ = CheckFinite(x[:5], cols, 0) })
}

func TestCheckFiniteAllocs(t *testing.T) {
	x := make([]float64, 64*64)
	allocs := testing.AllocsPerRun(100, func() {
		if CheckFinite(x, 64, 0) != nil {
			t.Fatal("unexpected error")
		}
	})
	assert.Zero(t, allocs)
}
