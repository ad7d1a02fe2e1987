package sketch

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The hash is a pure function: pin a few values so a change of the
// construction (which would change every sketch's bits) cannot go unnoticed.
func TestHashPinned(t *testing.T) {
	// SplitMix64 seeded with 0: first outputs are well known.
	assert.Equal(t, uint64(0xe220a8397b1dcdaf), hashAt(0, 0))
	assert.Equal(t, uint64(0x6e789e6aa1b965f4), hashAt(0, 1))
	assert.Equal(t, uint64(0x06c45d188009454f), hashAt(0, 2))
}

func TestHashBucketUniform(t *testing.T) {
	// Chi-square of bucket counts over 10⁵ consecutive indices, 50 buckets:
	// 49 degrees of freedom, 99.9% quantile ≈ 85.4.
	const m, n = 50, 100000
	key := hashKey(7, domainCountSketch)
	var cnt [m]float64
	var neg int
	for i := range uint64(n) {
		h := hashAt(key, i)
		cnt[hashBucket(h, m)]++
		neg += int(h & 1)
	}
	var chi float64
	for _, c := range cnt {
		chi += (c - n/m) * (c - n/m) / (n / m)
	}
	assert.Less(t, chi, 85.4)
	assert.InDelta(t, n/2, neg, 4*math.Sqrt(n/4.0))
}

func TestHashUnitOpen(t *testing.T) {
	assert.Equal(t, 0x1p-53, hashUnitOpen(0))
	assert.Equal(t, 1.0, hashUnitOpen(math.MaxUint64))
}

func TestSqNormExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 512} {
		x := make([]float64, n)
		var want float64
		for i := range x {
			x[i] = r.NormFloat64()
			want += x[i] * x[i]
		}
		assert.InDelta(t, want, sqNormExact(x), 1e-12*(1+want))
	}
	assert.True(t, math.IsInf(sqNormExact([]float64{1e200, 1}), 1))
	assert.True(t, math.IsInf(sqNormExact([]float64{math.Inf(-1)}), 1))
	assert.True(t, math.IsNaN(sqNormExact([]float64{1, math.NaN()})))
}

func TestAddSigned(t *testing.T) {
	for _, n := range []int{0, 3, 8, 13} {
		x := make([]float64, n)
		y := make([]float64, n)
		for i := range x {
			x[i] = float64(i) + 0.5
			y[i] = 10 * float64(i)
		}
		addSigned(false, x, y)
		for i := range y {
			require.Equal(t, 10*float64(i)+float64(i)+0.5, y[i])
		}
		addSigned(true, x, y)
		addSigned(true, x, y)
		for i := range y {
			require.Equal(t, 10*float64(i)-float64(i)-0.5, y[i])
		}
	}
}
