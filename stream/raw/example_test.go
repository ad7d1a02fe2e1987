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

// A toy format whose header is the row count as 8 decimal digits. The
// destination is a bytes.Buffer (no Seek, count unknown), so the rows are
// spooled and the header written on Close.
func ExampleHeaderedWriter() {
	header := func(rows int64, minLen int) []byte { return fmt.Appendf(nil, "%08d", rows) }
	var buf bytes.Buffer
	w, err := raw.NewHeaderedWriter(&buf, 2, raw.HeaderSpec{
		Pkg: "toy", Dtype: raw.Float64, KnownRows: -1,
		Header:      header,
		Placeholder: func() []byte { return header(0, 0) },
	})
	if err != nil {
		panic(err)
	}
	_, _ = w.WriteRows([]float64{1, 2, 3, 4, 5, 6})
	fmt.Println(w.Close())
	fmt.Printf("%q %d bytes of data\n", buf.Bytes()[:8], buf.Len()-8)
	// Output:
	// <nil>
	// "00000003" 48 bytes of data
}
