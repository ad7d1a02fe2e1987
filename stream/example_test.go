package stream_test

import (
	"errors"
	"fmt"
	"io"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/stream"
)

// Copy moves a stream through one buffer; Tee lets one pass feed several
// consumers.
func ExampleCopy() {
	a := []float64{
		1, 2,
		3, 4,
		5, 6,
	}
	kept := stream.NewSliceWriter(2)
	count := stream.Discard(2)
	n, err := stream.Copy(stream.Tee(kept, count), stream.NewSliceReader(a, 2))
	fmt.Println(n, err, kept.Data(), count.Rows())
	// Output: 3 <nil> [1 2 3 4 5 6] 3
}

func ExampleTee() {
	sum := &colSum{s: make([]float64, 2)}
	count := stream.Discard(2)
	_, err := stream.Copy(stream.Tee(sum, count), stream.NewSliceReader([]float64{1, 10, 2, 20, 3, 30}, 2))
	fmt.Println(sum.s, count.Rows(), err)
	// Output: [6 60] 3 <nil>
}

// colSum is a minimal consumer: a Writer that sums columns.
type colSum struct{ s []float64 }

func (c *colSum) Cols() int { return len(c.s) }
func (c *colSum) WriteRows(src []float64) (int, error) {
	for i, v := range src {
		c.s[i%len(c.s)] += v
	}
	return len(src) / len(c.s), nil
}

func ExampleTeeReader() {
	seen := stream.Discard(1)
	r := stream.TeeReader(stream.NewSliceReader([]float64{1, 2, 3, 4}, 1), seen)
	first := make([]float64, 3)
	n, _ := stream.ReadFull(r, first)
	fmt.Println(n, first, seen.Rows())
	// Output: 3 [1 2 3] 3
}

