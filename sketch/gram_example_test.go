package sketch_test

import (
	"fmt"

	"github.com/linstream/linstream/sketch"
)

func ExampleGram() {
	g, err := sketch.NewGram(2)
	if err != nil {
		panic(err)
	}
	_, _ = g.WriteRows([]float64{
		1, 2,
		3, 4,
	})
	fmt.Println(g.Matrix(nil), "rows:", g.Seen())
	// Output:
	// [10 14 14 20] rows: 2
}
