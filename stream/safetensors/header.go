package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/raw"
)

// TensorInfo describes one tensor of a file.
type TensorInfo struct {
	Name  string
	Dtype string  // the format's dtype name, e.g. "F32"
	Shape []int64 // dimensions; the element count is their product
	// Begin and End are the tensor's byte range in the data section
	// (file offset = Header.DataOffset + Begin).
	Begin, End int64
}

// Readable reports whether linstream can stream the tensor: a known dtype
// and one or two dimensions.
func (t *TensorInfo) Readable() bool {
	_, ok := dtypeByName[t.Dtype]
	return ok && (len(t.Shape) == 1 || len(t.Shape) == 2)
}

// Rows returns the number of matrix rows: Shape[0] (1 for a scalar).
func (t *TensorInfo) Rows() int64 {
	if len(t.Shape) == 0 {
		return 1
	}
	return t.Shape[0]
}

// Cols returns the number of matrix columns: Shape[1], 1 for a 1-D tensor.
func (t *TensorInfo) Cols() int64 {
	if len(t.Shape) < 2 {
		return 1
	}
	return t.Shape[1]
}

// Header is a parsed safetensors header.
type Header struct {
	Tensors    []TensorInfo      // in data order (by Begin)
	Metadata   map[string]string // the "__metadata__" map, nil if absent
	DataOffset int64             // file offset of the data section: 8 + N
	DataEnd    int64             // the largest End of any tensor
}

// Lookup returns the tensor called name.
func (h *Header) Lookup(name string) (TensorInfo, bool) {
	for _, t := range h.Tensors {
		if t.Name == name {
			return t, true
		}
	}
	return TensorInfo{}, false
}

// Names returns the tensor names in data order.
func (h *Header) Names() []string {
	s := make([]string, len(h.Tensors))
	for i, t := range h.Tensors {
		s[i] = t.Name
	}
	return s
}

var truncated = fmt.Errorf("%w: %w", stream.ErrFormat, io.ErrUnexpectedEOF)

// ReadHeader reads the length and JSON header from r, leaving r at the
// first data byte, and validates every tensor entry. name is used in
// errors.
func ReadHeader(r io.Reader, name string) (*Header, error) {
	var pre [8]byte
	n, err := io.ReadFull(r, pre[:])
	switch {
	case n == 0 && err == io.EOF:
		return nil, dataError(name, 0, stream.ErrEmpty, "empty input; expected a safetensors file")
	case err == io.ErrUnexpectedEOF:
		return nil, dataError(name, int64(n), truncated, "input ends after %d bytes; expected the 8-byte header length", n)
	case err != nil:
		return nil, fmt.Errorf("safetensors: reading %s: %w", displayName(name), err)
	}
	hlen := binary.LittleEndian.Uint64(pre[:])
	if hlen > MaxHeaderLen {
		return nil, dataError(name, 0, stream.ErrTooLarge, "header length %d exceeds the limit of %d bytes", hlen, MaxHeaderLen)
	}
	if hlen < 2 {
		return nil, dataError(name, 0, stream.ErrFormat, "header length %d; expected a JSON object", hlen)
	}
	var buf bytes.Buffer
	got, err := io.CopyN(&buf, r, int64(hlen))
	if err == io.EOF {
		return nil, dataError(name, 8+got, truncated, "header ends after %d of its %d declared bytes", got, hlen)
	} else if err != nil {
		return nil, fmt.Errorf("safetensors: reading the header of %s: %w", displayName(name), err)
	}
	h, err := parseHeader(buf.Bytes(), name)
	if err != nil {
		return nil, err
	}
	h.DataOffset = 8 + int64(hlen)
	return h, nil
}

