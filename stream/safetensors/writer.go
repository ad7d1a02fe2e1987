package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/raw"
)

// Tensor is one named tensor to Write: its little-endian bytes in
// row-major order.
type Tensor struct {
	Name  string
	Dtype raw.Dtype // a little-endian type with a safetensors name
	Shape []int64
	Data  []byte // len = product of Shape × Dtype.Size()
}

// Float64Tensor returns an F64 tensor holding a copy of data.
func Float64Tensor(name string, shape []int64, data []float64) Tensor {
	b := make([]byte, 8*len(data))
	raw.Encode(b, data, raw.Float64)
	return Tensor{Name: name, Dtype: raw.Float64, Shape: shape, Data: b}
}

// Float32Tensor returns an F32 tensor holding data rounded to float32. It
// panics if a finite value overflows float32.
func Float32Tensor(name string, shape []int64, data []float64) Tensor {
	b := make([]byte, 4*len(data))
	if i := raw.Encode(b, data, raw.Float32); i >= 0 {
		panic(fmt.Sprintf("safetensors: value %g of tensor %q overflows float32", data[i], name))
	}
	return Tensor{Name: name, Dtype: raw.Float32, Shape: shape, Data: b}
}

// Uint8Tensor returns a U8 tensor over data (not copied), e.g. a 0/1 mask.
func Uint8Tensor(name string, shape []int64, data []byte) Tensor {
	return Tensor{Name: name, Dtype: raw.Uint8, Shape: shape, Data: data}
}

// headerJSON builds the JSON header for the given entries, padded with
// spaces to at least minLen bytes and to a multiple of 8.
func headerJSON(meta map[string]string, names, dtypes []string, shapes [][]int64, offs [][2]int64, minLen int) []byte {
	var b strings.Builder
	b.WriteByte('{')
	if len(meta) > 0 {
		keys := make([]string, 0, len(meta))
		for k := range meta {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(`"__metadata__":{`)
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			vb, _ := json.Marshal(meta[k])
			b.Write(kb)
			b.WriteByte(':')
			b.Write(vb)
		}
		b.WriteByte('}')
	}
	for i, name := range names {
		if i > 0 || len(meta) > 0 {
			b.WriteByte(',')
		}
		nb, _ := json.Marshal(name)
		b.Write(nb)
		b.WriteString(`:{"dtype":"` + dtypes[i] + `","shape":[`)
		for j, d := range shapes[i] {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(d, 10))
		}
		fmt.Fprintf(&b, `],"data_offsets":[%d,%d]}`, offs[i][0], offs[i][1])
	}
	b.WriteByte('}')
	for b.Len() < minLen || b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return []byte(b.String())
}

func checkName(name string, seen map[string]bool) error {
	if name == "" || name == "__metadata__" {
		return fmt.Errorf("safetensors: invalid tensor name %q: %w", name, stream.ErrFormat)
	}
	if seen[name] {
		return fmt.Errorf("safetensors: duplicate tensor name %q: %w", name, stream.ErrFormat)
	}
	seen[name] = true
	return nil
}

