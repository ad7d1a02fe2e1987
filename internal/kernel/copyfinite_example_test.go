package kernel_test

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/linstream/linstream/internal/kernel"
)

// Decode little-endian float64 bytes into a row buffer and learn, in the
// same pass, where the first non-finite value is.
func ExampleCopyFinite() {
	src := make([]byte, 8*5)
	for i, v := range []float64{1.5, -2, math.Inf(1), 4, math.NaN()} {
		binary.LittleEndian.PutUint64(src[8*i:], math.Float64bits(v))
	}
	dst := make([]float64, 5)
	bad := kernel.CopyFinite(dst, src)
	fmt.Println(dst, bad)
	fmt.Println(kernel.CopyFinite(dst[:2], src))
	// Output:
	// [1.5 -2 +Inf 4 NaN] 2
	// -1
}
