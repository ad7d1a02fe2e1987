package main

import (
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
	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/matfile"
)

// matcat runs the tool in-process and returns its exit status and streams.
func matcat(stdin []byte, args ...string) (code int, stdout, stderr string) {
	return clitest.Run("matcat", run, stdin, args...)
}

func sample(rows, cols int) []float64 {
	x := make([]float64, rows*cols)
	for i := range x {
		x[i] = math.Sin(float64(i)*2.1) * math.Pow(10, float64(i%11-5))
	}
	x[0] = math.MaxFloat64
	x[1] = math.SmallestNonzeroFloat64
	x[2] = -1.0 / 3
	return x
}

func readFile(t *testing.T, path string, opts ...matfile.Option) ([]float64, int) {
	t.Helper()
	f, err := matfile.Open(path, opts...)
	require.NoError(t, err)
	defer f.Close()
	x, err := stream.ReadAll(f)
	require.NoError(t, err)
	return x, f.Cols()
}

func requireBits(t *testing.T, want, got []float64, msg string) {
	t.Helper()
	require.Len(t, got, len(want), msg)
	for i := range want {
		if math.Float64bits(want[i]) != math.Float64bits(got[i]) {
			t.Fatalf("%s: value %d: want %v, got %v", msg, i, want[i], got[i])
		}
	}
}

func TestConvertEveryPair(t *testing.T) {
	dir := t.TempDir()
	x := sample(20, 3)
	in := filepath.Join(dir, "in.npy")
	clitest.WriteMatrix(t, in, x, 3)
	formats := map[string]string{"npy": ".npy", "safetensors": ".safetensors", "csv": ".csv", "tsv": ".tsv", "raw": ".raw", "mtx": ".mtx"}
	comps := map[string]string{"none": "", "zstd": ".zst", "gzip": ".gz", "s2": ".s2", "snappy": ".sz"}
	for f, ext := range formats {
		for c, cext := range comps {
			msg := f + "+" + c
			// By name.
			out := filepath.Join(dir, "out"+ext+cext)
			code, _, stderr := matcat(nil, "-o", out, in)
			require.Equal(t, 0, code, msg+": "+stderr)
			got, cols := readFile(t, out, matfile.Cols(3))
			assert.Equal(t, 3, cols)
			requireBits(t, x, got, msg)
			// Back to npy through matcat itself.
			back := filepath.Join(dir, "back.npy")
			code, _, stderr = matcat(nil, "-cols", "3", "-o", back, out)
			require.Equal(t, 0, code, msg+": "+stderr)
			got, _ = readFile(t, back)
			requireBits(t, x, got, msg+" back")
			// By flags, to standard output, then from standard input.
			code, stdout, stderr := matcat(nil, "-format", f, "-compress", c, in)
			require.Equal(t, 0, code, msg+": "+stderr)
			args := []string{"-o", back}
			if f == "raw" {
				args = append(args, "-cols", "3")
			}
			code, _, stderr = matcat([]byte(stdout), args...)
			require.Equal(t, 0, code, msg+" stdin: "+stderr)
			got, _ = readFile(t, back)
			requireBits(t, x, got, msg+" stdin")
		}
	}
}

