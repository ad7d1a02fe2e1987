package matfile_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/matfile"
)

func ExampleWriter() {
	dir, _ := os.MkdirTemp("", "matfile")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "a.npy.zst") // .npy, zstd-compressed
	w, _ := matfile.Create(path, 2)
	_, _ = w.WriteRows([]float64{1, 2, 3, 4, 5, 6})
	fmt.Println(w.Format(), w.Compression(), w.Rows(), w.Close())
	// Output: npy zstd 3 <nil>
}

func ExampleFile() {
	dir, _ := os.MkdirTemp("", "matfile")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "b.csv.gz")
	w, _ := matfile.Create(path, 3)
	_, _ = w.WriteRows([]float64{1, 2, 3, 4, 5, 6})
	_ = w.Close()

	f, _ := matfile.Open(path)
	defer f.Close()
	rows, _ := stream.ReadAll(f)
	fmt.Println(f.Format(), f.Compression(), f.Cols(), rows)
	// Output: csv gzip 3 [1 2 3 4 5 6]
}

func ExampleFile_Source() {
	dir, _ := os.MkdirTemp("", "matfile")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "c.npy")
	w, _ := matfile.Create(path, 1)
	_, _ = w.WriteRows([]float64{10, 20, 30})
	_ = w.Close()

	f, _ := matfile.Open(path) // uncompressed on disk: random access
	defer f.Close()
	ra := f.Source().(stream.RowReaderAt)
	row := make([]float64, 1)
	_, _ = ra.ReadRowsAt(row, 2)
	fmt.Println(ra.Rows(), row)
	// Output: 3 [30]
}

func ExampleDetectFormat() {
	f, _ := matfile.DetectFormat([]byte("\x93NUMPY\x01\x00"), "data")
	g, _ := matfile.DetectFormat([]byte("1\t2\n"), "")
	fmt.Println(f, g)
	// Output: npy tsv
}

func ExampleFromName() {
	fmt.Println(matfile.FromName("model.safetensors"))
	fmt.Println(matfile.FromName("x.f32.s2"))
	// Output:
	// safetensors none
	// raw s2
}

func ExampleFormat() {
	f, err := matfile.ParseFormat("NPY")
	fmt.Println(f, err, f == matfile.NPY)
	// Output: npy <nil> true
}

func ExampleCompression() {
	c, _ := matfile.ParseCompression("gz")
	d, _ := matfile.DetectCompression([]byte{0x28, 0xb5, 0x2f, 0xfd})
	fmt.Println(c, d)
	// Output: gzip zstd
}
