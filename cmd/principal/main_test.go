package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/clitest"
	"github.com/linstream/linstream/internal/digits"
	"github.com/linstream/linstream/lowrank"
	"github.com/linstream/linstream/stream/matfile"
	"github.com/linstream/linstream/stream/safetensors"
)

func runTool(stdin []byte, args ...string) (code int, stdout, stderr string) {
	return clitest.Run("principal", run, stdin, args...)
}

// readMask reads a 0/1 mask file (any format matfile reads) as bytes.
func readMask(t *testing.T, path string, opts ...matfile.Option) []byte {
	t.Helper()
	f, err := matfile.Open(path, opts...)
	require.NoError(t, err)
	defer f.Close()
	var out []byte
	buf := make([]float64, 64*f.Cols())
	for {
		n, err := f.ReadRows(buf)
		for _, v := range buf[:n*f.Cols()] {
			out = append(out, byte(v))
		}
		if err != nil {
			break
		}
	}
	return out
}

// weights returns a deterministic m×n matrix with a clear rank-3 part.
func weights(m, n int, seed float64) []float64 {
	w := make([]float64, m*n)
	for i := range m {
		for j := range n {
			x := float64(i+1) * seed
			y := float64(j+1) / seed
			w[i*n+j] = 3*sinc(x*0.37+y*0.11) + 2*sinc(x*0.05-y*0.29) + sinc(x*y*0.013) + 0.05*sinc(float64(i*n+j)*0.7)
		}
	}
	return w
}

func sinc(x float64) float64 {
	// A smooth bounded function without importing math in two places.
	return x / (1 + x*x)
}

func TestDigitsMask(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "w.npy")
	w := digits.Pixels()
	clitest.WriteMatrix(t, in, w, digits.Cols)
	ref, err := lowrank.PrincipalWeights(w, digits.Rows, digits.Cols, 8, lowrank.LoRABudget(2))
	require.NoError(t, err)
	want := ref.MaskBytes(nil)
	for _, extra := range [][]string{nil, {"-mem", "0"}, {"-method", "exact"}} {
		out := filepath.Join(dir, "m.npy")
		args := append([]string{"-rank", "8", "-lora-rank", "2", "-json", "-o", out}, extra...)
		code, stdout, errs := runTool(nil, append(args, in)...)
		require.Equal(t, 0, code, errs)
		var rep report
		require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
		require.Len(t, rep.Tensors, 1)
		tr := rep.Tensors[0]
		assert.Equal(t, [2]int{digits.Rows, digits.Cols}, tr.Shape)
		assert.Equal(t, (digits.Rows+digits.Cols)*2, tr.K)
		assert.InDelta(t, ref.EnergyShare, tr.EnergyShare, 1e-9)
		assert.Equal(t, extra != nil && extra[0] == "-mem", tr.Streamed)
		assert.True(t, tr.Converged, "%v", extra)
		require.NotNil(t, tr.Angle, "%v", extra)
		assert.LessOrEqual(t, *tr.Angle, 1e-7, "%v", extra)
		assert.Equal(t, want, readMask(t, out), "%v", extra)
		// The file is a |u1 array.
		raw, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Contains(t, string(raw[:128]), "'|u1'")
	}
	// Standard input.
	data, err := os.ReadFile(in)
	require.NoError(t, err)
	out := filepath.Join(dir, "stdin.npy")
	code, _, errs := runTool(data, "-rank", "8", "-lora-rank", "2", "-o", out, "-")
	require.Equal(t, 0, code, errs)
	assert.Equal(t, want, readMask(t, out))
}

func TestSafetensorsAll(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "model.safetensors")
	a := weights(40, 30, 1.3)
	b := weights(25, 50, 0.7)
	bias := weights(1, 30, 2)
	f, err := os.Create(in)
	require.NoError(t, err)
	require.NoError(t, safetensors.Write(f, []safetensors.Tensor{
		safetensors.Float32Tensor("layer.q", []int64{40, 30}, a),
		safetensors.Float64Tensor("layer.o", []int64{25, 50}, b),
		safetensors.Float64Tensor("layer.bias", []int64{30}, bias),
	}))
	require.NoError(t, f.Close())
	// float32 storage: compute the reference on the rounded values.
	a32 := make([]float64, len(a))
	for i, v := range a {
		a32[i] = float64(float32(v))
	}
	refs := map[string]*lowrank.PrincipalResult{}
	refs["layer.q"], err = lowrank.PrincipalWeights(a32, 40, 30, 3, lowrank.FractionBudget(0.05))
	require.NoError(t, err)
	refs["layer.o"], err = lowrank.PrincipalWeights(b, 25, 50, 3, lowrank.FractionBudget(0.05))
	require.NoError(t, err)

	out := filepath.Join(dir, "masks.safetensors")
	code, stdout, errs := runTool(nil, "-rank", "3", "-fraction", "0.05", "-all", "-json", "-o", out, in)
	require.Equal(t, 0, code, errs)
	var rep report
	require.NoError(t, json.Unmarshal([]byte(stdout), &rep))
	assert.Equal(t, []string{"layer.bias"}, rep.Skipped)
	require.Len(t, rep.Tensors, 2)
	for _, tr := range rep.Tensors {
		ref := refs[tr.Name]
		require.NotNil(t, ref, tr.Name)
		assert.Equal(t, ref.K, tr.K)
		assert.Equal(t, ref.MaskBytes(nil), readMask(t, out, matfile.Tensor(tr.Name)), tr.Name)
	}
	// One tensor by name, mask as .npy.
	one := filepath.Join(dir, "o.npy")
	code, _, errs = runTool(nil, "-rank", "3", "-fraction", "0.05", "-tensor", "layer.o", "-o", one, in)
	require.Equal(t, 0, code, errs)
	assert.Equal(t, refs["layer.o"].MaskBytes(nil), readMask(t, one))
	// Several tensors and no -tensor: an error naming the problem.
	code, _, errs = runTool(nil, "-rank", "3", "-fraction", "0.05", in)
	assert.NotEqual(t, 0, code)
	assert.NotEmpty(t, errs)
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{"-rank", "2", "x.npy"},
		{"-rank", "2", "-lora-rank", "2", "-count", "5", "x.npy"},
		{"-rank", "0", "-count", "5", "x.npy"},
		{"-rank", "2", "-fraction", "1.5", "x.npy"},
		{"-rank", "2", "-count", "5"},
		{"-rank", "2", "-count", "5", "-all", "x.npy"},
		{"-rank", "2", "-count", "5", "-all", "-tensor", "a", "x.safetensors"},
		{"-rank", "2", "-count", "5", "-method", "magic", "x.npy"},
		{"-nope"},
	} {
		code, _, errs := runTool(nil, args...)
		assert.Equal(t, 2, code, "%v: %s", args, errs)
	}
	code, _, errs := runTool(nil, "-rank", "2", "-count", "5", "/nonexistent.npy")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "nonexistent")
}
