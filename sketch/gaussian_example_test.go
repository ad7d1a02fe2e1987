package sketch_test

import (
	"fmt"

	"github.com/linstream/linstream/sketch"
)

// A Gaussian sketch of a stream of rows: S is generated from the seed as
// rows arrive and never stored; Column shows it.
func ExampleGaussian() {
	const d, m = 2, 3
	g, err := sketch.NewGaussian(d, m, sketch.WithSeed(1))
	if err != nil {
		panic(err)
	}
	g.WriteRows([]float64{
		1, 0,
		0, 1,
	})
	// SA of the 2×2 identity is the first two columns of S.
	sa := g.Sketch(nil)
	c0, c1 := g.Column(0, nil), g.Column(1, nil)
	for i := range m {
		fmt.Printf("SA row %d: % .3f % .3f   S[%d, 0:2]: % .3f % .3f\n", i, sa[i*d], sa[i*d+1], i, c0[i], c1[i])
	}
	// Output:
	// SA row 0:  0.704 -0.465   S[0, 0:2]:  0.704 -0.465
	// SA row 1:  0.143  0.705   S[1, 0:2]:  0.143  0.705
	// SA row 2:  0.401  0.109   S[2, 0:2]:  0.401  0.109
}
