package delim

import (
	"math"
	"math/bits"
	"strconv"
)

// ParseFloat parses b as a float64 exactly as strconv.ParseFloat(string(b),
// 64) does — same value, bit for bit, same errors — without converting b to
// a string. Plain decimals of up to 19 significant digits with a decimal
// exponent between −19 and 19 (after moving the point), which is what
// data files and the Writer mostly contain, take an exact integer fast
// path; everything else (more digits, large exponents, hex, Inf, NaN,
// errors) goes to strconv. It allocates only when it returns an error.
func ParseFloat(b []byte) (float64, error) {
	if v, end, ok := scanFloat(b, 0); ok && end == len(b) {
		return v, nil
	}
	return strconv.ParseFloat(unsafeString(b), 64)
}

// pow10f holds the powers of ten that are exact in float64.
var pow10f = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// pow10u holds 10^k for k ≤ 19 (all below 2^64).
var pow10u = func() (p [20]uint64) {
	p[0] = 1
	for k := 1; k < len(p); k++ {
		p[k] = p[k-1] * 10
	}
	return p
}()

// scanFloat reads a plain decimal [+-]digits[.digits][(e|E)[+-]digits]
// starting at b[i] and returns its correctly rounded value and the index
// just past it. ok is false when there is no such number there, or when it
// is outside the fast path (more than 19 significant digits, an exponent
// of more than 4 digits, or a decimal exponent outside [−19, 19] beyond
// what the float64 arithmetic path covers); the caller then falls back to
// strconv. The caller checks what follows the number.
//
// How the value is exact: the significant digits form an integer m < 10^19
// < 2^64 and the value is m·10^e.
//   - m < 2^53 and |e| ≤ 22: m and 10^|e| are exact doubles, and one IEEE
//     multiplication or division rounds their product or quotient
//     correctly.
//   - 0 ≤ e ≤ 19: m·10^e is an exact 128-bit integer (bits.Mul64),
//     rounded to nearest-even once.
//   - −19 ≤ e < 0: with m shifted left to use all 64 bits, the 128-bit
//     quotient (m·2^64)/10^|e| (two bits.Div64 steps) has at least 64
//     significant bits, and its remainder is a sticky bit, so rounding it
//     once to 53 bits is correct.
func scanFloat(b []byte, i int) (v float64, end int, ok bool) {
	n := len(b)
	j := i
	neg := false
	if j < n && (b[j] == '-' || b[j] == '+') {
		neg = b[j] == '-'
		j++
	}
	var m uint64
	nd := 0      // significant digits in m
	digits := 0  // all mantissa digits seen
	dropExp := 0 // decimal exponent adjustment from the point
	for j < n {
		c := b[j] - '0'
		if c > 9 {
			break
		}
		digits++
		if m != 0 || c != 0 {
			m = m*10 + uint64(c)
			nd++
		}
		j++
	}
	if j < n && b[j] == '.' {
		j++
		for j < n {
			c := b[j] - '0'
			if c > 9 {
				break
			}
			digits++
			dropExp--
			if m != 0 || c != 0 {
				m = m*10 + uint64(c)
				nd++
			}
			j++
		}
	}
	if digits == 0 || nd > 19 {
		return 0, 0, false
	}
	e := dropExp
	if j < n && (b[j] == 'e' || b[j] == 'E') {
		k := j + 1
		eneg := false
		if k < n && (b[k] == '-' || b[k] == '+') {
			eneg = b[k] == '-'
			k++
		}
		x, s := 0, k
		for k < n && b[k]-'0' <= 9 {
			x = x*10 + int(b[k]-'0')
			k++
		}
		if k == s || k-s > 4 {
			return 0, 0, false
		}
		if eneg {
			x = -x
		}
		e += x
		j = k
	}
	if m == 0 {
		if neg {
			return math.Copysign(0, -1), j, true
		}
		return 0, j, true
	}
	switch {
	case m < 1<<53 && e >= -22 && e <= 22:
		v = float64(m)
		if e < 0 {
			v /= pow10f[-e]
		} else {
			v *= pow10f[e]
		}
	case e >= 0 && e <= 19:
		hi, lo := bits.Mul64(m, pow10u[e])
		v = round128(hi, lo, false, 0)
	case e < 0 && e >= -19:
		d := pow10u[-e]
		lz := bits.LeadingZeros64(m)
		mm := m << uint(lz)
		q1, r1 := bits.Div64(0, mm, d)
		q2, r2 := bits.Div64(r1, 0, d)
		v = round128(q1, q2, r2 != 0, -64-lz)
	default:
		return 0, 0, false
	}
	if neg {
		v = -v
	}
	return v, j, true
}

// round128 returns the float64 nearest (ties to even) to
// (hi·2⁶⁴ + lo + δ)·2^e2, where δ is in (0, 1) when sticky and 0 otherwise.
// hi:lo must be nonzero and the result a normal float64 (the callers'
// ranges guarantee both).
func round128(hi, lo uint64, sticky bool, e2 int) float64 {
	var s int
	if hi != 0 {
		s = bits.LeadingZeros64(hi)
	} else {
		s = 64 + bits.LeadingZeros64(lo)
	}
	// Shift left by s so bit 127 is set: hi:lo = X·2^s.
	if s >= 64 {
		hi, lo = lo<<uint(s-64), 0
	} else if s > 0 {
		hi, lo = hi<<uint(s)|lo>>uint(64-s), lo<<uint(s)
	}
	e2 -= s
	mant := hi >> 11 // 53 bits, top bit set
	round := hi >> 10 & 1
	rest := hi&(1<<10-1) != 0 || lo != 0 || sticky
	if round == 1 && (rest || mant&1 == 1) {
		mant++
		if mant == 1<<53 {
			mant >>= 1
			e2++
		}
	}
	// value = mant·2^(e2+128−53) with mant in [2^52, 2^53).
	exp := e2 + 128 - 53 + 52 + 1023
	return math.Float64frombits(uint64(exp)<<52 | mant&(1<<52-1))
}
