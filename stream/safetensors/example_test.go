package safetensors_test

import (
	"bytes"
	"fmt"

	"github.com/linstream/linstream/stream/safetensors"
)

func ExampleWrite() {
	var buf bytes.Buffer
	_ = safetensors.Write(&buf, []safetensors.Tensor{
		safetensors.Float64Tensor("V", []int64{2, 2}, []float64{1, 0, 0, 1}),
		safetensors.Uint8Tensor("mask", []int64{1, 3}, []byte{1, 0, 1}),
	})
	h, _ := safetensors.ReadHeader(&buf, "")
	for _, t := range h.Tensors {
		fmt.Println(t.Name, t.Dtype, t.Shape)
	}
	// Output:
	// V F64 [2 2]
	// mask U8 [1 3]
}

func ExampleFile() {
	var buf bytes.Buffer
	_ = safetensors.Write(&buf, []safetensors.Tensor{
		safetensors.Float64Tensor("A", []int64{3, 1}, []float64{1, 2, 3}),
	})
	b := buf.Bytes()
	f, _ := safetensors.Open(bytes.NewReader(b), int64(len(b)))
	r, _ := f.Reader("A")
	row := make([]float64, 1)
	_, _ = r.ReadRowsAt(row, 2)
	fmt.Println(r.Rows(), row)
	// Output: 3 [3]
}

func ExampleReader() {
	var buf bytes.Buffer
	w, _ := safetensors.NewWriter(&buf, "X", 2)
	_, _ = w.WriteRows([]float64{1, 2, 3, 4})
	_ = w.Close()

	r, _ := safetensors.NewReader(&buf, "X")
	rows := make([]float64, 4)
	n, _ := r.ReadRows(rows)
	fmt.Println(n, rows)
	// Output: 2 [1 2 3 4]
}

func ExampleWriter() {
	var buf bytes.Buffer
	w, _ := safetensors.NewWriter(&buf, "rows", 3, safetensors.KnownRows(1), safetensors.Float32())
	_, _ = w.WriteRows([]float64{0.5, 1.5, 2.5})
	_ = w.Close()
	h, _ := safetensors.ReadHeader(&buf, "")
	t, _ := h.Lookup("rows")
	fmt.Println(t.Dtype, t.Rows(), t.Cols(), t.End-t.Begin)
	// Output: F32 1 3 12
}

func ExampleHeader() {
	var buf bytes.Buffer
	_ = safetensors.Write(&buf, []safetensors.Tensor{
		safetensors.Uint8Tensor("m", []int64{2}, []byte{0, 1}),
	}, safetensors.Metadata(map[string]string{"by": "linstream"}))
	h, _ := safetensors.ReadHeader(&buf, "")
	fmt.Println(h.Names(), h.Metadata["by"], h.DataOffset%8)
	// Output: [m] linstream 0
}

func ExampleTensorInfo() {
	t := safetensors.TensorInfo{Name: "w", Dtype: "BF16", Shape: []int64{4, 8}}
	fmt.Println(t.Rows(), t.Cols(), t.Readable())
	// Output: 4 8 true
}

func ExampleRandomReader() {
	var buf bytes.Buffer
	_ = safetensors.Write(&buf, []safetensors.Tensor{
		safetensors.Float64Tensor("A", []int64{2, 2}, []float64{1, 2, 3, 4}),
	})
	b := buf.Bytes()
	f, _ := safetensors.Open(bytes.NewReader(b), int64(len(b)))
	r, _ := f.Reader("")
	rows := make([]float64, 4)
	_, _ = r.ReadRows(rows)
	_ = r.Rewind()
	n, _ := r.ReadRows(rows[:2])
	fmt.Println(r.Info.Shape, n, rows)
	// Output: [2 2] 1 [1 2 3 4]
}

func ExampleTensor() {
	t := safetensors.Float32Tensor("w", []int64{1, 2}, []float64{0.5, -1})
	fmt.Println(t.Name, t.Dtype, t.Shape, len(t.Data))
	// Output: w float32 [1 2] 8
}
