package sketch

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
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

// Golden bits: the same seed and rows give the same CountSketch, OSNAP and
// NormSampler bits, and the same Gaussian S, in every build (CI runs the
// tests with and without the purego tag; GOAMD64=v3 fuses multiply-adds in
// Go code). Changing these values changes the meaning of every saved state.
func TestOblGoldenBits(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n, d = 1000, 37
	a := make([]float64, n*d)
	for i := range a {
		a[i] = r.NormFloat64()
	}
	sum := func(x []float64) string {
		h := sha256.New()
		var b [8]byte
		for _, v := range x {
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(v))
			h.Write(b[:])
		}
		return fmt.Sprintf("%x", h.Sum(nil)[:6])
	}
	cs, _ := NewCountSketch(d, 50, WithSeed(3))
	_, _ = cs.WriteRows(a)
	o, _ := NewOSNAP(d, 50, 3, WithSeed(3))
	_, _ = o.WriteRows(a)
	g, _ := NewGaussian(d, 20, WithSeed(3))
	var cols []float64
	for i := range int64(100) {
		cols = append(cols, g.Column(i, nil)...)
	}
	ns, _ := NewNormSampler(d, 20, WithSeed(3))
	_, _ = ns.WriteRows(a)
	assert.Equal(t, "69cf23601a55", sum(cs.Sketch(nil)), "CountSketch")
	assert.Equal(t, "9b707e6191cb", sum(o.Sketch(nil)), "OSNAP")
	assert.Equal(t, "03bb9b9ebf2e", sum(cols), "Gaussian S")
	assert.Equal(t, "9380dd72a2e0", sum(ns.Sample(nil)), "NormSampler")
	assert.Equal(t, []int64{594, 666, 654, 371, 158}, ns.Indices(nil)[:5])
}
