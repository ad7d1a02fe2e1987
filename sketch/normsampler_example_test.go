package sketch_test

import (
	"fmt"

	"github.com/linstream/linstream/sketch"
)

// Length-squared sampling: heavy rows are drawn more often, and the sample
// is rescaled so that BᵀB estimates AᵀA without bias.
func ExampleNormSampler() {
	const d, c = 2, 8
	s, err := sketch.NewNormSampler(d, c, sketch.WithSeed(4))
	if err != nil {
		panic(err)
	}
	s.WriteRows([]float64{
		1, 1, //   ‖a‖² = 2
		3, 4, //   ‖a‖² = 25
		0, 0, //   never drawn
		0, 3, //   ‖a‖² = 9
	})
	fmt.Printf("‖A‖²_F = %.2f\n", s.FrobeniusSq())
	fmt.Println("rows drawn:", s.Indices(nil))
	b := s.Sample(nil)
	fmt.Printf("first sampled row rescaled: [%.3f %.3f]\n", b[0], b[1])
	// Output:
	// ‖A‖²_F = 36.00
	// rows drawn: [1 0 3 1 1 1 3 1]
	// first sampled row rescaled: [1.273 1.697]
}
