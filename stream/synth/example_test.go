package synth_test

import (
	"fmt"
	"math"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/synth"
)

func ExampleGaussian() {
	g, err := synth.NewGaussian(1000, 4, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	var sum2 float64
	buf := make([]float64, 64*g.Cols())
	for {
		n, err := g.ReadRows(buf)
		for _, v := range buf[:n*g.Cols()] {
			sum2 += v * v
		}
		if err != nil {
			break
		}
	}
	fmt.Printf("%d×%d, mean square %.1f\n", g.Rows(), g.Cols(), sum2/4000)
	// Output:
	// 1000×4, mean square 1.0
}

func ExampleHeavy() {
	// R = 4 unit rows along v₁ hidden among 3·50 light rows, shuffled.
	h, err := synth.NewHeavy(4, 4, 50, synth.RandomOrder, 7)
	if err != nil {
		fmt.Println(err)
		return
	}
	v1 := h.TopVector(nil)
	rows, err := stream.ReadAll(h)
	if err != nil {
		fmt.Println(err)
		return
	}
	var energy float64 // ‖A v₁‖² = σ₁² = R
	for i := 0; i < len(rows); i += 4 {
		var p float64
		for j, x := range rows[i : i+4] {
			p += x * v1[j]
		}
		energy += p * p
	}
	fmt.Printf("rows %d, ‖Av₁‖² = %.6f, σ = %v\n", h.Rows(), energy, h.SingularValues(nil))
	// Output:
	// rows 154, ‖Av₁‖² = 4.000000, σ = [2 1 1 1]
}

func ExampleSpiked() {
	s, err := synth.NewSpiked(100, 3, 25, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	q := s.TopVector(nil)
	var n2 float64
	for _, v := range q {
		n2 += v * v
	}
	fmt.Printf("λ₁/λ₂ = %v, ‖q₁‖ = %.3f\n", s.Ratio(), math.Sqrt(n2))
	// Output:
	// λ₁/λ₂ = 25, ‖q₁‖ = 1.000
}

func ExampleSpectrum() {
	s, err := synth.NewSpectrumExact(50, 5, []float64{3, 1}, 2)
	if err != nil {
		fmt.Println(err)
		return
	}
	rows, _ := stream.ReadAll(s)
	var fro float64 // ‖A‖_F² = Σσ²
	for _, x := range rows {
		fro += x * x
	}
	fmt.Printf("rank %d, ‖A‖_F² = %.6f\n", s.Rank(), fro)
	// Output:
	// rank 2, ‖A‖_F² = 10.000000
}

func ExampleLowRank() {
	l, err := synth.NewLowRank(500, 8, 3, 0.01, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Values(nil), l.Noise())
	// Output:
	// [3 2 1] 0.01
}
