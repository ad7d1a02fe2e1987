package fuzz

import (
	"errors"
	"io"
	"os"
	"testing"

	gmat "gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/stream"
)

// streamIndexed returns n rows of cols columns whose row i holds
// i*cols + j in column j: each row carries its index.
func streamIndexed(n, cols int) []float64 {
	x := make([]float64, n*cols)
	for i := range x {
		x[i] = float64(i)
	}
	return x
}

// streamScripted is a Reader that returns as many rows per call as its script
// says (sometimes none, never twice in a row) and ends with tail: nil for
// io.EOF, or an error.
type streamScripted struct {
	data   []float64
	cols   int
	off    int
	script []byte
	step   int
	zero   bool
	tail   error
}

func (s *streamScripted) Cols() int { return s.cols }

func (s *streamScripted) ReadRows(dst []float64) (int, error) {
	if len(dst)%s.cols != 0 {
		panic("streamScripted: bad buffer")
	}
	if s.off == len(s.data) {
		if s.tail != nil {
			return 0, s.tail
		}
		return 0, io.EOF
	}
	k := 1
	if len(s.script) > 0 {
		k = int(s.script[s.step%len(s.script)] % 7)
		s.step++
	}
	if k == 0 && s.zero {
		k = 1
	}
	s.zero = k == 0
	k = min(k, len(dst)/s.cols, (len(s.data)-s.off)/s.cols)
	n := copy(dst[:k*s.cols], s.data[s.off:])
	s.off += n
	return k, nil
}

var errStreamTail = errors.New("fuzz: injected read error")

// FuzzShuffle: for any row count, width, memory budget, seed, spill
// compression and source kind (sequential or random access), Shuffle writes
// a permutation of the input rows, each row intact, the same one for the
// same seed, and leaves no temporary file.
func FuzzShuffle(f *testing.F) {
	f.Add(uint16(0), uint8(1), uint16(0), uint64(0), uint8(0), false)
	f.Add(uint16(10), uint8(2), uint16(0), uint64(1), uint8(0), false)
	f.Add(uint16(2999), uint8(0), uint16(0), uint64(7), uint8(0), false)    // 1 KiB: deep spill
	f.Add(uint16(1500), uint8(11), uint16(300), uint64(3), uint8(1), false) // zstd
	f.Add(uint16(800), uint8(5), uint16(2000), uint64(9), uint8(2), true)   // random access
	f.Add(uint16(64), uint8(63), uint16(65535), uint64(5), uint8(2), false)
	f.Fuzz(func(t *testing.T, n16 uint16, c8 uint8, b16 uint16, seed uint64, comp uint8, ra bool) {
		n := int(n16 % 3000)
		cols := 1 + int(c8%64)
		budget := int64(1<<10) + int64(b16)*4
		dir := t.TempDir()
		opts := []stream.ShuffleOption{
			stream.WithSeed(seed),
			stream.WithMemory(budget),
			stream.WithSpillCompression(stream.SpillCompression(comp % 3)),
			stream.WithTempDir(dir),
		}
		data := streamIndexed(n, cols)
		src := func() stream.Reader {
			if ra && n > 0 {
				return stream.FromMatrix(gmat.NewDense(n, cols, data))
			}
			return &streamScripted{data: data, cols: cols, script: []byte{byte(seed), byte(seed >> 8), 5}}
		}
		w := stream.NewSliceWriter(cols)
		rows, err := stream.Shuffle(w, src(), opts...)
		if err != nil {
			// A budget must hold two rows plus a frame's staging and
			// compression buffers: about 5.2 rows and 100 bytes.
			if errors.Is(err, stream.ErrTooLarge) && budget < 6*8*int64(cols)+200 {
				return
			}
			t.Fatalf("n=%d cols=%d budget=%d: %v", n, cols, budget, err)
		}
		if rows != int64(n) || w.Rows() != n {
			t.Fatalf("wrote %d (%d) rows, want %d", rows, w.Rows(), n)
		}
		out := w.Data()
		seen := make([]bool, n)
		for k := range n {
			row := out[k*cols : (k+1)*cols]
			i := int(row[0]) / cols
			if i < 0 || i >= n || seen[i] {
				t.Fatalf("output row %d: input row %d repeated or out of range", k, i)
			}
			seen[i] = true
			for j, v := range row {
				if v != float64(i*cols+j) {
					t.Fatalf("output row %d (input %d) torn at column %d", k, i, j)
				}
			}
		}
		again := stream.NewSliceWriter(cols)
		if _, err := stream.Shuffle(again, src(), opts...); err != nil {
			t.Fatal(err)
		}
		for k, v := range again.Data() {
			if v != out[k] {
				t.Fatalf("same seed, different order at value %d", k)
			}
		}
		if es, _ := os.ReadDir(dir); len(es) > 0 {
			t.Fatalf("%d temporary files left", len(es))
		}
	})
}

