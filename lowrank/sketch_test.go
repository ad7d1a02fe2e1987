package lowrank

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/digits"
	"github.com/linstream/linstream/sketch"
	"github.com/linstream/linstream/stream"
)

func TestFromSketchBounds(t *testing.T) {
	cases := []struct {
		name string
		a    []float64
		n, d int
	}{
		{"digits", digits.Pixels(), digits.Rows, digits.Cols},
		{"gap", gapMatrix(400, 50, 5, 3), 400, 50},
	}
	for _, c := range cases {
		ref := refValues(t, c.a, c.n, c.d)
		for _, ell := range []int{12, 30} {
			fd, err := sketch.NewFrequentDirections(c.d, ell)
			require.NoError(t, err)
			_, err = stream.Copy(fd, stream.NewSliceReader(c.a, c.d))
			require.NoError(t, err)
			for _, r := range []int{1, 5, 10} {
				res, err := FromSketch(fd, r)
				require.NoError(t, err)
				require.Equal(t, MethodSketch, res.Method)
				opt := tailOf(ref, r)
				scale := ref[0] * ref[0]
				tol := 1e-9 * scale
				// Achieved error ≤ TailEnergy; optimum in [TailLower, TailEnergy].
				achieved := errorAVV(c.a, c.n, c.d, res.V, res.Rank)
				assert.LessOrEqual(t, achieved*achieved, res.TailEnergy+tol, c.name)
				assert.LessOrEqual(t, res.TailLower, opt+tol, c.name)
				assert.GreaterOrEqual(t, res.TailEnergy+tol, opt, c.name)
				// FD projection guarantee.
				assert.LessOrEqual(t, achieved*achieved, (1+float64(r)/float64(ell-r))*opt+tol, "%s ℓ=%d r=%d", c.name, ell, r)
				for i, s := range res.Sigma {
					assert.LessOrEqual(t, s, ref[i]*(1+1e-9))
					assert.GreaterOrEqual(t, math.Sqrt(s*s+res.Delta), ref[i]*(1-1e-9))
				}
				if res.Unique {
					// Certified: the true gap is positive.
					assert.Greater(t, ref[r-1]-ref[r], 0.0)
				}
			}
		}
	}
	// Exact when rank(A) < ℓ: the sketch route agrees with the SVD.
	a := withSpectrum(100, 20, []float64{5, 4, 3, 2}, testRand(1))
	fd, _ := sketch.NewFrequentDirections(20, 8)
	_, err := stream.Copy(fd, stream.NewSliceReader(a, 20))
	require.NoError(t, err)
	res, err := FromSketch(fd, 2)
	require.NoError(t, err)
	assert.InDelta(t, 0, res.Delta, 1e-12)
	assert.InDelta(t, 3*3+2*2, res.TailEnergy, 1e-9)
	assert.InDelta(t, 3*3+2*2, res.TailLower, 1e-9)
	assert.True(t, res.Unique)
	assert.Nil(t, res.U)
	assert.Equal(t, byte('V'), res.SignsFrom)

	empty, _ := sketch.NewFrequentDirections(3, 4)
	_, err = FromSketch(empty, 1)
	require.ErrorIs(t, err, stream.ErrEmpty)
}
