package kernel_test

import (
	"fmt"

	"github.com/linstream/linstream/internal/kernel"
)

// Accumulate the Gram matrix AᵀA of a stream of row blocks into the upper
// triangle of C, then mirror it.
func ExampleGramUpdate() {
	const d = 3
	c := make([]float64, d*d)
	blocks := [][]float64{
		{1, 2, 0, 0, 1, 1}, // two rows of three columns
		{2, 0, 1},          // one more row
	}
	for _, blk := range blocks {
		kernel.GramUpdate(len(blk)/d, d, 1, blk, d, c, d)
	}
	kernel.SymmetrizeUpper(d, c, d)
	for i := range d {
		fmt.Println(c[i*d : i*d+d])
	}
	// Output:
	// [5 2 2]
	// [2 5 1]
	// [2 1 2]
}

// Run the same product with every implementation this CPU has (tests and
// benchmarks do this): the assembly bodies agree with the generic Go one
// within the rounding bound, here exactly, the values being small integers.
func ExampleUse() {
	a := []float64{1, 2, 3, 4, 5, 6} // 2×3
	b := []float64{1, 0, 1, 0, 1, 0} // 2×3
	want := make([]float64, 4)
	restore := kernel.Use("generic")
	kernel.GemmNT(2, 2, 3, 1, a, 3, b, 3, 0, want, 2) // C = A·Bᵀ
	restore()
	agree := true
	for _, impl := range kernel.Impls() {
		c := make([]float64, 4)
		restore := kernel.Use(impl)
		kernel.GemmNT(2, 2, 3, 1, a, 3, b, 3, 0, c, 2)
		restore()
		agree = agree && fmt.Sprint(c) == fmt.Sprint(want)
	}
	fmt.Println(want, agree)
	// Output:
	// [4 2 10 5] true
}