// FuzzRowOps checks Scanner (Scan/Block/Row/Err and All), LimitRows and
// ReadFull against a reference computed directly from the rows, over a
// Reader that returns rows in streamScripted, irregular amounts and ends cleanly,
// with a torn row or with another error.
func FuzzRowOps(f *testing.F) {
	f.Add(uint16(10), uint8(3), uint8(4), uint16(100), uint8(0), []byte{1, 0, 6, 2})
	f.Add(uint16(0), uint8(1), uint8(0), uint16(0), uint8(1), []byte{})
	f.Add(uint16(64), uint8(2), uint8(64), uint16(64), uint8(2), []byte{0, 3})
	f.Add(uint16(65), uint8(7), uint8(1), uint16(30), uint8(1), []byte{5, 5, 5, 0})
	f.Fuzz(func(t *testing.T, n16 uint16, c8 uint8, b8 uint8, lim16 uint16, tailKind uint8, script []byte) {
		n := int(n16 % 2000)
		cols := 1 + int(c8%9)
		block := int(b8 % 100) // 0: the default
		limit := int(lim16 % 2100)
		var tail error
		switch tailKind % 3 {
		case 1:
			tail = &stream.DataError{Row: int64(n + 1), Offset: -1, Msg: "torn row", Err: io.ErrUnexpectedEOF}
		case 2:
			tail = errStreamTail
		}
		data := streamIndexed(n, cols)
		newSrc := func() stream.Reader {
			return stream.LimitRows(&streamScripted{data: data, cols: cols, script: script, tail: tail}, int64(limit))
		}
		want := data[:min(n, limit)*cols]
		var wantErr error // what Err must report after the last row
		if limit > n {
			wantErr = tail
		}

		// Scan / Block / Row / Err.
		s := stream.NewScanner(newSrc(), block)
		bs := block
		if bs == 0 {
			bs = stream.DefaultBlockRows
		}
		var got []float64
		for s.Scan() {
			if s.Row() != int64(len(got)/cols) {
				t.Fatalf("Row() = %d, want %d", s.Row(), len(got)/cols)
			}
			b := s.Block()
			if len(b) == 0 || len(b)%cols != 0 || len(b) > bs*cols {
				t.Fatalf("block of %d values", len(b))
			}
			got = append(got, b...)
			if len(b) < bs*cols && len(got) < len(want) {
				t.Fatalf("short block before the end")
			}
		}
		if !streamEqual(got, want) {
			t.Fatalf("Scanner read %d values, want %d", len(got), len(want))
		}
		if !errors.Is(s.Err(), wantErr) || (wantErr == nil) != (s.Err() == nil) {
			t.Fatalf("Err() = %v, want %v", s.Err(), wantErr)
		}

		// All.
		s = stream.NewScanner(newSrc(), block)
		got = got[:0]
		next := int64(0)
		for i, row := range s.All() {
			if i != next || len(row) != cols {
				t.Fatalf("All yielded row %d (len %d), want %d", i, len(row), next)
			}
			next++
			got = append(got, row...)
		}
		if !streamEqual(got, want) || !errors.Is(s.Err(), wantErr) {
			t.Fatalf("All: %d values, err %v", len(got), s.Err())
		}

		// ReadFull with a buffer of bs rows: full buffers, then a short one
		// (io.ErrUnexpectedEOF) or io.EOF — unless the source fails.
		r := newSrc()
		buf := make([]float64, bs*cols)
		got = got[:0]
		for {
			k, err := stream.ReadFull(r, buf)
			got = append(got, buf[:k*cols]...)
			if err == nil {
				if k != bs {
					t.Fatalf("ReadFull: %d rows and no error", k)
				}
				continue
			}
			switch {
			case wantErr != nil:
				if !errors.Is(err, wantErr) {
					t.Fatalf("ReadFull: %v, want %v", err, wantErr)
				}
			case k == 0:
				if err != io.EOF {
					t.Fatalf("ReadFull: no rows and %v, want io.EOF", err)
				}
			default:
				if err != io.ErrUnexpectedEOF {
					t.Fatalf("ReadFull: %d rows and %v, want io.ErrUnexpectedEOF", k, err)
				}
			}
			break
		}
		if !streamEqual(got, want) {
			t.Fatalf("ReadFull read %d values, want %d", len(got), len(want))
		}
	})
}

func streamEqual(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
