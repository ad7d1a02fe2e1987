package fuzz

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/linstream/linstream/internal/kernel"
)

// Differential fuzz targets for internal/kernel: every implementation the
// CPU runs (kernel.Impls: AVX-512, AVX2 bodies) against the generic Go
// body, on random shapes, leading dimensions, offsets and α/β taken from
// the fuzz input. Both bodies are within the package's bound
//
//	|ĉ − c| ≤ (k+2)·2⁻⁵²·(|α|·Σ|a_l·b_l| + |β·c₀|)
//
// of the exact value, so they must be within twice that of each other
// (plus a few units of the smallest subnormal for results that underflow).
// Memory around and between the rows of every matrix is filled with a
// marked NaN that no kernel may change.

var marker = math.Float64frombits(0x7ff8dead0000beef)

func isMarker(v float64) bool { return math.Float64bits(v) == 0x7ff8dead0000beef }

// usable maps a fuzzed scalar to a finite one of moderate size, or reports
// false.
func usable(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) && math.Abs(v) < 1e100 }

// mat is a rows×cols matrix with leading dimension ld starting at off in
// buf, marked NaNs everywhere else in buf.
type mat struct {
	buf                 []float64
	off, rows, cols, ld int
}

func newMat(rng *rand.Rand, rows, cols, extra, off int) *mat {
	ld := max(cols, 1) + extra
	size := 0
	if rows > 0 {
		size = (rows-1)*ld + cols
	}
	m := &mat{buf: make([]float64, off+size+3), off: off, rows: rows, cols: cols, ld: ld}
	for i := range m.buf {
		m.buf[i] = marker
	}
	for i := range rows {
		for j := range cols {
			v := 0.0
			if rng.IntN(8) != 0 {
				v = (2*rng.Float64() - 1) * math.Ldexp(1, rng.IntN(9)-4)
			}
			m.buf[off+i*ld+j] = v
		}
	}
	return m
}

func (m *mat) data() []float64 {
	size := 0
	if m.rows > 0 {
		size = (m.rows-1)*m.ld + m.cols
	}
	return m.buf[m.off : m.off+size : m.off+size]
}

func (m *mat) at(i, j int) float64 { return m.buf[m.off+i*m.ld+j] }

func (m *mat) clone() *mat {
	c := *m
	c.buf = append([]float64(nil), m.buf...)
	return &c
}

// inside reports whether buffer position p is element (i, j) of the matrix.
func (m *mat) inside(p int) (i, j int, ok bool) {
	q := p - m.off
	if q < 0 || q >= len(m.data()) || q%m.ld >= m.cols {
		return 0, 0, false
	}
	return q / m.ld, q % m.ld, true
}

// compare checks got against want (both results of the same call on
// copies of before) entry by entry within twice the bound, and that no
// position outside the output (out reports outputs) changed.
func compare(t *testing.T, what string, before, got, want *mat, k int, out func(i, j int) bool, absSum func(i, j int) float64) {
	t.Helper()
	for p := range before.buf {
		i, j, ok := before.inside(p)
		if !ok || !out(i, j) {
			if math.Float64bits(got.buf[p]) != math.Float64bits(before.buf[p]) {
				t.Fatalf("%s: position %d outside the output changed from %v to %v", what, p, before.buf[p], got.buf[p])
			}
			continue
		}
		tol := 2*float64(k+2)*0x1p-52*absSum(i, j) + float64(k+4)*0x1p-1074
		g, w := got.buf[p], want.buf[p]
		if !(math.Abs(g-w) <= tol) && !(math.IsNaN(g) && math.IsNaN(w)) {
			t.Fatalf("%s: entry (%d,%d) = %v, generic body gives %v (tolerance %v)", what, i, j, g, w, tol)
		}
	}
}

// eachImpl runs f under every non-generic implementation, and once under
// the generic one for the expected result.
func eachImpl(f func(impl string)) {
	for _, name := range kernel.Impls() {
		if name != "generic" {
			restore := kernel.Use(name)
			f(name)
			restore()
		}
	}
}

func generic(f func()) {
	defer kernel.Use("generic")()
	f()
}

