package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
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

// writeMaskNpy writes an m×n mask .npy of the given descr ("|u1", "|b1",
// "<f8") holding vals.
func writeMaskNpy(t *testing.T, path, descr string, shape string, vals []byte) {
	t.Helper()
	hdr := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	for (10+len(hdr)+1)%64 != 0 {
		hdr += " "
	}
	hdr += "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	b.WriteByte(byte(len(hdr)))
	b.WriteByte(byte(len(hdr) >> 8))
	b.WriteString(hdr)
	b.Write(vals)
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
}

// TestNormalFormMask: -mask gives lowrank.NormalForm with WithMask — also
// when the unobserved entries are NaN — for both '|u1' and '|b1' masks, and
// a mask of the wrong shape, dtype or values is a clear error (exit 1,
// naming the file and what is wrong), as is -mask without -normal-form.
func TestNormalFormMask(t *testing.T) {
	dir := t.TempDir()
	m, n := 10, 7
	s := make([]float64, m*n)
	mask := make([]bool, m*n)
	mb := make([]byte, m*n)
	for i := range m {
		for j := range n {
			s[i*n+j] = 0.3*float64(i) - float64(j) + math.Cos(float64(i+2*j))
			if (i+j)%4 != 0 {
				mask[i*n+j], mb[i*n+j] = true, 1
			}
		}
	}
	ref, err := lowrank.NormalForm(s, m, n, 2, lowrank.WithMask(mask))
	require.NoError(t, err)
	plain, err := lowrank.NormalForm(s, m, n, 2)
	require.NoError(t, err)
	require.Greater(t, math.Abs(ref.Mu-plain.Mu), 1e-6, "the mask must matter in this test")
	withNaN := append([]float64(nil), s...)
	for i, ok := range mask {
		if !ok {
			withNaN[i] = math.NaN()
		}
	}
	in := filepath.Join(dir, "s.npy")
	clitest.WriteMatrix(t, in, s, n)
	inNaN := filepath.Join(dir, "s_nan.csv")
	require.NoError(t, os.WriteFile(inNaN, []byte(csvOf(withNaN, n)), 0o644))
	shape := fmt.Sprintf("(%d, %d)", m, n)
	for _, descr := range []string{"|u1", "|b1"} {
		mpath := filepath.Join(dir, "m"+descr[1:]+".npy")
		writeMaskNpy(t, mpath, descr, shape, mb)
		for _, src := range []string{in, inNaN} {
			out := filepath.Join(dir, "nf.safetensors")
			code, stdout, errs := runTool(nil, "-rank", "2", "-normal-form", "-mask", mpath, "-json", "-o", out, src)
			require.Equal(t, 0, code, errs)
			var rep report
			require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
			assert.InDelta(t, ref.Mu, *rep.Mu, 1e-12, "%s %s", descr, src)
			ts := readTensors(t, out)
			assert.InDeltaSlice(t, ref.Q, ts["Q"], 1e-10)
			assert.InDeltaSlice(t, ref.RowField, ts["row_field"], 1e-10)
			assert.InDeltaSlice(t, ref.ColField, ts["col_field"], 1e-10)
		}
	}
	bad := map[string]struct {
		descr, shape string
		vals         []byte
		want         string
	}{
		"shape":  {"|u1", fmt.Sprintf("(%d, %d)", n, m), mb, fmt.Sprintf("shape %d×%d, but the score matrix is %d×%d", n, m, m, n)},
		"1-D":    {"|u1", fmt.Sprintf("(%d,)", m*n), mb, fmt.Sprintf("shape %d, but the score matrix", m*n)},
		"dtype":  {"<f8", shape, make([]byte, 8*m*n), `dtype "<f8"; expected '|u1' or '|b1'`},
		"values": {"|u1", shape, append([]byte{2}, mb[1:]...), "value 2 at row 1, column 1; expected 0 or 1"},
	}
	for name, c := range bad {
		mpath := filepath.Join(dir, "bad_"+name+".npy")
		writeMaskNpy(t, mpath, c.descr, c.shape, c.vals)
		code, _, errs := runTool(nil, "-rank", "2", "-normal-form", "-mask", mpath, in)
		assert.Equal(t, 1, code, name)
		assert.Contains(t, errs, c.want, name)
		assert.Contains(t, errs, mpath, name)
		assert.Equal(t, 1, strings.Count(errs, "lowrank:"), "%s: %s", name, errs)
	}
	// A NaN in an addressable entry is still an error.
	mpath := filepath.Join(dir, "all.npy")
	ones := bytes.Repeat([]byte{1}, m*n)
	writeMaskNpy(t, mpath, "|u1", shape, ones)
	code, _, errs := runTool(nil, "-rank", "2", "-normal-form", "-mask", mpath, inNaN)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "non-finite")
	code, _, errs = runTool(nil, "-rank", "2", "-mask", mpath, in)
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "for -normal-form")
	code, _, errs = runTool(nil, "-rank", "2", "-normal-form", "-mask", filepath.Join(dir, "missing.npy"), in)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "missing.npy")
}

func csvOf(x []float64, cols int) string {
	var b strings.Builder
	for i, v := range x {
		if i%cols > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%.17g", v)
		if i%cols == cols-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// TestErrorsNameThePackageOnce: errors that come from package lowrank are
// printed as "lowrank: …", not "lowrank: lowrank: …".
func TestErrorsNameThePackageOnce(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "nan.csv")
	require.NoError(t, os.WriteFile(bad, []byte("1,2\n3,nan\n4,5\n"), 0o644))
	for _, m := range []string{"gram", "randomized", "exact", "fd"} {
		code, _, errs := runTool(nil, "-rank", "1", "-method", m, bad)
		assert.Equal(t, 1, code, m)
		assert.True(t, strings.HasPrefix(errs, "lowrank: "), "%s: %q", m, errs)
		assert.NotContains(t, errs, "lowrank: lowrank:", m)
		assert.Contains(t, errs, "non-finite", m)
	}
	empty := filepath.Join(dir, "empty.csv")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	code, _, errs := runTool(nil, "-rank", "1", "-method", "gram", empty)
	assert.Equal(t, 1, code)
	assert.NotContains(t, errs, "lowrank: lowrank:")
}

// TestKrylovFlag: -method randomized -krylov gives the truncation (error
// and σ as the exact route's) with U, and -krylov belongs to that method.
func TestKrylovFlag(t *testing.T) {
	path := digitsFile(t)
	exact, err := lowrank.Truncate(digits.Pixels(), digits.Rows, digits.Cols, 6)
	require.NoError(t, err)
	code, out, errs := runTool(nil, "-rank", "6", "-method", "randomized", "-krylov", "-json", path)
	require.Equal(t, 0, code, errs)
	var rep report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.InDelta(t, exact.FrobError(), rep.Error, 1e-6*exact.FrobError())
	assert.InDeltaSlice(t, exact.Sigma, rep.Sigma, 1e-6*exact.Sigma[0])
	assert.True(t, rep.HasU)
	code, _, errs = runTool(nil, "-rank", "6", "-method", "gram", "-krylov", path)
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "-krylov")
}
