package raw

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// A *bytes.Reader or *bytes.Buffer source takes the fused copy-and-check
// path (readFinite); any other io.Reader the io.ReadFull path. Both must
// give the same rows, the same errors (same rows, columns, offsets,
// messages) and leave the source at the same position, for every block
// size, torn last row, declared row count and planted NaN/±Inf.
func TestFusedPathMatchesReadFull(t *testing.T) {
	const cols = 3
	bad := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
	for rows := range 7 {
		for torn := range []int{0, 5, 8} {
			for plant := -1; plant < rows*cols; plant++ {
				x := sample(rows, cols)
				if plant >= 0 {
					x[plant] = bad[plant%len(bad)]
				}
				full := make([]byte, 8*len(x), 8*len(x)+8)
				for i, v := range x {
					binary.LittleEndian.PutUint64(full[8*i:], math.Float64bits(v))
				}
				data := append(full, []byte("abcdefgh")[:[]int{0, 5, 8}[torn]]...)
				for _, block := range []int{1, 2, 4} {
					for _, declared := range []int64{-1, int64(rows)} {
						opts := []Option{Name("f.bin"), Offset(16), Rows(declared)}
						name := fmt.Sprintf("rows=%d torn=%d plant=%d block=%d declared=%d", rows, torn, plant, block, declared)
						want, wantPos := readTrace(t, struct{ io.Reader }{bytes.NewReader(data)}, block, opts, func(r io.Reader) int {
							return r.(struct{ io.Reader }).Reader.(*bytes.Reader).Len()
						})
						got, gotPos := readTrace(t, bytes.NewReader(data), block, opts, func(r io.Reader) int { return r.(*bytes.Reader).Len() })
						require.Equal(t, want, got, "bytes.Reader %s", name)
						require.Equal(t, wantPos, gotPos, "bytes.Reader position %s", name)
						got, gotPos = readTrace(t, bytes.NewBuffer(bytes.Clone(data)), block, opts, func(r io.Reader) int { return r.(*bytes.Buffer).Len() })
						require.Equal(t, want, got, "bytes.Buffer %s", name)
						require.Equal(t, wantPos, gotPos, "bytes.Buffer position %s", name)
					}
				}
			}
		}
	}
}

// readTrace reads src to its end or first error in blocks of block rows and
// records every call: rows returned, their bits, the error in full, and
// the unread length of the source after it.
func readTrace(t *testing.T, src io.Reader, block int, opts []Option, unread func(io.Reader) int) ([]string, []int) {
	t.Helper()
	r, err := NewReader(src, 3, opts...)
	require.NoError(t, err)
	dst := make([]float64, 3*block)
	var trace []string
	var pos []int
	for range 20 {
		n, err := r.ReadRows(dst)
		s := fmt.Sprintf("n=%d", n)
		for _, v := range dst[:3*n] {
			s += fmt.Sprintf(" %x", math.Float64bits(v))
		}
		s += fmt.Sprintf(" err=%#v", err)
		if err != nil {
			s += " " + err.Error()
		}
		trace = append(trace, s)
		pos = append(pos, unread(src))
		if err != nil {
			break
		}
	}
	return trace, pos
}

// The fused path allocates nothing per call.
func TestFusedPathAllocs(t *testing.T) {
	b := encodeAll(t, sample(64, 8), 8, Float64)
	br := bytes.NewReader(b)
	buf := make([]float64, 8*8)
	r, err := NewReader(br, 8)
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(20, func() {
		br.Reset(b)
		*r = Reader{layout: r.layout, r: br, declared: -1}
		for {
			if _, err := r.ReadRows(buf); err != nil {
				break
			}
		}
	})
	require.Zero(t, allocs)
}
