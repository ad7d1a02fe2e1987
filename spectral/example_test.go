package spectral_test

import (
	"fmt"
	"math"

	"github.com/linstream/linstream/internal/digits"
	"github.com/linstream/linstream/spectral"
	"github.com/linstream/linstream/stream"
)

// exact returns v₁ of the digits matrix by Lanczos on its Gram matrix.
func exact() []float64 {
	r := stream.NewSliceReader(digits.Pixels(), digits.Cols)
	res, err := spectral.Lanczos(r)
	if err != nil {
		panic(err)
	}
	return res.Vector
}

// The random-order estimator on the digits matrix, shuffled on the way in.
func ExampleRandomOrder() {
	ro, err := spectral.NewRandomOrder(digits.Cols, spectral.WithRows(digits.Rows), spectral.WithSeed(1))
	if err != nil {
		panic(err)
	}
	src := stream.NewSliceReader(digits.Pixels(), digits.Cols)
	if _, err := stream.Shuffle(ro, src, stream.WithSeed(7)); err != nil {
		panic(err)
	}
	res := ro.Result()
	fmt.Printf("rows %d, confident %v, assumes %s\n", res.Rows, res.Confident, res.Assumes)
	fmt.Printf("correlation with the exact v₁ ≥ 0.999: %v\n", spectral.Correlation(res.Vector, exact()) >= 0.999)
	// Output:
	// rows 1797, confident true, assumes rows in uniformly random order
	// correlation with the exact v₁ ≥ 0.999: true
}

// Oja's rule with its default scale-free schedule, fed one block at a time.
func ExampleOja() {
	oja, err := spectral.NewOja(digits.Cols, spectral.WithSeed(1))
	if err != nil {
		panic(err)
	}
	src := stream.NewSliceReader(digits.Pixels(), digits.Cols)
	if _, err := stream.Shuffle(oja, src, stream.WithSeed(7)); err != nil {
		panic(err)
	}
	res := oja.Result()
	fmt.Println(oja.Schedule(), res.Confident)
	fmt.Printf("correlation ≥ 0.99: %v\n", spectral.Correlation(res.Vector, exact()) >= 0.99)
	// Output:
	// η=64/Σ‖a‖² true
	// correlation ≥ 0.99: true
}

// Schedules set Oja's learning rate.
func ExampleFixed() {
	for _, s := range []spectral.Schedule{spectral.Fixed(0.01), spectral.InvT(2), spectral.InvSqrtT(0.5), spectral.Frobenius(64)} {
		fmt.Println(s)
	}
	// Output:
	// fixed η=0.01
	// η=2/t
	// η=0.5/√t
	// η=64/Σ‖a‖²
}

// Power iteration over a rewindable stream, with its residual certificate.
func ExamplePower() {
	r := stream.NewSliceReader(digits.Pixels(), digits.Cols)
	res, err := spectral.Power(r, spectral.WithTolerance(1e-10))
	if err != nil {
		panic(err)
	}
	fmt.Printf("λ₁ = %.6e, converged %v, relative residual < 1e-10: %v\n", res.Value, res.Converged, res.Residual < 1e-10*res.Value)
	// Output:
	// λ₁ = 4.809772e+06, converged true, relative residual < 1e-10: true
}

// Lanczos on an in-memory Gram matrix.
func ExampleLanczosGram() {
	g := []float64{
		4, 1, 0,
		1, 3, 0,
		0, 0, 1,
	}
	res, err := spectral.LanczosGram(g, 3)
	if err != nil {
		panic(err)
	}
	fmt.Printf("λ₁ = %.6f (exact %.6f), v = [%.4f %.4f %.4f]\n", res.Value, (7+math.Sqrt(5))/2, res.Vector[0], res.Vector[1], res.Vector[2])
	// Output:
	// λ₁ = 4.618034 (exact 4.618034), v = [0.8507 0.5257 0.0000]
}

// A Result that is not Confident should not be trusted: centred digits have
// λ₁/λ₂ ≈ 1.09, too small a gap for one pass.
func ExampleResult() {
	x := digits.Pixels()
	d := digits.Cols
	for j := range d {
		m := 0.0
		for i := 0; i < digits.Rows; i++ {
			m += x[i*d+j] / digits.Rows
		}
		for i := 0; i < digits.Rows; i++ {
			x[i*d+j] -= m
		}
	}
	ro, _ := spectral.NewRandomOrder(d, spectral.WithRows(digits.Rows))
	if _, err := stream.Shuffle(ro, stream.NewSliceReader(x, d), stream.WithSeed(7)); err != nil {
		panic(err)
	}
	one := ro.Result()
	fmt.Printf("one pass: confident %v (estimated gap < 2: %v)\n", one.Confident, one.Gap < 2)
	multi, _ := spectral.Lanczos(stream.NewSliceReader(x, d))
	fmt.Printf("lanczos: confident %v, sin θ ≤ %.0e\n", multi.Confident, math.Max(multi.SinBound, 1e-6))
	// Output:
	// one pass: confident false (estimated gap < 2: true)
	// lanczos: confident true, sin θ ≤ 1e-06
}

// Options are validated when the estimator is built.
func ExampleWithRows() {
	_, err := spectral.NewRandomOrder(8, spectral.WithRows(0))
	fmt.Println(err)
	_, err = spectral.NewOja(8, spectral.WithRows(100))
	fmt.Println(err)
	// Output:
	// spectral: RandomOrder: WithRows(0): want n ≥ 1: spectral: invalid option
	// spectral: Oja: option WithRows does not apply: spectral: invalid option
}

// OjaGrid runs a grid of fixed learning rates in one pass and picks one.
func ExampleOjaGrid() {
	g, err := spectral.NewOjaGrid(digits.Cols, spectral.WithRows(digits.Rows), spectral.WithSeed(1))
	if err != nil {
		panic(err)
	}
	src := stream.NewSliceReader(digits.Pixels(), digits.Cols)
	if _, err := stream.Shuffle(g, src, stream.WithSeed(7)); err != nil {
		panic(err)
	}
	res := g.Result()
	_, idx := g.Choice()
	fmt.Printf("%d rates, chose #%d, confident %v\n", len(g.Rates()), idx, res.Confident)
	fmt.Printf("correlation ≥ 0.99: %v\n", spectral.Correlation(res.Vector, exact()) >= 0.99)
	// Output:
	// 14 rates, chose #6, confident true
	// correlation ≥ 0.99: true
}
