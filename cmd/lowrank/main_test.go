package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/clitest"
	"github.com/linstream/linstream/internal/digits"
	"github.com/linstream/linstream/lowrank"
	"github.com/linstream/linstream/stream/safetensors"
)

func runTool(stdin []byte, args ...string) (code int, stdout, stderr string) {
	return clitest.Run("lowrank", run, stdin, args...)
}

func digitsFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "digits.npy")
	clitest.WriteMatrix(t, path, digits.Pixels(), digits.Cols)
	return path
}

func readTensors(t *testing.T, path string) map[string][]float64 {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	st, err := f.Stat()
	require.NoError(t, err)
	sf, err := safetensors.Open(f, st.Size())
	require.NoError(t, err)
	out := map[string][]float64{}
	for _, info := range sf.Tensors() {
		r, err := sf.Reader(info.Name)
		require.NoError(t, err)
		buf := make([]float64, info.Rows()*info.Cols())
		got := 0
		for got < len(buf) {
			n, err := r.ReadRows(buf[got:])
			got += n * int(info.Cols())
			if err != nil {
				break
			}
		}
		require.Equal(t, len(buf), got, info.Name)
		out[info.Name] = buf
	}
	return out
}

func TestMethodsAgreeOnDigits(t *testing.T) {
	path := digitsFile(t)
	exact, err := lowrank.Truncate(digits.Pixels(), digits.Rows, digits.Cols, 6)
	require.NoError(t, err)
	for _, m := range []string{"auto", "exact", "gram", "randomized", "fd"} {
		code, out, errs := runTool(nil, "-rank", "6", "-method", m, "-json", path)
		require.Equal(t, 0, code, errs)
		var rep report
		require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
		assert.Equal(t, int64(digits.Rows), rep.Rows)
		assert.Equal(t, 6, rep.Rank)
		assert.Len(t, rep.Sigma, 6)
		assert.GreaterOrEqual(t, rep.Error, exact.FrobError()*(1-1e-9), m)
		assert.LessOrEqual(t, rep.TailLower, exact.TailEnergy*(1+1e-9), m)
		if m == "fd" {
			assert.NotNil(t, rep.Delta)
			assert.False(t, rep.HasU)
			assert.LessOrEqual(t, rep.Error, 1.2*exact.FrobError())
		} else {
			assert.InDelta(t, exact.FrobError(), rep.Error, 1e-3*exact.FrobError(), m)
			assert.True(t, rep.HasU, m)
		}
	}
}

func TestWritesFactors(t *testing.T) {
	path := digitsFile(t)
	out := filepath.Join(t.TempDir(), "f.safetensors")
	code, stdout, errs := runTool(nil, "-rank", "4", "-method", "randomized", "-o", out, path)
	require.Equal(t, 0, code, errs)
	assert.Contains(t, stdout, "wrote")
	ts := readTensors(t, out)
	u, s, v := ts["U"], ts["S"], ts["V"]
	require.Len(t, s, 4)
	require.Len(t, u, digits.Rows*4)
	require.Len(t, v, digits.Cols*4)
	a := digits.Pixels()
	var e, fr float64
	for i := range digits.Rows {
		for j := range digits.Cols {
			var x float64
			for l := range 4 {
				x += u[i*4+l] * s[l] * v[j*4+l]
			}
			d := a[i*digits.Cols+j] - x
			e += d * d
			fr += a[i*digits.Cols+j] * a[i*digits.Cols+j]
		}
	}
	exact, _ := lowrank.Truncate(a, digits.Rows, digits.Cols, 4)
	assert.InDelta(t, exact.FrobError(), math.Sqrt(e), 1e-3*exact.FrobError())

	// -o - writes the safetensors to stdout and the report to stderr.
	code, stdout, errs = runTool(nil, "-rank", "2", "-no-u", "-o", "-", "-json", path)
	require.Equal(t, 0, code, errs)
	var rep report
	require.NoError(t, json.Unmarshal([]byte(errs), &rep))
	assert.Equal(t, []string{"S", "V"}, rep.Tensors)
	h, err := safetensors.ReadHeader(bytes.NewReader([]byte(stdout)), "stdout")
	require.NoError(t, err)
	assert.NotNil(t, h)
}

func TestNormalFormTool(t *testing.T) {
	dir := t.TempDir()
	m, n := 12, 9
	s := make([]float64, m*n)
	for i := range m {
		for j := range n {
			s[i*n+j] = float64(i) - 0.5*float64(j) + math.Sin(float64(i*j))
		}
	}
	in := filepath.Join(dir, "s.csv")
	clitest.WriteMatrix(t, in, s, n)
	out := filepath.Join(dir, "nf.safetensors")
	code, stdout, errs := runTool(nil, "-rank", "2", "-normal-form", "-json", "-o", out, in)
	require.Equal(t, 0, code, errs)
	var rep report
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	ref, err := lowrank.NormalForm(s, m, n, 2)
	require.NoError(t, err)
	assert.InDelta(t, ref.Mu, *rep.Mu, 1e-12)
	assert.InDelta(t, ref.TailEnergy, rep.TailEnergy, 1e-12)
	ts := readTensors(t, out)
	assert.InDeltaSlice(t, ref.Q, ts["Q"], 1e-12)
	assert.InDeltaSlice(t, ref.K, ts["K"], 1e-12)
	assert.InDeltaSlice(t, ref.RowField, ts["row_field"], 1e-12)
	assert.InDeltaSlice(t, ref.ColField, ts["col_field"], 1e-12)
	assert.Len(t, ts["mu"], 1)
	assert.Len(t, ts["S"], 2)
}

func TestStdin(t *testing.T) {
	data, err := os.ReadFile(digitsFile(t))
	require.NoError(t, err)
	code, _, errs := runTool(data, "-rank", "3", "-method", "randomized")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "cannot be re-read")
	for _, m := range []string{"auto", "gram", "exact", "fd"} {
		code, out, errs := runTool(data, "-rank", "3", "-method", m, "-json", "-")
		require.Equal(t, 0, code, m+": "+errs)
		var rep report
		require.NoError(t, json.Unmarshal([]byte(out), &rep))
		assert.Equal(t, m == "exact", rep.HasU, m)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-rank", "0", "x"},
		{"-rank", "2", "-method", "magic", "x"},
		{"-rank", "2", "a", "b"},
		{"-rank", "4", "-ell", "3", "x"},
		{"-rank", "2", "-normal-form", "-method", "fd", "x"},
		{"-rank", "2", "-oversample", "-1", "x"},
		{"-bogus"},
	} {
		code, _, errs := runTool(nil, args...)
		assert.Equal(t, 2, code, "%v: %s", args, errs)
	}
	code, _, errs := runTool(nil, "-rank", "2", "/nonexistent/file.npy")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "nonexistent")
	path := digitsFile(t)
	code, _, errs = runTool(nil, "-rank", "2", "-o", filepath.Join(t.TempDir(), "f.npy"), path)
	assert.Equal(t, 2, code, errs)
}
