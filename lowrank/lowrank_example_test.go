package lowrank_test

import (
	"fmt"
	"math"

	"github.com/linstream/linstream/internal/digits"
	"github.com/linstream/linstream/lowrank"
	"github.com/linstream/linstream/sketch"
	"github.com/linstream/linstream/stream"
)

// A 4×3 matrix of rank 2 plus a small third component.
var small = []float64{
	3, 1, 0.1,
	1, 3, -0.1,
	2, 2, 0,
	0, 0, 0.2,
}

func ExampleTruncate() {
	res, err := lowrank.Truncate(small, 4, 3, 2)
	if err != nil {
		panic(err)
	}
	fmt.Printf("method %v, σ = %.4f %.4f, next %.4f\n", res.Method, res.Sigma[0], res.Sigma[1], res.NextSigma)
	fmt.Printf("error %.4f, unique %v, signs from %c\n", res.FrobError(), res.Unique, res.SignsFrom)
	// Output:
	// method svd, σ = 4.8990 2.0050, next 0.1995
	// error 0.1995, unique true, signs from U
}

func ExampleResult() {
	// Rank 10 of the embedded digits matrix, three ways.
	a := digits.Pixels()
	for _, m := range []lowrank.Method{lowrank.MethodSVD, lowrank.MethodGram, lowrank.MethodRandomized} {
		res, err := lowrank.Truncate(a, digits.Rows, digits.Cols, 10, lowrank.WithMethod(m))
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-10v σ1 %.1f  error %.1f of %.1f  stable rank %.2f\n",
			res.Method, res.Sigma[0], res.FrobError(), math.Sqrt(res.FrobSq), res.StableRank())
	}
	// Output:
	// svd        σ1 2193.1  error 760.1 of 2628.1  stable rank 1.44
	// gram       σ1 2193.1  error 760.1 of 2628.1  stable rank 1.44
	// randomized σ1 2193.1  error 760.1 of 2628.1  stable rank 1.44
}

func ExampleRandomized() {
	// Two passes or more over a rewindable stream; U with one more.
	r := stream.NewSliceReader(digits.Pixels(), digits.Cols)
	res, err := lowrank.Randomized(r, 5, lowrank.WithSeed(7), lowrank.WithU(true))
	if err != nil {
		panic(err)
	}
	fmt.Printf("rows %d, rank %d, U %d values, signs from %c\n", res.Rows, res.Rank, len(res.U), res.SignsFrom)
	fmt.Printf("error within [%.1f, %.1f]\n", math.Sqrt(res.TailLower), res.FrobError())
	// Output:
	// rows 1797, rank 5, U 8985 values, signs from U
	// error within [812.5, 1023.1]
}

func ExampleGramTruncate() {
	// One pass over any Reader; d×d memory.
	res, err := lowrank.GramTruncate(stream.NewSliceReader(digits.Pixels(), digits.Cols), 3)
	if err != nil {
		panic(err)
	}
	fmt.Printf("passes %d, σ = %.1f %.1f %.1f, converged %v\n", res.Passes, res.Sigma[0], res.Sigma[1], res.Sigma[2], res.Converged)
	// Output:
	// passes 1, σ = 2193.1 567.0 542.0, converged true
}

func ExampleCanonicalSigns() {
	u := []float64{0.6, -0.8} // 2×1: the largest entry is negative
	v := []float64{1, 2, 3}   // 3×1
	lowrank.CanonicalSigns(u, 2, v, 3, 1)
	fmt.Println(u, v)
	// Output:
	// [-0.6 0.8] [-1 -2 -3]
}

func ExampleNormalForm() {
	// Scores = 1 + row field + column field + a rank-1 interaction.
	s := []float64{
		1 + 0 + 0 + 2, 1 + 0 + 1 - 2, 1 + 0 + 2 + 0,
		1 + 5 + 0 - 2, 1 + 5 + 1 + 2, 1 + 5 + 2 + 0,
	}
	nf, err := lowrank.NormalForm(s, 2, 3, 1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("μ %.2f  rows %.2f  cols %.2f\n", nf.Mu, nf.RowField, nf.ColField)
	fmt.Printf("σ %.3f  Q %.3f  K[0:2] %.3f  tail < 1e-20: %v\n", nf.Sigma, nf.Q, nf.K[:2], nf.TailEnergy < 1e-20)
	// Output:
	// μ 4.50  rows [-2.50 2.50]  cols [-1.00 0.00 1.00]
	// σ [4.000]  Q [1.414 -1.414]  K[0:2] [1.414 -1.414]  tail < 1e-20: true
}

func ExampleNormalFormResult() {
	// Causal (lower-triangular) mask: only j ≤ i is addressable.
	n := 4
	s := make([]float64, n*n)
	mask := make([]bool, n*n)
	for i := range n {
		for j := range n {
			s[i*n+j] = float64(i) - 2*float64(j) + float64((i*j)%3)
			mask[i*n+j] = j <= i
		}
	}
	nf, err := lowrank.NormalForm(s, n, n, 1, lowrank.WithMask(mask))
	if err != nil {
		panic(err)
	}
	fmt.Printf("sweeps > 0: %v, interaction energy %.3f, rank-1 tail %.3f\n",
		nf.Sweeps > 0, nf.InteractionEnergy, nf.TailEnergy)
	rec := nf.Reconstruct(nil)
	fmt.Printf("reconstructed S[3,0] = %.3f (was %.0f)\n", rec[3*n], s[3*n])
	// Output:
	// sweeps > 0: true, interaction energy 1.000, rank-1 tail 0.000
	// reconstructed S[3,0] = 3.000 (was 3)
}

func ExamplePrincipalWeights() {
	w := digits.Pixels()
	p, err := lowrank.PrincipalWeights(w, digits.Rows, digits.Cols, 8, lowrank.LoRABudget(2))
	if err != nil {
		panic(err)
	}
	fmt.Printf("K %d, density %.4f, share of ‖W‖² %.3f, of ‖W_r‖² %.3f\n", p.K, p.Density, p.EnergyShare, p.LowRankShare)
	fmt.Println("first indices:", p.Indices[:4])
	// Output:
	// K 3722, density 0.0324, share of ‖W‖² 0.129, of ‖W_r‖² 0.172
	// first indices: [83 91 92 100]
}

func ExamplePrincipalResult() {
	w := []float64{
		4, 0, 1,
		0, 3, 0,
	}
	p, err := lowrank.PrincipalWeights(w, 2, 3, 2, lowrank.CountBudget(2))
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Indices, p.MaskBytes(nil), p.Contains(1, 1))
	// Output:
	// [0 4] [1 0 0 0 1 0] true
}