func ExampleScanner() {
	r := stream.NewSliceReader([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 2)
	s := stream.NewScanner(r, 2) // blocks of 2 rows
	for s.Scan() {
		fmt.Println(s.Row(), s.Block())
	}
	fmt.Println(s.Err())
	// Output:
	// 0 [1 2 3 4]
	// 2 [5 6 7 8]
	// 4 [9 10]
	// <nil>
}

func ExampleScanner_All() {
	r := stream.NewSliceReader([]float64{3, 4, 6, 8, 0, 1}, 2)
	s := stream.NewScanner(r, 0)
	for i, row := range s.All() {
		fmt.Printf("row %d: norm %.0f\n", i, math.Hypot(row[0], row[1]))
	}
	if err := s.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// row 0: norm 5
	// row 1: norm 10
	// row 2: norm 1
}

func ExampleShuffle() {
	const n = 10
	a := make([]float64, n) // one column: row i holds i
	for i := range a {
		a[i] = float64(i)
	}
	out := stream.NewSliceWriter(1)
	// 1 KiB cannot hold 10 rows with their staging buffers, so this spills
	// to temporary files; the order is still exactly uniform.
	rows, err := stream.Shuffle(out, stream.NewSliceReader(a, 1), stream.WithSeed(42), stream.WithMemory(1<<10))
	if err != nil {
		fmt.Println(err)
		return
	}
	seen := make([]bool, n)
	for _, v := range out.Data() {
		seen[int(v)] = true
	}
	fmt.Println(rows, !contains(seen, false))

	again := stream.NewSliceWriter(1)
	_, _ = stream.Shuffle(again, stream.NewSliceReader(a, 1), stream.WithSeed(42), stream.WithMemory(1<<10))
	fmt.Println("same seed, same order:", fmt.Sprint(again.Data()) == fmt.Sprint(out.Data()))
	// Output:
	// 10 true
	// same seed, same order: true
}

func contains(s []bool, v bool) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// NewShuffled is the Reader form, for pipelines that want a Reader.
func ExampleNewShuffled() {
	a := []float64{0, 0, 1, 1, 2, 2, 3, 3}
	s, err := stream.NewShuffled(stream.NewSliceReader(a, 2), stream.WithSeed(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close() // removes any temporary files
	sum := 0.0
	for _, row := range stream.NewScanner(s, 0).All() {
		sum += row[0] + row[1]
	}
	fmt.Println(sum, s.Rows())
	// Output: 12 4
}

func ExampleWithSpillCompression() {
	a := make([]float64, 3000)
	for i := range a {
		a[i] = float64(i % 7)
	}
	c := stream.Discard(3)
	n, err := stream.Shuffle(c, stream.NewSliceReader(a, 3), stream.WithMemory(4<<10), stream.WithSpillCompression(stream.SpillZstd))
	fmt.Println(n, err, stream.SpillZstd)
	// Output: 1000 <nil> zstd
}

func ExampleFromMatrix() {
	m := mat.NewDense(3, 2, []float64{1, 2, 3, 4, 5, 6})
	r := stream.FromMatrix(m)
	d, err := stream.ToDense(stream.LimitRows(r, 2), 0)
	fmt.Println(r.Rows(), err)
	fmt.Println(mat.Formatted(d))
	// Output:
	// 3 <nil>
	// ⎡1  2⎤
	// ⎣3  4⎦
}

func ExampleToDense() {
	_, err := stream.ToDense(stream.NewSliceReader(make([]float64, 10), 1), 5)
	fmt.Println(errors.Is(err, stream.ErrTooLarge))
	// Output: true
}

func ExampleLimitRows() {
	r := stream.LimitRows(stream.NewSliceReader([]float64{1, 2, 3, 4, 5}, 1), 3)
	rows, _ := stream.ReadAll(r)
	fmt.Println(rows, r.Rows())
	// Output: [1 2 3] 3
}

func ExampleReadFull() {
	r := stream.NewSliceReader([]float64{1, 2, 3, 4, 5}, 1)
	buf := make([]float64, 3)
	for range 3 {
		n, err := stream.ReadFull(r, buf)
		fmt.Println(n, buf[:n], err)
	}
	// Output:
	// 3 [1 2 3] <nil>
	// 2 [4 5] unexpected EOF
	// 0 [] EOF
}

func ExampleReadAll() {
	rows, err := stream.ReadAll(stream.NewSliceReader([]float64{1, 2, 3, 4}, 2))
	fmt.Println(rows, err)
	// Output: [1 2 3 4] <nil>
}

func ExampleCheckFinite() {
	block := []float64{
		1, 2, 3,
		4, math.NaN(), 6,
	}
	err := stream.CheckFinite(block, 3, 10) // block starts at row 10 (0-based)
	var de *stream.DataError
	if errors.As(err, &de) {
		de.File = "x.npy" // a format reader adds what it knows
		fmt.Println(de.Row, de.Column, errors.Is(err, stream.ErrNonFinite))
		fmt.Println(err)
	}
	// Output:
	// 12 2 true
	// x.npy: row 12, column 2: value NaN, expected a finite number: stream: non-finite value
}

func ExampleDiscard() {
	c := stream.Discard(4)
	_, _ = stream.Copy(c, stream.NewSliceReader(make([]float64, 4*100), 4))
	fmt.Println(c.Rows())
	// Output: 100
}

func ExampleSliceReader() {
	r := stream.NewSliceReader([]float64{1, 2, 3, 4}, 2)
	w := stream.NewSliceWriter(2)
	_, _ = stream.Copy(w, r)
	_ = r.Rewind()
	_, _ = stream.Copy(w, r)
	fmt.Println(r.Rows(), w.Rows(), w.Data())
	// Output: 2 4 [1 2 3 4 1 2 3 4]
}

func ExampleDataError() {
	err := fmt.Errorf("loading: %w", &stream.DataError{
		File: "a.csv", Line: 7, Row: 6, Column: 3, Offset: 120,
		Msg: `field "x1" is not a number`, Err: stream.ErrFormat,
	})
	fmt.Println(err)
	fmt.Println(errors.Is(err, stream.ErrFormat), errors.Is(err, io.EOF))
	// Output:
	// loading: a.csv:7: row 6, column 3 (byte 120): field "x1" is not a number: stream: malformed input
	// true false
}

// Reset shuffles again, once per epoch, without reallocating: each pass is
// a new permutation, and the sequence of passes is reproducible.
func ExampleShuffled_Reset() {
	a := []float64{0, 1, 2, 3, 4, 5, 6, 7}
	r := stream.NewSliceReader(a, 1)
	s, err := stream.NewShuffled(r, stream.WithSeed(3))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	for epoch := range 3 {
		if epoch > 0 {
			_ = r.Rewind()
			s.Reset(r)
		}
		sum := stream.Discard(1)
		n, err := stream.Copy(sum, s) // Copy uses s.WriteTo
		fmt.Println(epoch, n, err)
	}
	// Output:
	// 0 8 <nil>
	// 1 8 <nil>
	// 2 8 <nil>
}
