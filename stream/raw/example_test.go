package raw_test

import (
	"bytes"
	"fmt"

	"github.com/linstream/linstream/stream/raw"
)

func ExampleReader() {
	var buf bytes.Buffer
	w, _ := raw.NewWriter(&buf, 2, raw.WithDtype(raw.Float32))
	_, _ = w.WriteRows([]float64{1, 2, 3, 4.5})

	r, _ := raw.NewReader(&buf, 2, raw.WithDtype(raw.Float32))
	rows := make([]float64, 4)
	n, err := r.ReadRows(rows)
	fmt.Println(n, err, rows)
	// Output: 2 <nil> [1 2 3 4.5]
}

func ExampleRandomReader() {
	var buf bytes.Buffer
	w, _ := raw.NewWriter(&buf, 1)
	_, _ = w.WriteRows([]float64{10, 20, 30})

	data := buf.Bytes()
	r, _ := raw.NewReaderAt(bytes.NewReader(data), 0, int64(len(data)), 1)
	row := make([]float64, 1)
	_, _ = r.ReadRowsAt(row, 2)
	fmt.Println(r.Rows(), row)
	// Output: 3 [30]
}

func ExampleWriter() {
	var buf bytes.Buffer
	w, _ := raw.NewWriter(&buf, 3)
	_, _ = w.WriteRows([]float64{1, 2, 3})
	fmt.Println(w.Rows(), buf.Len())
	// Output: 1 24
}

func ExampleDtype() {
	d := raw.Float32 | raw.BigEndian
	fmt.Println(d, d.Size(), d.IsFloat())
	// Output: float32 big-endian 4 true
}
