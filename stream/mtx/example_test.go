package mtx_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/mtx"
)

func ExampleReader() {
	text := `%%MatrixMarket matrix coordinate real symmetric
% a 3×3 symmetric matrix, lower triangle stored
3 3 4
1 1 2
2 1 -1
2 2 2
3 3 5
`
	r, err := mtx.NewReader(strings.NewReader(text))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%+v\n", r.Header())
	row := make([]float64, r.Cols())
	for {
		if _, err := r.ReadRows(row); err != nil {
			break
		}
		fmt.Println(row)
	}
	// Output:
	// {Format:coordinate Field:real Symmetry:symmetric Rows:3 Cols:3 Entries:4}
	// [2 -1 0]
	// [-1 2 0]
	// [0 0 5]
}

func ExampleWriter() {
	w, err := mtx.NewWriter(os.Stdout, 3)
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := stream.Copy(w, stream.NewSliceReader([]float64{1, 0, 0.1, 0, 0, 0, 0, -2.5, 0}, 3)); err != nil {
		fmt.Println(err)
	}
	if err := w.Close(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// %%MatrixMarket matrix coordinate real general
	// 3 3 3
	// 1 1 1
	// 1 3 0.1
	// 3 2 -2.5
}