func TestConcatHeadStat(t *testing.T) {
	dir := t.TempDir()
	a, b := sample(5, 2), sample(7, 2)
	pa, pb := filepath.Join(dir, "a.npy"), filepath.Join(dir, "b.csv.zst")
	clitest.WriteMatrix(t, pa, a, 2)
	clitest.WriteMatrix(t, pb, b, 2)
	out := filepath.Join(dir, "ab.npy")
	code, _, stderr := matcat(nil, "-o", out, pa, pb)
	require.Equal(t, 0, code, stderr)
	got, _ := readFile(t, out)
	requireBits(t, append(append([]float64{}, a...), b...), got, "concat")

	code, stdout, stderr := matcat(nil, "-head", "6", "-format", "csv", pa, pb)
	require.Equal(t, 0, code, stderr)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.Len(t, lines, 6)
	assert.Equal(t, fmt.Sprint(b[0])+","+fmt.Sprint(b[1]), strings.ReplaceAll(lines[5], "e+", "e+"))
	assert.Equal(t, "1.7976931348623157e+308,5e-324", lines[0], "CSV prints the shortest exact form")

	// Stat of a small known matrix, with a NaN and an Inf that must be counted, not fatal.
	csv := "3,4\n0,0\nNaN,12\n-Inf,1\n1,1\n"
	code, stdout, stderr = matcat([]byte(csv), "-stat", "-json")
	require.Equal(t, 0, code, stderr)
	var st Stat
	require.NoError(t, json.Unmarshal([]byte(stdout), &st))
	assert.EqualValues(t, 5, st.Rows)
	assert.Equal(t, 2, st.Cols)
	assert.EqualValues(t, 2, st.NonFinite)
	assert.Equal(t, 12.0, st.MaxRowNorm)
	assert.EqualValues(t, 2, st.MaxRowIndex)
	assert.InDelta(t, math.Sqrt(9+16+144+1+2), st.Frobenius, 1e-12)
	code, stdout, _ = matcat([]byte(csv), "-stat")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "nonfinite     2")
	assert.Contains(t, stdout, "rows          5")

	// Stat does not overflow on huge values.
	code, stdout, _ = matcat([]byte("1e300,1e300\n1e300,0\n"), "-stat", "-json")
	require.Equal(t, 0, code)
	require.NoError(t, json.Unmarshal([]byte(stdout), &st))
	assert.InDelta(t, math.Sqrt(3)*1e300, st.Frobenius, 1e286)
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-format", "xls"},
		{"-compress", "rar"},
		{"-compress", "bzip2"},
		{"-json"},
		{"-stat", "-o", "x.npy"},
		{"-nosuchflag"},
		{"-head", "-5"},
		{"-level", "9"},
		{"-", "-"},
		{"-dtype", "f16"},
	} {
		code, _, stderr := matcat(nil, args...)
		assert.Equal(t, 2, code, "%v", args)
		assert.NotEmpty(t, stderr)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "a.npy")
	clitest.WriteMatrix(t, in, sample(2, 2), 2)
	code, _, stderr := matcat(nil, "-o", filepath.Join(dir, "a.unknown"), in)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "-format")
	code, _, stderr = matcat(nil, "-o", in, in)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "also an input")
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.npy")
	clitest.WriteMatrix(t, a, sample(3, 2), 2)
	c := filepath.Join(dir, "c.npy")
	clitest.WriteMatrix(t, c, sample(3, 4), 4)
	code, _, stderr := matcat(nil, "-format", "csv", a, c)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, c)
	assert.Contains(t, stderr, "columns")

	missing := filepath.Join(dir, "missing.npy")
	code, _, stderr = matcat(nil, "-format", "csv", missing)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, missing)

	torn := filepath.Join(dir, "torn.npy")
	b, _ := os.ReadFile(a)
	require.NoError(t, os.WriteFile(torn, b[:len(b)-3], 0o644))
	code, _, stderr = matcat(nil, "-format", "csv", torn)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, torn)

	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("1,2\n3,x\n"), 0o644))
	out := filepath.Join(dir, "out.npy")
	code, _, stderr = matcat(nil, "-o", out, bad)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, bad+":2")
	_, err := os.Stat(out)
	assert.ErrorIs(t, err, os.ErrNotExist, "no partial output is left behind")

	nan := filepath.Join(dir, "nan.csv")
	require.NoError(t, os.WriteFile(nan, []byte("1,2\nNaN,3\n"), 0o644))
	code, _, stderr = matcat(nil, "-format", "csv", nan)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "finite")
	code, stdout, _ := matcat(nil, "-format", "csv", "-allow-nonfinite", nan)
	assert.Equal(t, 0, code)
	assert.Equal(t, "1,2\nNaN,3\n", stdout)

	code, _, stderr = matcat([]byte{}, "-format", "csv")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "empty")
}

func TestShuffle(t *testing.T) {
	dir := t.TempDir()
	x := make([]float64, 500*3)
	for i := range x {
		x[i] = float64(i)
	}
	for _, name := range []string{"in.npy", "in.csv.zst"} { // random access, and a stream that spills
		in := filepath.Join(dir, name)
		clitest.WriteMatrix(t, in, x, 3)
		var outs [][]float64
		for _, seed := range []string{"1", "1", "2"} {
			out := filepath.Join(dir, "out.npy")
			code, _, stderr := matcat(nil, "-shuffle", "-seed", seed, "-mem", "4096", "-o", out, in)
			require.Equal(t, 0, code, stderr)
			got, _ := readFile(t, out)
			require.Len(t, got, len(x))
			seen := make([]bool, 500)
			for r := range 500 {
				first := int(got[3*r])
				require.Zero(t, first%3)
				require.Equal(t, got[3*r:3*r+3], x[first:first+3], "rows stay whole")
				require.False(t, seen[first/3])
				seen[first/3] = true
			}
			outs = append(outs, got)
		}
		assert.Equal(t, outs[0], outs[1], "same seed, same order")
		assert.NotEqual(t, outs[0], outs[2], "another seed, another order")
		assert.NotEqual(t, x, outs[0])
	}
	code, _, _ := matcat(nil, "-shuffle", "-mem", "10", filepath.Join(dir, "in.npy"))
	assert.Equal(t, 2, code)
}