type entry struct {
	Dtype       string  `json:"dtype"`
	Shape       []int64 `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

func parseHeader(b []byte, name string) (*Header, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, dataError(name, 8, stream.ErrFormat, "header is not a JSON object: %v", err)
	}
	h := &Header{}
	for k, v := range m {
		if k == "__metadata__" {
			if err := json.Unmarshal(v, &h.Metadata); err != nil {
				return nil, dataError(name, 8, stream.ErrFormat, "__metadata__ is not a map of strings: %v", err)
			}
			continue
		}
		var e entry
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, dataError(name, 8, stream.ErrFormat, "tensor %q: %v", k, err)
		}
		t := TensorInfo{Name: k, Dtype: e.Dtype, Shape: e.Shape}
		size := 0
		if d, ok := dtypeByName[e.Dtype]; ok {
			size = d.Size()
		} else if s, ok := otherSizes[e.Dtype]; ok {
			size = s
		} else {
			return nil, dataError(name, 8, stream.ErrFormat, "tensor %q has unknown dtype %q", k, e.Dtype)
		}
		if t.Shape == nil {
			return nil, dataError(name, 8, stream.ErrFormat, "tensor %q has no shape", k)
		}
		if len(e.DataOffsets) != 2 {
			return nil, dataError(name, 8, stream.ErrFormat, "tensor %q: data_offsets has %d values; expected [begin, end]", k, len(e.DataOffsets))
		}
		t.Begin, t.End = e.DataOffsets[0], e.DataOffsets[1]
		if t.Begin < 0 || t.End < t.Begin || t.End > maxBytes {
			return nil, dataError(name, 8, stream.ErrFormat, "tensor %q: data_offsets [%d, %d] are not a valid range", k, t.Begin, t.End)
		}
		elems := int64(1)
		for _, d := range t.Shape {
			if d < 0 {
				return nil, dataError(name, 8, stream.ErrFormat, "tensor %q: negative dimension in shape %v", k, t.Shape)
			}
			if d != 0 && elems > maxBytes/int64(size)/d {
				return nil, dataError(name, 8, stream.ErrTooLarge, "tensor %q: shape %v is too large to be real", k, t.Shape)
			}
			elems *= d
		}
		if want := elems * int64(size); t.End-t.Begin != want {
			return nil, dataError(name, 8, stream.ErrShape, "tensor %q: shape %v of %s needs %d bytes but data_offsets [%d, %d] span %d",
				k, t.Shape, t.Dtype, want, t.Begin, t.End, t.End-t.Begin)
		}
		h.Tensors = append(h.Tensors, t)
	}
	slices.SortFunc(h.Tensors, func(a, b TensorInfo) int {
		if c := cmpInt(a.Begin, b.Begin); c != 0 {
			return c
		}
		if c := cmpInt(a.End, b.End); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	for i := 1; i < len(h.Tensors); i++ {
		a, b := h.Tensors[i-1], h.Tensors[i]
		if b.Begin < a.End {
			return nil, dataError(name, 8, stream.ErrFormat, "tensors %q [%d, %d] and %q [%d, %d] overlap", a.Name, a.Begin, a.End, b.Name, b.Begin, b.End)
		}
	}
	for _, t := range h.Tensors {
		h.DataEnd = max(h.DataEnd, t.End)
	}
	return h, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// pick chooses the tensor to read: the one called name, or the only tensor
// when name is "".
func (h *Header) pick(name, file string) (TensorInfo, error) {
	if name == "" {
		if len(h.Tensors) == 1 {
			return h.Tensors[0], nil
		}
		if len(h.Tensors) == 0 {
			return TensorInfo{}, dataError(file, h.DataOffset, stream.ErrEmpty, "the file holds no tensors")
		}
		return TensorInfo{}, dataError(file, -1, stream.ErrUnsupported, "the file holds %d tensors (%s); name the one to read", len(h.Tensors), strings.Join(h.Names(), ", "))
	}
	t, ok := h.Lookup(name)
	if !ok {
		return TensorInfo{}, dataError(file, -1, stream.ErrFormat, "no tensor %q; the file holds %s", name, strings.Join(h.Names(), ", "))
	}
	return t, nil
}

// checkReadable reports why t cannot be streamed, if it cannot.
func (t *TensorInfo) checkReadable(file string, dataOffset int64) (raw.Dtype, error) {
	d, ok := dtypeByName[t.Dtype]
	if !ok {
		return 0, dataError(file, dataOffset+t.Begin, stream.ErrUnsupported, "tensor %q has dtype %s; expected F64, F32, F16, BF16 or an integer type", t.Name, t.Dtype)
	}
	if len(t.Shape) != 1 && len(t.Shape) != 2 {
		return 0, dataError(file, dataOffset+t.Begin, stream.ErrUnsupported, "tensor %q has shape %v; expected 1-D or 2-D", t.Name, t.Shape)
	}
	if t.Cols() == 0 {
		return 0, dataError(file, dataOffset+t.Begin, stream.ErrShape, "tensor %q has shape %v with no columns", t.Name, t.Shape)
	}
	if t.Cols() > raw.MaxCols {
		return 0, dataError(file, dataOffset+t.Begin, stream.ErrTooLarge, "tensor %q has %d columns, more than %d", t.Name, t.Cols(), raw.MaxCols)
	}
	return d, nil
}
