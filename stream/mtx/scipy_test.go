package mtx

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/stream"
	"github.com/linstream/linstream/stream/delim"
)

// TestScipyFixtures reads files written by scipy.io.mmwrite (see
// testdata/gen_scipy.py) and compares them bit for bit with the dense
// matrices numpy saved beside them.
func TestScipyFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/scipy_*.mtx")
	require.NoError(t, err)
	require.Len(t, files, 7)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			f, err := os.Open(path)
			require.NoError(t, err)
			defer f.Close()
			r, err := NewReader(f, FileName(path))
			require.NoError(t, err)
			got, err := stream.ReadAll(r)
			require.NoError(t, err)

			c, err := os.Open(strings.TrimSuffix(path, ".mtx") + ".csv")
			require.NoError(t, err)
			defer c.Close()
			cr, err := delim.NewReader(c, delim.Header(0))
			require.NoError(t, err)
			require.Equal(t, cr.Cols(), r.Cols())
			want, err := stream.ReadAll(cr)
			require.NoError(t, err)
			require.Len(t, got, len(want))
			for i := range want {
				assert.True(t, want[i] == got[i], "value %d: got %v want %v", i, got[i], want[i])
			}
			// Rewind works from the file too.
			require.NoError(t, r.Rewind())
			again, err := stream.ReadAll(r)
			require.NoError(t, err)
			assert.Equal(t, got, again)
		})
	}
}
