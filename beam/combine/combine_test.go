package combine

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/beam/rows"
	"github.com/linstream/linstream/sketch"
	"github.com/linstream/linstream/stream/matfile"
)

func TestMain(m *testing.M) {
	beam.Init()
	os.Exit(m.Run())
}

// matrix returns a reproducible n×d matrix with a few heavy rows.
func matrix(n, d int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	a := make([]float64, n*d)
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	for _, i := range []int{3, n / 2, n - 1} {
		for j := range d {
			a[i*d+j] *= 40
		}
	}
	return a
}

// writeShards writes a as three files of different formats and compressions
// whose lexical order is the row order.
func writeShards(t *testing.T, a []float64, d int) string {
	t.Helper()
	dir := t.TempDir()
	n := len(a) / d
	cuts := []int{0, n / 3, 2 * n / 3, n}
	names := []string{"part-0.npy", "part-1.npy.zst", "part-2.csv.gz"}
	for k, name := range names {
		w, err := matfile.Create(filepath.Join(dir, name), d)
		require.NoError(t, err)
		_, err = w.WriteRows(a[cuts[k]*d : cuts[k+1]*d])
		require.NoError(t, err)
		require.NoError(t, w.Close())
	}
	return filepath.Join(dir, "part-*")
}

func init() {
	register.DoFn1x1[beam.X, error](&saveFn{})
}

// saveFn writes the encoding of each element (a sketch) to Path.
type saveFn struct{ Path string }

func (fn *saveFn) ProcessElement(x beam.X) error {
	b, err := x.(state).MarshalBinary()
	if err != nil {
		return err
	}
	return os.WriteFile(fn.Path, b, 0o644)
}

// save sends the encoded singleton col to path.
func save(s beam.Scope, col beam.PCollection, path string) {
	beam.ParDo0(s, &saveFn{Path: path}, col)
}

func TestPipelineMatchesLibrary(t *testing.T) {
	const n, d = 3000, 24
	a := matrix(n, d, 1)
	glob := writeShards(t, a, d)
	out := t.TempDir()

	p, s := beam.NewPipelineWithRoot()
	blocks := rows.Read(s, glob, 128)
	save(s, FrequentDirections(s, blocks, 8), filepath.Join(out, "fd"))
	save(s, Gram(s, blocks), filepath.Join(out, "gram"))
	save(s, CountSketch(s, blocks, 64, 5), filepath.Join(out, "cs"))
	save(s, NormSampler(s, blocks, 16, 5), filepath.Join(out, "ns"))
	save(s, HeavyRows(s, blocks, 0.01), filepath.Join(out, "heavy"))
	_, err := prism.Execute(context.Background(), p)
	require.NoError(t, err)

	load := func(name string, st state) {
		b, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err)
		require.NoError(t, st.UnmarshalBinary(b))
	}

	// Frequent Directions: the order of blocks may differ from one machine's,
	// so check the guarantee rather than the bits.
	fd := new(sketch.FrequentDirections)
	load("fd", fd)
	require.Equal(t, int64(n), fd.Seen())
	checkFD(t, a, d, fd)

	// Gram: AᵀA up to summation order.
	g := new(sketch.Gram)
	load("gram", g)
	want, _ := sketch.NewGram(d)
	_, err = want.WriteRows(a)
	require.NoError(t, err)
	require.InDeltaSlice(t, want.Matrix(nil), g.Matrix(nil), 1e-9*frob2(a))

	// CountSketch: row hashes by global index, so the sums match the
	// single-machine sketch up to rounding.
	cs := new(sketch.CountSketch)
	load("cs", cs)
	one, _ := sketch.NewCountSketch(d, 64, sketch.WithSeed(5))
	_, err = one.WriteRows(a)
	require.NoError(t, err)
	require.InDeltaSlice(t, one.Sketch(nil), cs.Sketch(nil), 1e-9*frob2(a))

	// NormSampler: every sampled index is a real row, rows rescaled as the
	// library does.
	ns := new(sketch.NormSampler)
	load("ns", ns)
	require.Equal(t, 16, len(ns.Indices(nil)))
	for _, i := range ns.Indices(nil) {
		require.True(t, i >= 0 && i < n, "index %d", i)
	}

	// HeavyRows: exactly the offline heavy rows, at their global indices.
	h := new(sketch.HeavyRows)
	load("heavy", h)
	got := map[int64]bool{}
	for r := range h.Rows() {
		got[r.Index] = true
		require.Equal(t, a[r.Index*d:(r.Index+1)*d], r.Row)
	}
	f := frob2(a)
	for i := range n {
		row := a[i*d : (i+1)*d]
		if norm2(row) >= 0.01*f {
			require.True(t, got[int64(i)], "heavy row %d missing", i)
		}
	}
}

func frob2(a []float64) float64 { return norm2(a) }

func norm2(a []float64) float64 {
	s := 0.0
	for _, v := range a {
		s += v * v
	}
	return s
}

