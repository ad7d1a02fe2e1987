package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/internal/clitest"
)

func heavyrows(stdin []byte, args ...string) (code int, stdout, stderr string) {
	return clitest.Run("heavyrows", run, stdin, args...)
}

const csv = "1,0\n0,10\n1,1\n6,8\n0.5,0.5\n"

func TestText(t *testing.T) {
	code, stdout, stderr := heavyrows([]byte(csv), "-tau", "0.25")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "index\tnorm2\tshare\n1\t100\t0.4914\n3\t100\t0.4914\n", stdout)
	assert.Contains(t, stderr, "5 rows of 2 columns")
	assert.Contains(t, stderr, "2 rows with ‖a‖² ≥ 50.875")
}

func TestJSONFileAndCapacity(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.npy")
	clitest.WriteMatrix(t, p, []float64{1, 0, 0, 10, 1, 1, 6, 8, 0.5, 0.5, 0, 11}, 2)

	code, stdout, stderr := heavyrows(nil, "-tau", "0.2", "-json", p)
	require.Equal(t, 0, code, stderr)
	var r report
	require.NoError(t, json.Unmarshal([]byte(stdout), &r))
	assert.Equal(t, int64(6), r.Rows)
	assert.Equal(t, 324.5, r.Frobenius2)
	assert.Equal(t, []int64{1, 3, 5}, indices(r.Heavy))

	code, stdout, stderr = heavyrows(nil, "-tau", "0.2", "-capacity", "1", "-json", p)
	require.Equal(t, 0, code, stderr)
	require.NoError(t, json.Unmarshal([]byte(stdout), &r))
	assert.Equal(t, []int64{5}, indices(r.Heavy))
	assert.Greater(t, r.Threshold, 100.0, "capacity raises the guaranteed threshold")
	assert.Equal(t, 1, r.Capacity)
}

func indices(h []heavy) []int64 {
	out := []int64{}
	for _, x := range h {
		out = append(out, x.Index)
	}
	return out
}

func TestErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"-tau", "0"}, {"-tau", "2"}, {"-tau", "0.1", "a", "b"}, {"-tau", "0.1", "-capacity", "-1"}, {"-x"}, {"-tau", "1e-12"}} {
		code, _, stderr := heavyrows([]byte(csv), args...)
		assert.Equal(t, 2, code, "%v: %s", args, stderr)
	}
	code, _, stderr := heavyrows([]byte("1,2\n3,inf\n"), "-tau", "0.1")
	assert.Equal(t, 1, code)
	assert.True(t, strings.Contains(strings.ToLower(stderr), "non-finite") || strings.Contains(stderr, "inf"), stderr)
	code, _, stderr = heavyrows(nil, "-tau", "0.1", "/nonexistent/x.npy")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "x.npy")
}
