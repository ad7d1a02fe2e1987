package lowrank

import (
	"fmt"
	"math"

	"github.com/linstream/linstream/stream"
)

// NormalFormResult is the rank-r normal form of an m×n score matrix S:
//
//	S ≈ μ·11ᵀ + a·1ᵀ + 1·bᵀ + Q·Kᵀ
//
// where μ is the grand mean, a the row field, b the column field, and
// Q·Kᵀ = U_r Σ_r V_rᵀ the best rank-r approximation of the interaction
// I = S − μ11ᵀ − a1ᵀ − 1bᵀ, with balanced factors Q = U_r Σ_r^{1/2} and
// K = V_r Σ_r^{1/2}. Without a mask I is the double centring J_m S J_n
// (J_k = I_k − 11ᵀ/k), the Frobenius-orthogonal projection of S off the
// unary fields, so Σa_i = Σb_j = 0 and the columns of Q and K sum to zero.
// The remaining gauge is fixed: signs by the rule of CanonicalSigns on U
// (the largest-magnitude entry of each column of Q is positive), and
// rotations inside tied singular values are reported, not resolved, through
// Unique.
type NormalFormResult struct {
	Rows, Cols int // m, n
	// Rank is len(Sigma): r capped at min(m, n) and the interaction's
	// numerical rank.
	Rank     int
	Mu       float64
	RowField []float64 // m values a_i
	ColField []float64 // n values b_j
	Q        []float64 // m×Rank row-major, U_r Σ_r^{1/2}
	K        []float64 // n×Rank row-major, V_r Σ_r^{1/2}
	Sigma    []float64 // σ_1 ≥ … ≥ σ_Rank of the interaction
	// InteractionEnergy is ‖I‖²_F (over the addressable entries; I is zero
	// elsewhere).
	InteractionEnergy float64
	// TailEnergy is ‖I − QKᵀ‖²_F, the Eckart–Young tail Σ_{i>r} σ_i².
	TailEnergy float64
	// NextSigma, Gap, GapTol and Unique are as in Result: Unique reports
	// σ_r − σ_{r+1} > GapTol·σ_1 (or interaction rank ≤ r).
	NextSigma, Gap, GapTol float64
	Unique                 bool
	// Sweeps is the number of backfitting sweeps of the masked form (0
	// without a mask).
	Sweeps int
	// Method is the truncation route used for the interaction.
	Method Method
}

// NormalForm computes the rank-r normal form of the m×n row-major score
// matrix s. s is not modified or retained.
//
// Without a mask the fields come from double centring:
// μ = mean(S), a_i = mean_j S_ij − μ, b_j = mean_i S_ij − μ.
//
// WithMask(mask) restricts the fit to the addressable entries (mask[i·n+j]
// true): μ + a_i + b_j is then the least-squares two-way fit over those
// entries, found by backfitting — alternately setting each a_i and each b_j
// to the mean residual of its observed entries — until no a_i would move by
// more than tol·max|S| (WithBackfit, default 1e-12, at most 10000 sweeps;
// not converging returns an error wrapping ErrNoConvergence). The fields are
// then shifted so that Σ_i n_i a_i = Σ_j m_j b_j = 0 (n_i, m_j the observed
// counts); a row or column with no observed entry gets field 0. The
// interaction is the residual on the observed entries and zero on the
// others, and its SVD is the normal form's factors (a masked, weighted
// low-rank fit is a different, non-convex problem, not solved here).
//
// The interaction is truncated with Truncate (options such as WithMethod
// pass through; MethodAuto picks the dense SVD for small inputs).
//
// It panics if r < 1, m < 1, n < 1, len(s) != m·n or a mask of the wrong
// length. Non-finite entries (addressable ones, with a mask) return an error
// wrapping stream.ErrNonFinite.
func NormalForm(s []float64, m, n, r int, opts ...Option) (*NormalFormResult, error) {
	if r < 1 || m < 1 || n < 1 || len(s) != m*n {
		panic(fmt.Sprintf("lowrank: NormalForm of %d values as %d×%d at rank %d", len(s), m, n, r))
	}
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	mask := cfg.mask
	if mask != nil && len(mask) != m*n {
		panic(fmt.Sprintf("lowrank: NormalForm mask of %d values for %d×%d", len(mask), m, n))
	}
	for i, v := range s {
		if (mask == nil || mask[i]) && (math.IsNaN(v) || math.IsInf(v, 0)) {
			return nil, &stream.DataError{Row: int64(i/n + 1), Column: i%n + 1, Offset: -1,
				Msg: fmt.Sprintf("score %v", v), Err: stream.ErrNonFinite}
		}
	}
	nf := &NormalFormResult{Rows: m, Cols: n, RowField: make([]float64, m), ColField: make([]float64, n)}
	inter := make([]float64, m*n)
	if mask == nil {
		doubleCentre(s, m, n, nf, inter)
	} else if err := backfit(s, mask, m, n, cfg, nf, inter); err != nil {
		return nil, err
	}
	nf.InteractionEnergy = frobSqOf(inter)
	return nf, nf.factor(inter, r, cfg, opts)
}

func frobSqOf(x []float64) float64 {
	var s float64
	for _, v := range x {
		s += v * v
	}
	return s
}

