package sketch_test

import (
	"fmt"

	"github.com/linstream/linstream/sketch"
)

// Two shards of one stream, each sketched where it lives with the same seed
// and its global row offset, merge into the sketch of the whole stream.
func ExampleCountSketch() {
	const d, m = 3, 4
	rows := []float64{
		1, 2, 3,
		4, 5, 6,
		7, 8, 9,
		1, 0, 1,
	}
	whole, _ := sketch.NewCountSketch(d, m, sketch.WithSeed(42))
	whole.WriteRows(rows)

	first, _ := sketch.NewCountSketch(d, m, sketch.WithSeed(42))
	second, _ := sketch.NewCountSketch(d, m, sketch.WithSeed(42), sketch.WithRowOffset(2))
	first.WriteRows(rows[:2*d])
	second.WriteRows(rows[2*d:])
	if err := first.Merge(second); err != nil {
		panic(err)
	}
	fmt.Println(first.Rows(), fmt.Sprint(first.Sketch(nil)) == fmt.Sprint(whole.Sketch(nil)))
	for i := range int64(4) {
		b, s := whole.Column(i)
		fmt.Printf("row %d → bucket %d, sign %+.0f\n", i, b, s)
	}
	// Output:
	// 4 true
	// row 0 → bucket 2, sign -1
	// row 1 → bucket 2, sign +1
	// row 2 → bucket 0, sign -1
	// row 3 → bucket 3, sign -1
}