func ExampleBudget() {
	for _, b := range []lowrank.Budget{lowrank.LoRABudget(128), lowrank.FractionBudget(0.05), lowrank.CountBudget(1000)} {
		k, _ := b.Count(4096, 11008)
		fmt.Printf("%-16v K = %d\n", b, k)
	}
	// Output:
	// lora-rank 128    K = 1933312
	// fraction 0.05    K = 2254438
	// count 1000       K = 1000
}

func ExampleEffectiveRank() {
	fmt.Printf("%.3f %.3f\n", lowrank.EffectiveRank([]float64{1, 1, 1, 1}), lowrank.EffectiveRank([]float64{10, 1, 0.1}))
	fmt.Printf("%.3f\n", lowrank.StableRank([]float64{10, 1, 0.1}))
	// Output:
	// 4.000 1.424
	// 1.010
}

func ExampleMethod() {
	fmt.Println(lowrank.MethodSVD, lowrank.MethodGram, lowrank.MethodRandomized, lowrank.MethodSketch)
	// Output:
	// svd gram randomized sketch
}

func ExampleOption() {
	_, err := lowrank.Truncate(small, 4, 3, 1, lowrank.WithOversample(-3))
	fmt.Println(err)
	// q = 2 power steps: 3 passes, and one more for U.
	res, _ := lowrank.Truncate(small, 4, 3, 1, lowrank.WithMethod(lowrank.MethodRandomized), lowrank.WithPowerIters(2))
	fmt.Println(res.Method, res.Passes)
	// Output:
	// lowrank: invalid option: oversampling -3 < 0
	// randomized 4
}

func ExampleFromSketch() {
	// One pass into a Frequent Directions sketch of ℓ = 20 rows, then a
	// rank-5 truncation with the sketch's error bar.
	fd, err := sketch.NewFrequentDirections(digits.Cols, 20)
	if err != nil {
		panic(err)
	}
	if _, err := stream.Copy(fd, stream.NewSliceReader(digits.Pixels(), digits.Cols)); err != nil {
		panic(err)
	}
	res, err := lowrank.FromSketch(fd, 5)
	if err != nil {
		panic(err)
	}
	fmt.Printf("σ1 ∈ [%.0f, %.0f]\n", res.Sigma[0], math.Sqrt(res.Sigma[0]*res.Sigma[0]+res.Delta))
	fmt.Printf("optimal error ∈ [%.0f, %.0f]\n", math.Sqrt(res.TailLower), res.FrobError())
	// Output:
	// σ1 ∈ [2185, 2193]
	// optimal error ∈ [1023, 1106]
}

func ExampleNormalFormFactors() {
	// A dot-product chart S = P·Rᵀ with h = 2 features: the normal form
	// comes from the factors, and flipping a feature's sign in both factors
	// (the same S) changes nothing.
	p := []float64{1, 2, 0, 1, -1, 0, 2, 1} // 4×2
	r := []float64{1, 0, 0, 1, 1, 1}        // 3×2
	a, err := lowrank.NormalFormFactors(p, 4, r, 3, 2, 1)
	if err != nil {
		panic(err)
	}
	pf := []float64{-1, 2, 0, 1, 1, 0, -2, 1}
	rf := []float64{-1, 0, 0, 1, -1, 1}
	b, _ := lowrank.NormalFormFactors(pf, 4, rf, 3, 2, 1)
	fmt.Printf("μ %.3f  σ %.3f  tail %.3f\n", a.Mu, a.Sigma, a.TailEnergy)
	fmt.Printf("Q %.3f\nsame Q after the flip: %v\n", a.Q, fmt.Sprintf("%.12f", a.Q) == fmt.Sprintf("%.12f", b.Q))
	// Output:
	// μ 1.000  σ [1.596]  tail 0.785
	// Q [0.196 -0.303 -0.801 0.908]
	// same Q after the flip: true
}

func ExamplePrincipalWeightsStream() {
	// Two or more passes over a rewindable stream of W's rows, O(r·n + K)
	// memory: the same mask as in memory when W_r is unique.
	w := digits.Pixels()
	src := stream.NewSliceReader(w, digits.Cols)
	p, err := lowrank.PrincipalWeightsStream(src, 8, lowrank.FractionBudget(0.02))
	if err != nil {
		panic(err)
	}
	q, _ := lowrank.PrincipalWeights(w, digits.Rows, digits.Cols, 8, lowrank.FractionBudget(0.02))
	fmt.Printf("K %d, converged %v, same mask %v\n", p.K, p.Truncation.Converged, fmt.Sprint(p.Indices) == fmt.Sprint(q.Indices))
	// Output:
	// K 2300, converged true, same mask true
}