// Write writes a complete safetensors file holding tensors, in the order
// given, with the Metadata option's map if any. It returns an error for an
// empty, reserved ("__metadata__") or repeated name, and panics if a
// tensor's Data does not match its Shape and Dtype or its Dtype has no
// safetensors name.
func Write(w io.Writer, tensors []Tensor, opts ...Option) error {
	c := newConfig(opts)
	seen := map[string]bool{}
	names := make([]string, len(tensors))
	dtypes := make([]string, len(tensors))
	shapes := make([][]int64, len(tensors))
	offs := make([][2]int64, len(tensors))
	var pos int64
	for i, t := range tensors {
		if err := checkName(t.Name, seen); err != nil {
			return err
		}
		dn := DtypeName(t.Dtype)
		if dn == "" {
			panic(fmt.Sprintf("safetensors: tensor %q has dtype %v, which safetensors cannot store", t.Name, t.Dtype))
		}
		elems := int64(1)
		for _, d := range t.Shape {
			if d < 0 {
				panic(fmt.Sprintf("safetensors: tensor %q has negative shape %v", t.Name, t.Shape))
			}
			elems *= d
		}
		if int64(len(t.Data)) != elems*int64(t.Dtype.Size()) {
			panic(fmt.Sprintf("safetensors: tensor %q has %d bytes; shape %v of %s needs %d", t.Name, len(t.Data), t.Shape, dn, elems*int64(t.Dtype.Size())))
		}
		names[i], dtypes[i], shapes[i] = t.Name, dn, t.Shape
		offs[i] = [2]int64{pos, pos + int64(len(t.Data))}
		pos += int64(len(t.Data))
	}
	hdr := headerJSON(c.metadata, names, dtypes, shapes, offs, 0)
	if err := writeAll(w, binary.LittleEndian.AppendUint64(nil, uint64(len(hdr))), hdr); err != nil {
		return fmt.Errorf("safetensors: writing %s: %w", displayName(c.name), err)
	}
	for _, t := range tensors {
		if _, err := w.Write(t.Data); err != nil {
			return fmt.Errorf("safetensors: writing %s: %w", displayName(c.name), err)
		}
	}
	return nil
}

func writeAll(w io.Writer, parts ...[]byte) error {
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}

// Writer streams the rows of one 2-D F64 (or F32) tensor into a
// safetensors file. It implements stream.Writer. The header holds the row
// count, so like npy.Writer it writes the final header first (KnownRows),
// patches a padded header through Seek (an io.WriteSeeker such as a regular
// file), or spools the rows to a temporary file until Close. Close must be
// called; it does not close the destination. Errors are sticky.
type Writer struct {
	hw *raw.HeaderedWriter
}

// NewWriter returns a Writer of a tensor called tensor with cols columns.
// Options: Float32, KnownRows, TempDir, Metadata, Name. It panics if
// cols < 1.
func NewWriter(w io.Writer, tensor string, cols int, opts ...Option) (*Writer, error) {
	if cols < 1 {
		panic(fmt.Sprintf("safetensors: NewWriter with %d columns", cols))
	}
	c := newConfig(opts)
	if err := checkName(tensor, map[string]bool{}); err != nil {
		return nil, err
	}
	dtype := raw.Float64
	if c.float32 {
		dtype = raw.Float32
	}
	// header returns the length prefix and JSON for rows rows, at least
	// minLen bytes in all.
	header := func(rows int64, minLen int) []byte {
		size := rows * int64(cols) * int64(dtype.Size())
		js := headerJSON(c.metadata, []string{tensor}, []string{DtypeName(dtype)},
			[][]int64{{rows, int64(cols)}}, [][2]int64{{0, size}}, max(0, minLen-8))
		return append(binary.LittleEndian.AppendUint64(nil, uint64(len(js))), js...)
	}
	hw, err := raw.NewHeaderedWriter(w, cols, raw.HeaderSpec{
		Pkg: "safetensors", Name: c.name, Dtype: dtype, KnownRows: c.rows, TempDir: c.tempDir,
		Header: header,
		// Room for the largest row count whose byte size fits an int64.
		Placeholder: func() []byte { return header(math.MaxInt64/int64(8*cols), 0) },
	})
	if err != nil {
		return nil, err
	}
	return &Writer{hw: hw}, nil
}

// Cols returns the number of columns.
func (w *Writer) Cols() int { return w.hw.Cols() }

// Rows returns the number of rows written so far.
func (w *Writer) Rows() int64 { return w.hw.Rows() }

// WriteRows writes the rows of src. It panics if len(src) is not a multiple
// of Cols or the Writer is closed.
func (w *Writer) WriteRows(src []float64) (int, error) { return w.hw.WriteRows(src) }

// Close flushes the rows and completes the file (see Writer). It does not
// close the destination.
func (w *Writer) Close() error { return w.hw.Close() }

var _ stream.Writer = (*Writer)(nil)
