package sketch_test

import (
	"fmt"

	"github.com/linstream/linstream/sketch"
)

func ExampleHeavyRows() {
	// Rows with at least a quarter of the total squared Frobenius norm.
	h, err := sketch.NewHeavyRows(2, 0.25)
	if err != nil {
		panic(err)
	}
	_, _ = h.WriteRows([]float64{
		1, 0,
		0, 10, // heavy
		1, 1,
		6, 8, // heavy
		0.5, 0.5,
	})
	fmt.Printf("seen %d rows, ‖A‖²_F = %.1f, threshold %.3f\n", h.Seen(), h.Frobenius2(), h.Threshold())
	for r := range h.Rows() {
		fmt.Printf("row %d: ‖a‖² = %.0f (%.0f%%) %v\n", r.Index, r.Norm2, 100*r.Norm2/h.Frobenius2(), r.Row)
	}
	// Output:
	// seen 5 rows, ‖A‖²_F = 203.5, threshold 50.875
	// row 1: ‖a‖² = 100 (49%) [0 10]
	// row 3: ‖a‖² = 100 (49%) [6 8]
}

func ExampleHeavyRows_Merge() {
	a, _ := sketch.NewHeavyRows(1, 0.3)
	b, _ := sketch.NewHeavyRows(1, 0.3)
	_, _ = a.WriteRows([]float64{1, 5, 1})
	_, _ = b.WriteRows([]float64{2, 1, 1})
	fmt.Println("shard b alone holds", b.Len(), "row")
	if err := a.Merge(b); err != nil {
		panic(err)
	}
	for r := range a.Rows() {
		fmt.Println("heavy in the whole stream: row", r.Index, "=", r.Row[0])
	}
	// Output:
	// shard b alone holds 1 row
	// heavy in the whole stream: row 1 = 5
}

func ExampleWithCapacity() {
	// Keep at most 2 rows, however many are heavy.
	h, err := sketch.NewHeavyRows(1, 0.1, sketch.WithCapacity(2))
	if err != nil {
		panic(err)
	}
	_, _ = h.WriteRows([]float64{3, 4, 5, 1})
	for r := range h.Rows() {
		fmt.Println("row", r.Index, "‖a‖² =", r.Norm2)
	}
	fmt.Println("every row with ‖a‖² ≥", h.Threshold(), "is listed")
	// Output:
	// row 1 ‖a‖² = 16
	// row 2 ‖a‖² = 25
	// every row with ‖a‖² ≥ 9.000000000000002 is listed
}