func doubleCentre(s []float64, m, n int, nf *NormalFormResult, inter []float64) {
	col := nf.ColField
	for i := range m {
		row := s[i*n : (i+1)*n]
		var rs float64
		for j, v := range row {
			rs += v
			col[j] += v
		}
		nf.RowField[i] = rs / float64(n)
	}
	var sum float64
	for _, v := range nf.RowField {
		sum += v
	}
	mu := sum / float64(m)
	for j := range col {
		col[j] = col[j]/float64(m) - mu
	}
	for i := range nf.RowField {
		nf.RowField[i] -= mu
	}
	nf.Mu = mu
	for i := range m {
		a := nf.RowField[i]
		for j := range n {
			inter[i*n+j] = s[i*n+j] - mu - a - col[j]
		}
	}
}

func backfit(s []float64, mask []bool, m, n int, cfg *config, nf *NormalFormResult, inter []float64) error {
	rowCnt := make([]int, m)
	colCnt := make([]int, n)
	var sum, scale float64
	var total int
	for i := range m {
		for j := range n {
			if mask[i*n+j] {
				v := s[i*n+j]
				sum += v
				scale = max(scale, math.Abs(v))
				rowCnt[i]++
				colCnt[j]++
				total++
			}
		}
	}
	if total == 0 {
		return fmt.Errorf("lowrank: normal form: the mask selects no entry: %w", stream.ErrEmpty)
	}
	mu := sum / float64(total)
	if scale == 0 {
		scale = 1
	}
	a, b := nf.RowField, nf.ColField
	colSum := make([]float64, n)
	lim := cfg.nfTol * scale
	sweeps := 0
	for {
		// Row step: a_i = mean_{j∈Ω_i}(S_ij − μ − b_j).
		var moved float64
		for i := range m {
			if rowCnt[i] == 0 {
				continue
			}
			var rs float64
			for j := range n {
				if mask[i*n+j] {
					rs += s[i*n+j] - mu - b[j]
				}
			}
			na := rs / float64(rowCnt[i])
			moved = max(moved, math.Abs(na-a[i]))
			a[i] = na
		}
		if sweeps > 0 && moved <= lim {
			break
		}
		if sweeps >= cfg.nfMaxIter {
			return fmt.Errorf("%w: normal form: backfitting moved a row field by %.3g (> %.3g) after %d sweeps",
				ErrNoConvergence, moved, lim, sweeps)
		}
		sweeps++
		// Column step: b_j = mean_{i∈Ω^j}(S_ij − μ − a_i).
		clear(colSum)
		for i := range m {
			for j := range n {
				if mask[i*n+j] {
					colSum[j] += s[i*n+j] - mu - a[i]
				}
			}
		}
		for j := range n {
			if colCnt[j] > 0 {
				b[j] = colSum[j] / float64(colCnt[j])
			}
		}
	}
	// Identify: Σ n_i a_i = 0, Σ m_j b_j = 0.
	var ca, cb float64
	for i := range m {
		ca += float64(rowCnt[i]) * a[i]
	}
	for j := range n {
		cb += float64(colCnt[j]) * b[j]
	}
	ca /= float64(total)
	cb /= float64(total)
	for i := range m {
		if rowCnt[i] > 0 {
			a[i] -= ca
		}
	}
	for j := range n {
		if colCnt[j] > 0 {
			b[j] -= cb
		}
	}
	mu += ca + cb
	nf.Mu, nf.Sweeps = mu, sweeps
	for i := range m {
		for j := range n {
			if mask[i*n+j] {
				inter[i*n+j] = s[i*n+j] - mu - a[i] - b[j]
			}
		}
	}
	return nil
}

// factor truncates the interaction and fills the factors.
func (nf *NormalFormResult) factor(inter []float64, r int, cfg *config, opts []Option) error {
	m, n := nf.Rows, nf.Cols
	nf.GapTol = cfg.gapTol
	if nf.InteractionEnergy == 0 {
		nf.Unique, nf.Method = true, MethodSVD
		return nil
	}
	res, err := Truncate(inter, m, n, r, opts...)
	if err != nil {
		return err
	}
	k := res.Rank
	nf.Rank, nf.Sigma, nf.Method = k, res.Sigma, res.Method
	nf.TailEnergy, nf.NextSigma, nf.Gap, nf.Unique = res.TailEnergy, res.NextSigma, res.Gap, res.Unique
	nf.Q, nf.K = res.U, res.V
	for j := range k {
		h := math.Sqrt(res.Sigma[j])
		for i := range m {
			nf.Q[i*k+j] *= h
		}
		for i := range n {
			nf.K[i*k+j] *= h
		}
	}
	return nil
}

// Reconstruct writes μ + a_i + b_j + (QKᵀ)_ij for every entry (addressable
// or not) into dst (m×n row-major), allocating when dst is nil, and returns
// it. It panics if dst has the wrong length.
func (nf *NormalFormResult) Reconstruct(dst []float64) []float64 {
	m, n, k := nf.Rows, nf.Cols, nf.Rank
	if dst == nil {
		dst = make([]float64, m*n)
	}
	if len(dst) != m*n {
		panic(fmt.Sprintf("lowrank: Reconstruct into %d values, want %d×%d", len(dst), m, n))
	}
	for i := range m {
		q := nf.Q[i*k : (i+1)*k]
		base := nf.Mu + nf.RowField[i]
		for j := range n {
			v := base + nf.ColField[j]
			kk := nf.K[j*k : (j+1)*k]
			for l, x := range q {
				v += x * kk[l]
			}
			dst[i*n+j] = v
		}
	}
	return dst
}
