package topk

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mat"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/matfile"
)

func TestMain(m *testing.M) {
	beam.Init()
	os.Exit(m.Run())
}

// The example pipeline on Prism: its top-k vectors span the same space as
// the exact top-k right singular vectors of a matrix with a clear gap.
func TestPipeline(t *testing.T) {
	const n, d, k = 2000, 16, 3
	rng := rand.New(rand.NewPCG(1, 2))
	a := make([]float64, n*d)
	scale := []float64{30, 20, 10}
	for i := range n {
		for j := range d {
			a[i*d+j] = 0.1 * rng.NormFloat64()
		}
		for c, s := range scale { // a planted rank-3 part along e_0, e_1, e_2
			a[i*d+c] += s * rng.NormFloat64()
		}
	}
	dir := t.TempDir()
	for p, name := range []string{"m-0.npy.zst", "m-1.csv"} {
		w, err := matfile.Create(filepath.Join(dir, name), d)
		require.NoError(t, err)
		_, err = w.WriteRows(a[p*n/2*d : (p+1)*n/2*d])
		require.NoError(t, err)
		require.NoError(t, w.Close())
	}
	out := filepath.Join(t.TempDir(), "v.npy")
	p, s := beam.NewPipelineWithRoot()
	Pipeline(s, filepath.Join(dir, "m-*"), out, 8, k, 100)
	_, err := prism.Execute(context.Background(), p)
	require.NoError(t, err)

	f, err := matfile.Open(out)
	require.NoError(t, err)
	defer f.Close()
	v, err := stream.ReadAll(f)
	require.NoError(t, err)
	require.Len(t, v, k*d)

	var svd mat.SVD
	require.True(t, svd.Factorize(mat.NewDense(n, d, a), mat.SVDThin))
	var vt mat.Dense
	svd.VTo(&vt)
	// ‖V_kᵀ·v_i‖² ≈ 1 for every returned vector: it lies in the top-k span.
	for i := range k {
		in := 0.0
		for c := range k {
			dot := 0.0
			for j := range d {
				dot += v[i*d+j] * vt.At(j, c)
			}
			in += dot * dot
		}
		require.InDelta(t, 1, in, 1e-3, "vector %d", i)
		require.InDelta(t, 1, math.Sqrt(dotSelf(v[i*d:(i+1)*d])), 1e-9)
	}
}

func dotSelf(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v * v
	}
	return s
}
