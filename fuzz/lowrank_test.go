package fuzz

import (
	"errors"
	"math"
	"testing"

	"github.com/linstream/linstream/lowrank"
	"github.com/linstream/linstream/stream"
)

// lowrankMatrix decodes a small matrix from fuzz bytes: the first two bytes
// give the shape (1–8 × 1–8), the next the rank (1–4), then one byte per
// entry (int8, with 0x7f meaning a repeat of the previous value so ties
// and exact low rank are common), scaled by 2^(scale−8) from the fourth
// byte so tiny and huge matrices appear.
func lowrankMatrix(data []byte) (a []float64, m, n, r int, ok bool) {
	if len(data) < 4 {
		return nil, 0, 0, 0, false
	}
	m, n, r = int(data[0]%8)+1, int(data[1]%8)+1, int(data[2]%4)+1
	scale := math.Ldexp(1, int(data[3]%64)-32)
	body := data[4:]
	a = make([]float64, m*n)
	prev := 0.0
	for i := range a {
		if len(body) == 0 {
			break
		}
		b := body[i%len(body)]
		if b == 0x7f {
			a[i] = prev
		} else {
			a[i] = float64(int8(b)) * scale
		}
		prev = a[i]
	}
	return a, m, n, r, true
}

// FuzzLowrankTruncate: every route returns a result whose error equals its
// reported tail (to rounding), with σ descending, Rank ≤ r, canonical signs
// that a second application does not change, and no route beats the exact
// one; never a panic.
func FuzzLowrankTruncate(f *testing.F) {
	f.Add([]byte{3, 4, 1, 32, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Add([]byte{7, 7, 3, 40, 0x7f, 0x7f, 0x7f})
	f.Add([]byte{5, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{1, 7, 4, 63, 0x81, 0x7f, 5, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		a, m, n, r, ok := lowrankMatrix(data)
		if !ok {
			return
		}
		var fro float64
		for _, v := range a {
			fro += v * v
		}
		exact, err := lowrank.Truncate(a, m, n, r, lowrank.WithMethod(lowrank.MethodSVD))
		if err != nil {
			t.Fatalf("exact route: %v", err)
		}
		for _, meth := range []lowrank.Method{lowrank.MethodSVD, lowrank.MethodGram, lowrank.MethodRandomized} {
			res, err := lowrank.Truncate(a, m, n, r, lowrank.WithMethod(meth))
			if err != nil {
				t.Fatalf("%v: %v", meth, err)
			}
			if res.Rank > r || res.Rank > min(m, n) || len(res.Sigma) != res.Rank {
				t.Fatalf("%v: rank %d of %d (%d×%d)", meth, res.Rank, r, m, n)
			}
			for i := 1; i < res.Rank; i++ {
				if res.Sigma[i] > res.Sigma[i-1] || res.Sigma[i] <= 0 {
					t.Fatalf("%v: σ not descending and positive: %v", meth, res.Sigma)
				}
			}
			ar := res.Reconstruct(nil)
			var e float64
			for i := range a {
				e += (a[i] - ar[i]) * (a[i] - ar[i])
			}
			// The Gram-based routes resolve σ only to about √ε·σ_1.
			tol := 1e-9 * fro
			if meth != lowrank.MethodSVD {
				tol = 1e-6 * fro
			}
			if math.Abs(e-res.TailEnergy) > tol {
				t.Fatalf("%v: ‖A−A_r‖² = %g, reported tail %g (‖A‖² = %g)", meth, e, res.TailEnergy, fro)
			}
			if res.TailEnergy < exact.TailEnergy-tol || res.TailLower > exact.TailEnergy+tol {
				t.Fatalf("%v: tail %g / lower %g vs optimum %g", meth, res.TailEnergy, res.TailLower, exact.TailEnergy)
			}
			u := append([]float64(nil), res.U...)
			v := append([]float64(nil), res.V...)
			lowrank.CanonicalSigns(u, m, v, n, res.Rank)
			for i := range u {
				if u[i] != res.U[i] {
					t.Fatalf("%v: canonical signs not idempotent", meth)
				}
			}
		}
	})
}

// FuzzLowrankNormalForm: with any mask the normal form either succeeds
// (finite fields; the residual sums to zero over each row's and column's
// addressable entries, the least-squares optimality condition) or fails
// with ErrNoConvergence or stream.ErrEmpty; never a panic.
func FuzzLowrankNormalForm(f *testing.F) {
	f.Add([]byte{3, 4, 1, 30, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, []byte{0xff, 0xf0})
	f.Add([]byte{7, 7, 2, 32, 9, 0x7f, 3}, []byte{0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40})
	f.Add([]byte{4, 4, 1, 32, 5}, []byte{})
	f.Fuzz(func(t *testing.T, data, maskBits []byte) {
		s, m, n, r, ok := lowrankMatrix(data)
		if !ok {
			return
		}
		var opts []lowrank.Option
		var mask []bool
		if len(maskBits) > 0 {
			mask = make([]bool, m*n)
			for i := range mask {
				mask[i] = maskBits[(i/8)%len(maskBits)]>>(i%8)&1 == 1
			}
			opts = append(opts, lowrank.WithMask(mask), lowrank.WithBackfit(1e-10, 5000))
		}
		nf, err := lowrank.NormalForm(s, m, n, r, opts...)
		if err != nil {
			if errors.Is(err, lowrank.ErrNoConvergence) || errors.Is(err, stream.ErrEmpty) {
				return
			}
			t.Fatalf("unexpected error: %v", err)
		}
		var scale float64
		for _, v := range s {
			scale = max(scale, math.Abs(v))
		}
		if math.IsNaN(nf.Mu) || math.IsInf(nf.Mu, 0) {
			t.Fatalf("μ = %v", nf.Mu)
		}
		rowSum := make([]float64, m)
		colSum := make([]float64, n)
		for i := range m {
			for j := range n {
				if mask != nil && !mask[i*n+j] {
					continue
				}
				res := s[i*n+j] - nf.Mu - nf.RowField[i] - nf.ColField[j]
				rowSum[i] += res
				colSum[j] += res
			}
		}
		lim := 1e-6 * max(scale, 1e-300) * float64(m*n)
		for i, v := range rowSum {
			if math.Abs(v) > lim {
				t.Fatalf("row %d residual sum %g (scale %g)", i, v, scale)
			}
		}
		for j, v := range colSum {
			if math.Abs(v) > lim {
				t.Fatalf("column %d residual sum %g (scale %g)", j, v, scale)
			}
		}
	})
}

// FuzzLowrankPrincipal: the mask holds exactly K entries, sorted, and
// (up to rounding) no unselected |W_r| exceeds a selected one; the
// in-memory and streaming paths agree on K.
func FuzzLowrankPrincipal(f *testing.F) {
	f.Add([]byte{5, 6, 2, 32, 1, 9, 0x7f, 4, 0x90, 3}, uint16(7))
	f.Add([]byte{7, 3, 1, 20, 0, 0, 0}, uint16(0))
	f.Add([]byte{2, 2, 4, 32, 1, 2, 3, 4}, uint16(100))
	f.Fuzz(func(t *testing.T, data []byte, count uint16) {
		w, m, n, r, ok := lowrankMatrix(data)
		if !ok {
			return
		}
		budget := lowrank.CountBudget(int(count))
		p, err := lowrank.PrincipalWeights(w, m, n, r, budget)
		if err != nil {
			t.Fatal(err)
		}
		want := min(int(count), m*n)
		if p.K != want || len(p.Indices) != want {
			t.Fatalf("K %d, %d indices, want %d", p.K, len(p.Indices), want)
		}
		for i := 1; i < len(p.Indices); i++ {
			if p.Indices[i] <= p.Indices[i-1] {
				t.Fatalf("indices not strictly ascending: %v", p.Indices)
			}
		}
		wr := p.Truncation.Reconstruct(nil)
		var scale float64
		for _, v := range wr {
			scale = max(scale, math.Abs(v))
		}
		mask := p.Mask()
		minSel, maxUn := math.Inf(1), 0.0
		for i, v := range wr {
			if mask[i] {
				minSel = min(minSel, math.Abs(v))
			} else {
				maxUn = max(maxUn, math.Abs(v))
			}
		}
		if want > 0 && want < m*n && maxUn > minSel+1e-12*scale {
			t.Fatalf("unselected |W_r| %g beats selected %g", maxUn, minSel)
		}
		ps, err := lowrank.PrincipalWeightsStream(stream.NewSliceReader(w, n), r, budget)
		if err != nil {
			t.Fatal(err)
		}
		if ps.K != p.K {
			t.Fatalf("stream K %d, memory K %d", ps.K, p.K)
		}
	})
}
