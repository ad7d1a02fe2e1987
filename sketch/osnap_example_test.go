package sketch_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/linstream/linstream/sketch"
)

// OSNAP compresses a tall matrix to m rows while keeping ‖Ax‖ for every x
// (a subspace embedding): here 2000×4 becomes 800×4.
func ExampleOSNAP() {
	const n, d, m, s = 2000, 4, 800, 4
	r := rand.New(rand.NewPCG(1, 2))
	a := make([]float64, n*d)
	for i := range a {
		a[i] = r.NormFloat64()
	}
	o, err := sketch.NewOSNAP(d, m, s, sketch.WithSeed(7))
	if err != nil {
		panic(err)
	}
	o.WriteRows(a)
	sa := o.Sketch(nil)

	x := []float64{1, -2, 0.5, 3}
	norm2 := func(rows []float64, k int) (t float64) {
		for i := range k {
			var v float64
			for j := range d {
				v += rows[i*d+j] * x[j]
			}
			t += v * v
		}
		return t
	}
	ratio := norm2(sa, m) / norm2(a, n)
	fmt.Printf("‖SAx‖²/‖Ax‖² within 10%%: %v\n", math.Abs(ratio-1) < 0.1)
	// Output:
	// ‖SAx‖²/‖Ax‖² within 10%: true
}
