package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/clitest"
	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/delim"
	"github.com/linstream/linstream/stream/matfile"
	"github.com/linstream/linstream/stream/synth"
)

// matgen runs the tool in-process and returns its exit status and streams.
func matgen(args ...string) (int, string, string) {
	return clitest.Run("matgen", run, nil, args...)
}

func TestCSVToStdout(t *testing.T) {
	code, out, errs := matgen("gaussian", "-rows", "20", "-cols", "3", "-seed", "5", "-format", "csv")
	require.Equal(t, 0, code, errs)
	assert.Empty(t, errs)
	r, err := delim.NewReader(strings.NewReader(out))
	require.NoError(t, err)
	got, err := stream.ReadAll(r)
	require.NoError(t, err)
	g, err := synth.NewGaussian(20, 3, 5)
	require.NoError(t, err)
	want, err := stream.ReadAll(g)
	require.NoError(t, err)
	assert.Equal(t, want, got, "CSV output is exact")
}

func TestEveryKindToFile(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		make func() (stream.Reader, error)
	}{
		{[]string{"lowrank", "-rows", "30", "-cols", "6", "-rank", "2", "-noise", "0.1"},
			func() (stream.Reader, error) { return synth.NewLowRank(30, 6, 2, 0.1, 1) }},
		{[]string{"spectrum", "-rows", "30", "-cols", "6", "-values", "3,2,1"},
			func() (stream.Reader, error) { return synth.NewSpectrum(30, 6, []float64{3, 2, 1}, 1) }},
		{[]string{"spectrum", "-exact", "-rows", "30", "-cols", "6", "-values", "3, 2"},
			func() (stream.Reader, error) { return synth.NewSpectrumExact(30, 6, []float64{3, 2}, 1) }},
		{[]string{"spiked", "-rows", "30", "-cols", "6", "-ratio", "9", "-seed", "3"},
			func() (stream.Reader, error) { return synth.NewSpiked(30, 6, 9, 3) }},
		{[]string{"heavy", "-cols", "6", "-ratio", "3", "-k", "4", "-order", "sorted"},
			func() (stream.Reader, error) { return synth.NewHeavy(6, 3, 4, synth.SortedOrder, 1) }},
	}
	for i, name := range []string{"a.npy.zst", "b.csv.gz", "c.mtx", "d.safetensors", "e.npy"} {
		c := cases[i]
		path := filepath.Join(dir, name)
		code, out, errs := matgen(append(c.args, "-o", path, "-json")...)
		require.Equal(t, 0, code, errs)
		var sum summary
		require.NoError(t, json.Unmarshal([]byte(out), &sum), out)
		assert.Equal(t, c.args[0], sum.Kind)
		assert.Equal(t, path, sum.Output)

		f, err := matfile.Open(path)
		require.NoError(t, err)
		got, err := stream.ReadAll(f)
		require.NoError(t, err)
		require.NoError(t, f.Close())
		g, err := c.make()
		require.NoError(t, err)
		want, err := stream.ReadAll(g)
		require.NoError(t, err)
		assert.Equal(t, int64(len(want)/6), sum.Rows)
		require.Len(t, got, len(want), name)
		for k := range want {
			require.Equal(t, math.Float64bits(want[k]), math.Float64bits(got[k]), "%s value %d", name, k)
		}
	}
}

func TestJSONTruth(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.npy")
	code, out, errs := matgen("heavy", "-cols", "4", "-ratio", "9", "-k", "10", "-seed", "2", "-o", path, "-json")
	require.Equal(t, 0, code, errs)
	var sum summary
	require.NoError(t, json.Unmarshal([]byte(out), &sum))
	assert.Equal(t, int64(9+3*10), sum.Rows)
	assert.Equal(t, []float64{3, 1}, sum.SingularValues)
	assert.Equal(t, "random", sum.Order)
	h, err := synth.NewHeavy(4, 9, 10, synth.RandomOrder, 2)
	require.NoError(t, err)
	assert.Equal(t, h.TopVector(nil), sum.TopVector)
	assert.Equal(t, "npy", sum.Format)
}

func TestUsageErrors(t *testing.T) {
	cases := [][]string{
		{},
		{"nope"},
		{"gaussian"}, // stdout without -format
		{"gaussian", "-format", "xls"},
		{"gaussian", "-format", "csv", "-compress", "rar"},
		{"gaussian", "-format", "csv", "-compress", "bzip2"},
		{"gaussian", "-format", "csv", "-json"},
		{"gaussian", "-format", "csv", "extra"},
		{"gaussian", "-format", "csv", "-rows", "0"},
		{"gaussian", "-bogus"},
		{"lowrank", "-format", "csv", "-cols", "3", "-rank", "4"},
		{"spectrum", "-format", "csv"},
		{"spectrum", "-format", "csv", "-values", "1,x"},
		{"spiked", "-format", "csv", "-ratio", "0.5"},
		{"heavy", "-format", "csv", "-rows", "5"},
		{"heavy", "-format", "csv", "-ratio", "2.5"},
		{"heavy", "-format", "csv", "-order", "backwards"},
	}
	for _, args := range cases {
		code, out, errs := matgen(args...)
		assert.Equal(t, 2, code, "%v: %s", args, errs)
		assert.Empty(t, out, "%v", args)
		assert.NotEmpty(t, errs, "%v", args)
	}
}

func TestFailureExit1(t *testing.T) {
	code, _, errs := matgen("gaussian", "-o", filepath.Join(t.TempDir(), "no", "such", "dir.csv"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "matgen:")
}

func TestHelp(t *testing.T) {
	code, _, errs := matgen("-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, errs, "usage: matgen")
}
