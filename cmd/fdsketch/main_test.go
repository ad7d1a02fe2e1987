package main

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/clitest"
	"github.com/linstream/linstream/sketch"
	"github.com/linstream/linstream/stream/matfile"
)

func fdsketch(stdin []byte, args ...string) (code int, stdout, stderr string) {
	return clitest.Run("fdsketch", run, stdin, args...)
}

func matrix(n, d int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	a := make([]float64, n*d)
	for i := range a {
		a[i] = rng.NormFloat64() * float64(1+i%d)
	}
	return a
}

func library(t *testing.T, a []float64, d, ell int) []byte {
	t.Helper()
	f, err := sketch.NewFrequentDirections(d, ell)
	require.NoError(t, err)
	_, err = f.WriteRows(a)
	require.NoError(t, err)
	b, err := f.MarshalBinary()
	require.NoError(t, err)
	return b
}

func TestSketchFileAndStdin(t *testing.T) {
	dir := t.TempDir()
	d, ell := 9, 4
	a := matrix(700, d, 1)
	in := filepath.Join(dir, "a.npy")
	clitest.WriteMatrix(t, in, a, d)
	out := filepath.Join(dir, "a.fds")
	code, stdout, stderr := fdsketch(nil, "-ell", "4", "-o", out, in)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stdout)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, library(t, a, d, ell), got, "the tool's sketch is the library's, bit for bit")

	// Standard input (npy bytes), sketch to standard output.
	raw, err := os.ReadFile(in)
	require.NoError(t, err)
	code, stdout, stderr = fdsketch(raw, "-ell", "4")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, got, []byte(stdout))

	// CSV on standard input.
	csv := filepath.Join(dir, "b.csv")
	clitest.WriteMatrix(t, csv, a[:5*d], d)
	text, _ := os.ReadFile(csv)
	code, stdout, stderr = fdsketch(text, "-ell", "4", "-")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, library(t, a[:5*d], d, ell), []byte(stdout))
}

func TestShowJSONMergeExport(t *testing.T) {
	dir := t.TempDir()
	d := 12
	a := matrix(600, d, 2)
	p1, p2 := filepath.Join(dir, "1.csv"), filepath.Join(dir, "2.npy")
	clitest.WriteMatrix(t, p1, a[:250*d], d)
	clitest.WriteMatrix(t, p2, a[250*d:], d)
	s1, s2 := filepath.Join(dir, "1.fds"), filepath.Join(dir, "2.fds")
	for _, c := range [][2]string{{p1, s1}, {p2, s2}} {
		code, _, stderr := fdsketch(nil, "-ell", "5", "-o", c[1], c[0])
		require.Equal(t, 0, code, stderr)
	}
	m := filepath.Join(dir, "m.fds")
	code, _, stderr := fdsketch(nil, "-merge", "-o", m, s1, s2)
	require.Equal(t, 0, code, stderr)

	f1, f2 := loadFD(t, s1), loadFD(t, s2)
	require.NoError(t, f1.Merge(f2))
	want, _ := f1.MarshalBinary()
	got, _ := os.ReadFile(m)
	assert.Equal(t, want, got)

	// A saved sketch and a matrix operand mix: the matrix is sketched, then merged.
	code, _, stderr = fdsketch(nil, "-ell", "5", "-o", filepath.Join(dir, "mix.fds"), s1, p2)
	require.Equal(t, 0, code, stderr)
	got, _ = os.ReadFile(filepath.Join(dir, "mix.fds"))
	assert.Equal(t, want, got)

	code, stdout, stderr := fdsketch(nil, "-show", m)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "rows 600, columns 12, ℓ 5")
	assert.Contains(t, stdout, "Δ")

	code, stdout, stderr = fdsketch(nil, "-json", "-k", "2", m)
	require.Equal(t, 0, code, stderr)
	var s summary
	require.NoError(t, json.Unmarshal([]byte(stdout), &s))
	assert.Equal(t, int64(600), s.Rows)
	assert.Equal(t, 5, s.Ell)
	assert.Equal(t, f1.Delta(), s.Delta)
	top := f1.TopK(2)
	assert.Equal(t, top.Values, s.Values)
	assert.Equal(t, top.Upper, s.Upper)
	assert.GreaterOrEqual(t, s.TailBound, s.Delta)

	exp := filepath.Join(dir, "B.npy")
	code, _, stderr = fdsketch(nil, "-export", exp, m)
	require.Equal(t, 0, code, stderr)
	mf, err := matfile.Open(exp)
	require.NoError(t, err)
	defer mf.Close()
	require.Equal(t, d, mf.Cols())
	buf := make([]float64, 100*d)
	n, _ := mf.ReadRows(buf)
	assert.Equal(t, f1.Sketch(nil), buf[:n*d])
}

func loadFD(t *testing.T, path string) *sketch.FrequentDirections {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var f sketch.FrequentDirections
	require.NoError(t, f.UnmarshalBinary(b))
	return &f
}

