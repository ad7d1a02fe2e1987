package lowrank

import (
	"fmt"
	"math"
)

// EffectiveRank returns the effective rank of Roy & Vetterli (2007) of a
// matrix with singular values sigma (in any order):
//
//	erank = exp(H(p)),  H(p) = −Σ p_i log p_i,  p_i = σ_i / Σ_j σ_j
//
// with 0·log 0 = 0. It lies in [1, number of nonzero σ_i] and is 0 when all
// σ_i are zero or sigma is empty. It needs all the nonzero singular values:
// given only the top r (Result.Sigma) it is the effective rank of A_r. It
// panics on a negative or non-finite value.
func EffectiveRank(sigma []float64) float64 {
	var sum float64
	for _, s := range sigma {
		if !(s >= 0) || math.IsInf(s, 0) {
			panic(fmt.Sprintf("lowrank: EffectiveRank of singular value %v", s))
		}
		sum += s
	}
	if sum == 0 {
		return 0
	}
	var h float64
	for _, s := range sigma {
		if s > 0 {
			p := s / sum
			h -= p * math.Log(p)
		}
	}
	return math.Exp(h)
}

// StableRank returns ‖A‖²_F / ‖A‖²₂ = Σ σ_i² / max σ_i² for the singular
// values sigma (any order): a continuous lower bound on the rank, in
// [1, rank] for a nonzero matrix, 0 for a zero one. Result.StableRank gives
// it from a truncation, where ‖A‖²_F is known without all the σ_i. It panics
// on a negative or non-finite value.
func StableRank(sigma []float64) float64 {
	var sum, big float64
	for _, s := range sigma {
		if !(s >= 0) || math.IsInf(s, 0) {
			panic(fmt.Sprintf("lowrank: StableRank of singular value %v", s))
		}
		sum += s * s
		big = max(big, s)
	}
	if big == 0 {
		return 0
	}
	return sum / (big * big)
}
