package delim

import (
	"math"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func checkParse(t *testing.T, s string) {
	t.Helper()
	want, werr := strconv.ParseFloat(s, 64)
	got, gerr := ParseFloat([]byte(s))
	require.Equal(t, werr == nil, gerr == nil, "%q: errors %v vs %v", s, werr, gerr)
	if werr != nil {
		require.Equal(t, werr.Error(), gerr.Error())
	}
	if math.IsNaN(want) {
		require.True(t, math.IsNaN(got), "%q", s)
		return
	}
	require.Equal(t, math.Float64bits(want), math.Float64bits(got), "%q: got %v want %v", s, got, want)
}

// TestParseFloatMatchesStrconv compares the exact fast path with
// strconv.ParseFloat bit for bit: random float64s in every formatting,
// random digit strings of 1–20 digits with random points and exponents,
// exact ties, and edge cases.
func TestParseFloatMatchesStrconv(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	n := 20000
	if testing.Short() {
		n = 20000
	}
	for range n {
		// A random double, in all the ways writers print it.
		x := math.Float64frombits(rng.Uint64())
		if rng.IntN(2) == 0 {
			x = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(40)-20))
		}
		checkParse(t, strconv.FormatFloat(x, 'g', -1, 64))
		checkParse(t, strconv.FormatFloat(x, 'e', rng.IntN(20), 64))
		if math.Abs(x) < 1e25 {
			checkParse(t, strconv.FormatFloat(x, 'f', rng.IntN(22), 64))
		}
		// A random digit string.
		nd := 1 + rng.IntN(20)
		b := make([]byte, 0, 40)
		if rng.IntN(3) == 0 {
			b = append(b, '-')
		}
		point := rng.IntN(nd + 1)
		for k := range nd {
			if k == point {
				b = append(b, '.')
			}
			b = append(b, byte('0'+rng.IntN(10)))
		}
		if rng.IntN(2) == 0 {
			b = strconv.AppendInt(append(b, 'e'), int64(rng.IntN(60)-30), 10)
		}
		checkParse(t, string(b))
	}
	// Exact ties between two doubles (round half to even) and their
	// neighbours.
	for _, s := range []string{
		"9007199254740993", "9007199254740995", "18014398509481986", "18014398509481990",
		"9007199254740992.5", "900719925474099.25e1", "1.8446744073709551615e19",
		"18446744073709551615", "1.8446744073709552e19", "9.999999999999999999", "0.9999999999999999999",
		"4.9406564584124654e-324", "2.2250738585072014e-308", "1.7976931348623157e308", "1.7976931348623159e308",
		"0", "-0", "0e999", "-0.000e-5", "00000000000000000000000001", "0.1", "0.3", "1e-19", "9999999999999999999e-19",
		"1e19", "1e23", "12345678901234567890", "1.", ".5", "+.5", "-.", ".", "", "-", "1e", "1e+", "e5", "1e12345",
		"1_000", "0x1p-2", "Inf", "-inf", "NaN", "1e-400", "1e400", "1,5", " 1", "1 ",
	} {
		checkParse(t, s)
	}
	// Integers just above 2^53 with trailing zeros and points.
	for k := range uint64(1000) {
		m := uint64(1)<<53 + k
		checkParse(t, strconv.FormatUint(m, 10))
		checkParse(t, strconv.FormatUint(m, 10)+"e-3")
		checkParse(t, strconv.FormatUint(m*1000+500, 10)+"e-3")
	}
}

func TestParseFloatNoAlloc(t *testing.T) {
	b := []byte("-0.12345678901234568")
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseFloat(b); err != nil {
			t.Fatal(err)
		}
	})
	require.Zero(t, allocs)
}
