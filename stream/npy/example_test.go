package npy_test

import (
	"bytes"
	"fmt"

	"github.com/linstream/linstream/stream/npy"
)

func ExampleWriter() {
	var buf bytes.Buffer
	w, _ := npy.NewWriter(&buf, 2, npy.KnownRows(2))
	_, _ = w.WriteRows([]float64{1, 2, 3, 4})
	_ = w.Close()

	h, _ := npy.ReadHeader(bytes.NewReader(buf.Bytes()), "")
	fmt.Println(h.Descr, h.Shape, h.DataOffset)
	// Output: <f8 [2 2] 128
}

func ExampleReader() {
	var buf bytes.Buffer
	w, _ := npy.NewWriter(&buf, 3) // rows unknown, not seekable: spooled
	_, _ = w.WriteRows([]float64{1, 2, 3, 4, 5, 6})
	_ = w.Close()

	r, _ := npy.NewReader(&buf)
	rows := make([]float64, 6)
	n, _ := r.ReadRows(rows)
	fmt.Println(r.Rows(), r.Cols(), n, rows)
	// Output: 2 3 2 [1 2 3 4 5 6]
}

func ExampleRandomReader() {
	var buf bytes.Buffer
	w, _ := npy.NewWriter(&buf, 1, npy.KnownRows(4))
	_, _ = w.WriteRows([]float64{10, 11, 12, 13})
	_ = w.Close()

	data := buf.Bytes()
	r, _ := npy.NewReaderAt(bytes.NewReader(data), int64(len(data)))
	row := make([]float64, 1)
	_, _ = r.ReadRowsAt(row, 3)
	fmt.Println(row)
	// Output: [13]
}

func ExampleHeader() {
	var buf bytes.Buffer
	_ = npy.WriteUint8(&buf, 2, 2, []byte{1, 0, 0, 1})
	h, _ := npy.ReadHeader(&buf, "mask.npy")
	fmt.Println(h.Descr, h.Dtype, h.Rows(), h.Cols())
	// Output: |u1 uint8 2 2
}

func ExampleWriteUint8() {
	var buf bytes.Buffer
	_ = npy.WriteUint8(&buf, 1, 3, []byte{0, 1, 1})
	r, _ := npy.NewReader(&buf)
	row := make([]float64, 3)
	_, _ = r.ReadRows(row)
	fmt.Println(row)
	// Output: [0 1 1]
}