func FuzzKernelLevel1(f *testing.F) {
	f.Add(uint64(1), uint16(0), uint8(0), 1.0, 0.0)
	f.Add(uint64(2), uint16(67), uint8(1), -0.5, 2.0)
	f.Add(uint64(3), uint16(1031), uint8(3), 3.0, 1.0)
	f.Fuzz(func(t *testing.T, seed uint64, n16 uint16, off8 uint8, alpha, beta float64) {
		if !usable(alpha) || !usable(beta) {
			return
		}
		n, off := int(n16%2048), int(off8%4)
		rng := rand.New(rand.NewPCG(seed, 7))
		x := newMat(rng, 1, n, 0, off)
		y := newMat(rng, 1, n, 0, 3-off)
		abs := 0.0
		for i := range n {
			abs += math.Abs(x.at(0, i) * y.at(0, i))
		}
		var want float64
		generic(func() { want = kernel.Dot(x.data(), y.data()) })
		eachImpl(func(impl string) {
			got := kernel.Dot(x.data(), y.data())
			tol := 2*float64(n+2)*0x1p-52*abs + float64(n+4)*0x1p-1074
			if !(math.Abs(got-want) <= tol) {
				t.Fatalf("%s Dot n=%d: %v, generic %v (tolerance %v)", impl, n, got, want, tol)
			}
		})
		for _, op := range []string{"Axpy", "AxpBy", "Scal"} {
			w := y.clone()
			run := func(y *mat) {
				switch op {
				case "Axpy":
					kernel.Axpy(alpha, x.data(), y.data())
				case "AxpBy":
					kernel.AxpBy(alpha, x.data(), beta, y.data())
				case "Scal":
					kernel.Scal(alpha, y.data())
				}
			}
			generic(func() { run(w) })
			eachImpl(func(impl string) {
				g := y.clone()
				run(g)
				compare(t, impl+" "+op, y, g, w, 1, func(int, int) bool { return true }, func(_, j int) float64 {
					switch op {
					case "Axpy":
						return math.Abs(alpha*x.at(0, j)) + math.Abs(y.at(0, j))
					case "AxpBy":
						return math.Abs(alpha*x.at(0, j)) + math.Abs(beta*y.at(0, j))
					}
					return math.Abs(alpha * y.at(0, j))
				})
			})
		}
	})
}

func FuzzKernelGemv(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(5), uint8(0), false, 1.0, 0.0)
	f.Add(uint64(2), uint8(64), uint8(67), uint8(3), true, -2.0, 0.5)
	f.Add(uint64(3), uint8(17), uint8(0), uint8(1), true, 1.0, 1.0)
	f.Fuzz(func(t *testing.T, seed uint64, m8, n8, extra8 uint8, trans bool, alpha, beta float64) {
		if !usable(alpha) || !usable(beta) {
			return
		}
		m, n := int(m8%100), int(n8%100)
		rng := rand.New(rand.NewPCG(seed, 8))
		a := newMat(rng, m, n, int(extra8%5), int(extra8/5%2))
		nx, ny := n, m
		if trans {
			nx, ny = m, n
		}
		x := newMat(rng, 1, nx, 0, rng.IntN(2))
		y := newMat(rng, 1, ny, 0, rng.IntN(2))
		if beta == 0 && ny > 0 {
			y.buf[y.off+rng.IntN(ny)] = math.NaN() // must be overwritten
		}
		run := func(y *mat) {
			if trans {
				kernel.GemvT(m, n, alpha, a.data(), a.ld, x.data(), beta, y.data())
			} else {
				kernel.Gemv(m, n, alpha, a.data(), a.ld, x.data(), beta, y.data())
			}
		}
		w := y.clone()
		generic(func() { run(w) })
		eachImpl(func(impl string) {
			g := y.clone()
			run(g)
			compare(t, impl+" Gemv", y, g, w, nx, func(int, int) bool { return true }, func(_, i int) float64 {
				s := 0.0
				for l := range nx {
					if trans {
						s += math.Abs(a.at(l, i) * x.at(0, l))
					} else {
						s += math.Abs(a.at(i, l) * x.at(0, l))
					}
				}
				s *= math.Abs(alpha)
				if beta != 0 {
					s += math.Abs(beta * y.at(0, i))
				}
				return s
			})
		})
	})
}

