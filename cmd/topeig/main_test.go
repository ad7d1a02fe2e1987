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
	"github.com/linstream/linstream/internal/digits"
	"github.com/linstream/linstream/spectral"
	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/matfile"
)

// topeig runs the tool in-process.
func topeig(stdin []byte, args ...string) (code int, stdout, stderr string) {
	return clitest.Run("topeig", run, stdin, args...)
}

func exactDigits(t *testing.T) ([]float64, float64) {
	res, err := spectral.Lanczos(stream.NewSliceReader(digits.Pixels(), digits.Cols), spectral.WithTolerance(1e-12))
	require.NoError(t, err)
	return res.Vector, res.Value
}

func writeMatrix(t *testing.T, path string, x []float64, cols int) {
	clitest.WriteMatrix(t, path, x, cols)
}

func readVector(t *testing.T, path string) []float64 {
	t.Helper()
	f, err := matfile.Open(path)
	require.NoError(t, err)
	defer f.Close()
	buf := make([]float64, 16*f.Cols())
	n, err := f.ReadRows(buf)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	return buf[:f.Cols()]
}

func TestDemo(t *testing.T) {
	for _, m := range []string{"randorder", "oja", "ojagrid", "power", "lanczos"} {
		code, out, errs := topeig(nil, "-demo", "-method", m)
		require.Equal(t, 0, code, errs)
		for _, want := range []string{"λ₁", "rows       1797", "heavy", "state", "rows/s", "evidence", "correlation ⟨v, v₁⟩² = "} {
			assert.Contains(t, out, want, m)
		}
		var c float64
		_, err := fmt.Sscanf(out[strings.Index(out, "⟨v, v₁⟩² = ")+len("⟨v, v₁⟩² = "):], "%g", &c)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, c, 0.99, m)
		if m == "randorder" {
			assert.Contains(t, out, "confident")
			assert.Contains(t, out, "rows in uniformly random order")
		}
	}
}

func TestDemoJSON(t *testing.T) {
	code, out, errs := topeig(nil, "-demo", "-json")
	require.Equal(t, 0, code, errs)
	var rep map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	for _, k := range []string{"value", "rows", "heavy_rows", "seconds", "vector", "exact_correlation", "confident", "state_floats"} {
		assert.Contains(t, rep, k)
	}
	assert.Equal(t, 1797.0, rep["rows"])
	assert.Len(t, rep["vector"], 64)
	assert.GreaterOrEqual(t, rep["exact_correlation"].(float64), 0.99)
}

func TestFileMethods(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "digits.npy")
	writeMatrix(t, in, digits.Pixels(), digits.Cols)
	v1, l1 := exactDigits(t)
	for _, m := range []string{"randorder", "oja", "ojagrid", "power", "lanczos"} {
		out := filepath.Join(dir, m+".npy")
		code, stdout, errs := topeig(nil, "-method", m, "-shuffle", "-seed", "3", "-o", out, "-json", in)
		require.Equal(t, 0, code, errs)
		var rep report
		require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
		assert.Nil(t, rep.Vector, "no vector in JSON with -o")
		assert.Equal(t, out, rep.VectorFile)
		assert.Equal(t, int64(digits.Rows), rep.Rows)
		assert.InDelta(t, l1, rep.Value, 0.02*l1, m)
		v := readVector(t, out)
		assert.GreaterOrEqual(t, spectral.Correlation(v, v1), 0.99, m)
		if m == "ojagrid" {
			require.NotNil(t, rep.LearningRate)
			assert.Greater(t, *rep.LearningRate, 0.0)
		}
		if m == "power" || m == "lanczos" {
			require.NotNil(t, rep.Residual)
			assert.LessOrEqual(t, math.Abs(rep.Value-l1), *rep.Residual+1e-6*l1)
		}
	}
}

func TestStdin(t *testing.T) {
	// CSV on standard input, one pass: no row count known, doubling rule.
	var b strings.Builder
	x := digits.Pixels()
	for i := range digits.Rows {
		for j := range digits.Cols {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%g", x[i*digits.Cols+j])
		}
		b.WriteByte('\n')
	}
	code, out, errs := topeig([]byte(b.String()), "-shuffle", "-json", "-")
	require.Equal(t, 0, code, errs)
	var rep report
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	v1, _ := exactDigits(t)
	assert.GreaterOrEqual(t, spectral.Correlation(rep.Vector, v1), 0.99)
	// The multi-pass methods cannot re-read standard input.
	code, _, errs = topeig([]byte(b.String()), "-method", "power")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "needs a file it can read again")
	// The learning-rate grid needs the row count, which a CSV pipe does not give.
	code, _, errs = topeig([]byte(b.String()), "-method", "ojagrid", "-")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "-method ojagrid sets its learning rates from the number of rows")
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"-method", "svd"}, {"-mem", "0"}, {"-tol", "2"}, {"-passes", "-1"},
		{"a", "b"}, {"-demo", "file.npy"}, {"-nosuchflag"},
	} {
		code, _, errs := topeig(nil, args...)
		assert.Equal(t, 2, code, "%v: %s", args, errs)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(p, []byte("1,2\n3,x\n"), 0o644))
	code, _, errs := topeig(nil, p)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "bad.csv")
	code, _, errs = topeig(nil, filepath.Join(dir, "missing.npy"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "missing.npy")
	empty := filepath.Join(dir, "empty.csv")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	code, _, _ = topeig(nil, empty)
	assert.Equal(t, 1, code)
}