func TestCheckpointResume(t *testing.T) {
	dir := t.TempDir()
	d, ell := 7, 3
	a := matrix(2000, d, 3)
	in := filepath.Join(dir, "a.csv.gz")
	clitest.WriteMatrix(t, in, a, d)
	want := library(t, a, d, ell)

	for _, crashAt := range []int64{300, 1000, 1999} {
		ck := filepath.Join(dir, "ck.fds")
		os.Remove(ck)
		out := filepath.Join(dir, "out.fds")
		os.Remove(out)
		crash := errors.New("injected crash")
		afterBlock = func(rows int64) error {
			if rows >= crashAt {
				return crash
			}
			return nil
		}
		code, _, stderr := fdsketch(nil, "-ell", "3", "-checkpoint", ck, "-every", "128", "-o", out, in)
		afterBlock = nil
		require.Equal(t, 1, code)
		assert.Contains(t, stderr, "injected crash")
		c := loadFD(t, ck)
		assert.Less(t, c.Seen(), crashAt+128)
		assert.Positive(t, c.Seen())
		assert.Zero(t, c.Seen()%128, "checkpoints land every 128 rows")
		_, err := os.Stat(out)
		assert.True(t, os.IsNotExist(err), "no output from the crashed run")

		code, _, stderr = fdsketch(nil, "-ell", "3", "-checkpoint", ck, "-every", "128", "-o", out, in)
		require.Equal(t, 0, code, stderr)
		got, _ := os.ReadFile(out)
		assert.Equal(t, want, got, "resumed after a crash at %d rows: bit for bit", crashAt)
		ckb, _ := os.ReadFile(ck)
		assert.Equal(t, want, ckb, "final checkpoint is the final state")
		leftovers, _ := filepath.Glob(filepath.Join(dir, ".ck.fds.tmp*"))
		assert.Empty(t, leftovers)
	}

	// A checkpoint from another input that is longer than this one.
	short := filepath.Join(dir, "short.csv")
	clitest.WriteMatrix(t, short, a[:10*d], d)
	code, _, stderr := fdsketch(nil, "-ell", "3", "-checkpoint", filepath.Join(dir, "ck.fds"), short)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "not the same input")
	// Or with another ℓ.
	code, _, stderr = fdsketch(nil, "-ell", "4", "-checkpoint", filepath.Join(dir, "ck.fds"), in)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "ℓ = 3")
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	d := 4
	a := matrix(100, d, 4)
	in := filepath.Join(dir, "a.npy")
	clitest.WriteMatrix(t, in, a, d)
	s := filepath.Join(dir, "a.fds")
	code, _, stderr := fdsketch(nil, "-ell", "3", "-o", s, in)
	require.Equal(t, 0, code, stderr)
	b, _ := os.ReadFile(s)

	for _, cut := range []int{7, 30, len(b) - 1} {
		bad := filepath.Join(dir, "bad.fds")
		require.NoError(t, os.WriteFile(bad, b[:cut], 0o644))
		code, _, stderr = fdsketch(nil, "-show", bad)
		assert.Equal(t, 1, code)
		assert.Contains(t, stderr, "bad.fds: not a valid Frequent Directions sketch")
		assert.Contains(t, stderr, "truncated")
	}
	other := append([]byte(nil), b...)
	other[4] = 2 // a HeavyRows kind
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kind.fds"), other, 0o644))
	code, _, stderr = fdsketch(nil, "-show", filepath.Join(dir, "kind.fds"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "kind 2, want 1")

	for _, args := range [][]string{
		{"-ell", "-2", in},
		{"-merge", s},
		{"-merge", "-o", filepath.Join(dir, "x.fds"), in},
		{in},
		{"-ell", "3", "-checkpoint", "c", in, in},
		{"-show", "-k", "3", s},
		{"-every", "0", "-ell", "3", in},
		{"-nosuchflag"},
	} {
		code, _, stderr = fdsketch(nil, args...)
		assert.Equal(t, 2, code, "%v: %s", args, stderr)
	}
	code, _, stderr = fdsketch(nil, "-ell", "3", "-o", filepath.Join(dir, "y.fds"), s, filepath.Join(dir, "missing.npy"))
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "missing.npy")

	// Merging sketches of different ℓ or width.
	s5 := filepath.Join(dir, "five.fds")
	code, _, _ = fdsketch(nil, "-ell", "5", "-o", s5, in)
	require.Equal(t, 0, code)
	code, _, stderr = fdsketch(nil, "-merge", "-o", filepath.Join(dir, "z.fds"), s, s5)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "incompatible")

	// Non-finite input.
	code, _, stderr = fdsketch([]byte("1,2\n3,nan\n"), "-ell", "2", "-show")
	assert.Equal(t, 1, code)
	assert.True(t, strings.Contains(stderr, "non-finite") || strings.Contains(stderr, "NaN"), stderr)
}