func FuzzKernelGemm(f *testing.F) {
	f.Add(uint64(1), uint8(0), uint8(8), uint8(16), uint16(5), uint8(0), 1.0, 0.0)
	f.Add(uint64(2), uint8(1), uint8(33), uint8(17), uint16(130), uint8(7), -1.5, 1.0)
	f.Add(uint64(3), uint8(2), uint8(9), uint8(65), uint16(3), uint8(21), 0.5, -2.0)
	f.Add(uint64(4), uint8(3), uint8(0), uint8(40), uint16(70), uint8(13), 2.0, 1.0)
	f.Fuzz(func(t *testing.T, seed uint64, form8, m8, n8 uint8, k16 uint16, layout uint8, alpha, beta float64) {
		if !usable(alpha) || !usable(beta) {
			return
		}
		forms := [...]string{"NN", "NT", "TN", "Gram"}
		form := forms[form8%4]
		m, n, k := int(m8%80), int(n8%80), int(k16%300)
		rng := rand.New(rand.NewPCG(seed, 9))
		ex := func(s int) int { return int(layout>>s) & 3 }
		var a, b *mat
		switch form {
		case "NN":
			a, b = newMat(rng, m, k, ex(0), ex(6)&1), newMat(rng, k, n, ex(2), ex(7)&1)
		case "NT":
			a, b = newMat(rng, m, k, ex(0), ex(6)&1), newMat(rng, n, k, ex(2), ex(7)&1)
		case "TN":
			a, b = newMat(rng, k, m, ex(0), ex(6)&1), newMat(rng, k, n, ex(2), ex(7)&1)
		case "Gram":
			m, beta = n, 1
			a = newMat(rng, k, n, ex(0), ex(6)&1)
			b = a
		}
		c := newMat(rng, m, n, ex(4), int(seed&1))
		if beta == 0 && m > 0 && n > 0 {
			c.buf[c.off+rng.IntN(m)*c.ld+rng.IntN(n)] = math.NaN() // must be overwritten
		}
		run := func(c *mat) {
			switch form {
			case "NN":
				kernel.GemmNN(m, n, k, alpha, a.data(), a.ld, b.data(), b.ld, beta, c.data(), c.ld)
			case "NT":
				kernel.GemmNT(m, n, k, alpha, a.data(), a.ld, b.data(), b.ld, beta, c.data(), c.ld)
			case "TN":
				kernel.GemmTN(m, n, k, alpha, a.data(), a.ld, b.data(), b.ld, beta, c.data(), c.ld)
			case "Gram":
				kernel.GramUpdate(k, n, alpha, a.data(), a.ld, c.data(), c.ld)
			}
		}
		w := c.clone()
		generic(func() { run(w) })
		out := func(i, j int) bool { return form != "Gram" || j >= i }
		eachImpl(func(impl string) {
			g := c.clone()
			run(g)
			compare(t, impl+" "+form, c, g, w, k, out, func(i, j int) float64 {
				s := 0.0
				for l := range k {
					switch form {
					case "NN":
						s += math.Abs(a.at(i, l) * b.at(l, j))
					case "NT":
						s += math.Abs(a.at(i, l) * b.at(j, l))
					default:
						s += math.Abs(a.at(l, i) * b.at(l, j))
					}
				}
				s *= math.Abs(alpha)
				if beta != 0 {
					s += math.Abs(beta * c.at(i, j))
				}
				return s
			})
		})
	})
}

func FuzzKernelProjectUpdate(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint16(5), uint8(0), 1.0, -2.0, 0.5)
	f.Add(uint64(2), uint8(2), uint16(512), uint8(1), 0.0, 3.0, 1.0)
	f.Add(uint64(3), uint8(15), uint16(1031), uint8(4), -1.0, 0.25, 0.0)
	f.Fuzz(func(t *testing.T, seed uint64, km8 uint8, n16 uint16, mode8 uint8, s0, s1, s2 float64) {
		if !usable(s0) || !usable(s1) || !usable(s2) {
			return
		}
		// mode: 0 both halves, 1 no x, 2 no y, 3 neither; +4: C is B's first rows.
		k, m, n, mode, alias := int(km8%4), int(km8/4%4), int(n16%2048), int(mode8%4), mode8&4 != 0
		if alias {
			m = min(m, k)
		}
		rng := rand.New(rand.NewPCG(seed, 9))
		x := newMat(rng, 1, n, 0, rng.IntN(2))
		y := newMat(rng, 1, n, 0, rng.IntN(2))
		b := newMat(rng, k, n, rng.IntN(3), rng.IntN(2))
		c := newMat(rng, m, n, rng.IntN(3), rng.IntN(2))
		p := newMat(rng, 1, k+2, 0, rng.IntN(2))
		s := []float64{s0, s1, s2}[:m]
		run := func(b, c, p *mat) {
			var xs, ys []float64
			if mode == 0 || mode == 2 {
				xs = x.data()
			}
			if mode == 0 || mode == 1 {
				ys = y.data()
			}
			if alias {
				c = b
			}
			kernel.ProjectUpdate(n, k, m, xs, b.data(), b.ld, p.data(), ys, s, c.data(), c.ld)
		}
		if alias {
			c = b
		}
		wb, wc, wp := b.clone(), c.clone(), p.clone()
		if alias {
			wc = wb
		}
		generic(func() { run(wb, wc, wp) })
		eachImpl(func(impl string) {
			gb, gc, gp := b.clone(), c.clone(), p.clone()
			if alias {
				gc = gb
			}
			run(gb, gc, gp)
			compare(t, impl+" ProjectUpdate C", c, gc, wc, 1, func(i, _ int) bool { return mode <= 1 && i < m }, func(i, j int) float64 {
				return math.Abs(s[i]*y.at(0, j)) + math.Abs(c.at(i, j))
			})
			compare(t, impl+" ProjectUpdate p", p, gp, wp, n, func(_, j int) bool { return mode == 0 && j <= k+1 || mode == 2 && j <= k }, func(_, j int) float64 {
				v := 0.0
				for l := range n {
					switch {
					case j < k:
						v += math.Abs(x.at(0, l) * b.at(j, l))
					case j == k:
						v += x.at(0, l) * x.at(0, l)
					default:
						v += math.Abs(x.at(0, l) * y.at(0, l))
					}
				}
				return v
			})
		})
	})
}
