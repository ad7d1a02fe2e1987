package sketch_test

import (
	"fmt"
	"math"

	"github.com/linstream/linstream/sketch"
)

func ExampleFrequentDirections() {
	// 1000 rows of 8 columns: a strong direction (1,1,…,1)/√8 plus a weak
	// sawtooth, sketched in ℓ = 4 rows.
	const d = 8
	f, err := sketch.NewFrequentDirections(d, 4)
	if err != nil {
		panic(err)
	}
	row := make([]float64, d)
	for i := range 1000 {
		for j := range row {
			row[j] = 3*math.Sin(float64(i)) + 0.1*float64((i+j)%3-1)
		}
		if _, err := f.WriteRows(row); err != nil {
			panic(err)
		}
	}
	top := f.TopK(1)
	fmt.Printf("rows %d, sketch %d×%d, shrinks %d\n", f.Seen(), f.Len(), f.Cols(), f.Shrinks())
	fmt.Printf("σ₁(A) ∈ [%.1f, %.1f]\n", top.Values[0], top.Upper[0])
	fmt.Printf("Δ/‖A‖²_F = %.4f\n", top.Delta/top.Frobenius2)
	fmt.Printf("v₁ ≈ %.2f\n", math.Abs(top.Vectors[0])*math.Sqrt(d))
	// Output:
	// rows 1000, sketch 5×8, shrinks 199
	// σ₁(A) ∈ [189.6, 189.6]
	// Δ/‖A‖²_F = 0.0000
	// v₁ ≈ 1.00
}

func ExampleFrequentDirections_Merge() {
	a, _ := sketch.NewFrequentDirections(3, 2)
	b, _ := sketch.NewFrequentDirections(3, 2)
	_, _ = a.WriteRows([]float64{1, 0, 0, 0, 2, 0})
	_, _ = b.WriteRows([]float64{0, 0, 3})
	if err := a.Merge(b); err != nil {
		panic(err)
	}
	fmt.Printf("rows %d, ‖A‖²_F = %.0f, Δ = %.0f\n", a.Seen(), a.Frobenius2(), a.Delta())
	// Output:
	// rows 3, ‖A‖²_F = 14, Δ = 0
}

func ExampleFrequentDirections_TopK() {
	// 300 rows along three axes with squared singular values 10⁴, 10² and
	// 1: with ℓ = 3 the sketch brackets σ₁ and σ₂, and Δ ≈ σ₃² is its
	// error bar.
	f, _ := sketch.NewFrequentDirections(3, 3)
	for i := range 300 {
		var row []float64
		switch i % 3 {
		case 0:
			row = []float64{10, 0, 0}
		case 1:
			row = []float64{0, 1, 0}
		default:
			row = []float64{0, 0, 0.1}
		}
		_, _ = f.WriteRows(row)
	}
	top := f.TopK(2)
	for i, s := range top.Values {
		fmt.Printf("σ_%d(A) ∈ [%.3f, %.3f]\n", i+1, s, top.Upper[i])
	}
	fmt.Printf("‖AᵀA − BᵀB‖₂ ≤ Δ = %.2f ≤ %.2f\n", top.Delta, top.TailBound)
	// Output:
	// σ_1(A) ∈ [99.995, 100.000]
	// σ_2(A) ∈ [9.950, 10.000]
	// ‖AᵀA − BᵀB‖₂ ≤ Δ = 0.99 ≤ 2.98
}