// checkFD checks 0 ≼ AᵀA − BᵀB ≼ Δ·I on random probes and the Δ bound.
func checkFD(t *testing.T, a []float64, d int, fd *sketch.FrequentDirections) {
	t.Helper()
	b := fd.Sketch(nil)
	rng := rand.New(rand.NewPCG(9, 9))
	x := make([]float64, d)
	for range 50 {
		for j := range x {
			x[j] = rng.NormFloat64()
		}
		xa, xb := quad(a, d, x), quad(b, d, x)
		nx := norm2(x)
		require.GreaterOrEqual(t, xa-xb, -1e-9*xa)
		require.LessOrEqual(t, xa-xb, fd.Delta()*nx*(1+1e-9)+1e-9*xa)
	}
}

// quad returns ‖Mx‖² for the row-major M.
func quad(m []float64, d int, x []float64) float64 {
	s := 0.0
	for i := 0; i+d <= len(m); i += d {
		v := 0.0
		for j := range d {
			v += m[i+j] * x[j]
		}
		s += v * v
	}
	return s
}

// TestMergePaths drives MergeAccumulators directly: local runners may never
// call it.
func TestMergePaths(t *testing.T) {
	const n, d = 900, 10
	a := matrix(n, d, 2)
	block := func(lo, hi int) rows.Block {
		return rows.Block{Start: int64(lo), Cols: d, Data: a[lo*d : hi*d]}
	}
	halves := [][2]int{{0, 400}, {400, n}}

	t.Run("FrequentDirections", func(t *testing.T) {
		fn := &fdFn{Ell: 6}
		var accs []*sketch.FrequentDirections
		for _, h := range halves {
			acc, err := fn.AddInput(fn.CreateAccumulator(), block(h[0], h[1]))
			require.NoError(t, err)
			accs = append(accs, acc)
		}
		m, err := fn.MergeAccumulators(accs[1], accs[0])
		require.NoError(t, err)
		m, err = fn.MergeAccumulators(m, fn.CreateAccumulator())
		require.NoError(t, err)
		require.Equal(t, int64(n), m.Seen())
		checkFD(t, a, d, fn.ExtractOutput(m))
	})
	t.Run("CountSketch", func(t *testing.T) {
		fn := &countSketchFn{M: 32, Seed: 3}
		// Blocks out of order, split unevenly.
		a1, err := fn.AddInput(nil, block(400, n))
		require.NoError(t, err)
		a0, err := fn.AddInput(nil, block(0, 400))
		require.NoError(t, err)
		m, err := fn.MergeAccumulators(a1, a0)
		require.NoError(t, err)
		one, _ := sketch.NewCountSketch(d, 32, sketch.WithSeed(3))
		_, _ = one.WriteRows(a)
		require.InDeltaSlice(t, one.Sketch(nil), m.Sketch(nil), 1e-9*frob2(a))
	})
	t.Run("Gram", func(t *testing.T) {
		fn := gramFn{}
		a0, err := fn.AddInput(nil, block(0, 400))
		require.NoError(t, err)
		a1, err := fn.AddInput(nil, block(400, n))
		require.NoError(t, err)
		m, err := fn.MergeAccumulators(a0, a1)
		require.NoError(t, err)
		one, _ := sketch.NewGram(d)
		_, _ = one.WriteRows(a)
		require.InDeltaSlice(t, one.Matrix(nil), m.Matrix(nil), 1e-9*frob2(a))
	})
	t.Run("HeavyRows", func(t *testing.T) {
		fn := &heavyRowsFn{Tau: 0.01}
		a1, err := fn.AddInput(nil, block(400, n))
		require.NoError(t, err)
		a0, err := fn.AddInput(nil, block(0, 400))
		require.NoError(t, err)
		m, err := fn.MergeAccumulators(a1, a0)
		require.NoError(t, err)
		one, _ := sketch.NewHeavyRows(d, 0.01)
		_, _ = one.WriteRows(a)
		var want, got []int64
		for r := range one.Rows() {
			want = append(want, r.Index)
		}
		for r := range m.Rows() {
			got = append(got, r.Index)
		}
		require.ElementsMatch(t, want, got)
	})
	t.Run("NormSampler", func(t *testing.T) {
		fn := &normSamplerFn{C: 8, Seed: 4}
		a0, err := fn.AddInput(nil, block(0, 400))
		require.NoError(t, err)
		a1, err := fn.AddInput(nil, block(400, n))
		require.NoError(t, err)
		m, err := fn.MergeAccumulators(a0, a1)
		require.NoError(t, err)
		require.Len(t, m.Indices(nil), 8)
	})
	t.Run("Coders", func(t *testing.T) {
		fn := &fdFn{Ell: 4}
		acc, err := fn.AddInput(nil, block(0, 100))
		require.NoError(t, err)
		b, err := acc.MarshalBinary()
		require.NoError(t, err)
		back := new(sketch.FrequentDirections)
		require.NoError(t, back.UnmarshalBinary(b))
		require.Equal(t, acc.Sketch(nil), back.Sketch(nil))
		require.Error(t, back.UnmarshalBinary(b[:len(b)-3]))
	})
}
