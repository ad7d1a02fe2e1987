package raw

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/stream"
)

// toySpec is a format whose header is "rows=<count>" padded with spaces to
// minLen bytes and ended by a newline; the placeholder has room for 19
// digits.
func toySpec(known int64, dir string) HeaderSpec {
	header := func(rows int64, minLen int) []byte {
		b := fmt.Appendf(nil, "rows=%d", rows)
		for len(b) < minLen-1 {
			b = append(b, ' ')
		}
		return append(b, '\n')
	}
	return HeaderSpec{
		Pkg: "toy", Name: "t.toy", Dtype: Float32, KnownRows: known, TempDir: dir,
		Header:      header,
		Placeholder: func() []byte { return header(0, len("rows=")+19+1) },
	}
}

func TestHeaderedWriterModes(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6}
	data := encodeAll(t, x, 2, Float32)
	dir := t.TempDir()

	// Known rows: header first, to any io.Writer.
	var known bytes.Buffer
	w, err := NewHeaderedWriter(&known, 2, toySpec(3, dir))
	require.NoError(t, err)
	n, err := w.WriteRows(x)
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	assert.Equal(t, int64(3), w.Rows())
	assert.Equal(t, 2, w.Cols())
	require.NoError(t, w.Close())
	assert.Equal(t, append([]byte("rows=3\n"), data...), known.Bytes())

	// Spooled: same bytes, and the spool file is gone.
	var spooled bytes.Buffer
	w, err = NewHeaderedWriter(&spooled, 2, toySpec(-1, dir))
	require.NoError(t, err)
	_, err = w.WriteRows(x)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	assert.Equal(t, known.Bytes(), spooled.Bytes())
	left, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, left, "spool removed")

	// Seekable file after leading bytes: the padded header is patched.
	path := filepath.Join(dir, "a.toy")
	f, err := os.Create(path)
	require.NoError(t, err)
	_, err = f.WriteString("lead")
	require.NoError(t, err)
	w, err = NewHeaderedWriter(f, 2, toySpec(-1, dir))
	require.NoError(t, err)
	_, err = w.WriteRows(x)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	hdr := toySpec(3, dir).Header(3, 25)
	assert.Equal(t, append(append([]byte("lead"), hdr...), data...), got)
}

func TestHeaderedWriterErrors(t *testing.T) {
	w, err := NewHeaderedWriter(&bytes.Buffer{}, 2, toySpec(5, ""))
	require.NoError(t, err)
	_, err = w.WriteRows([]float64{1, 2})
	require.NoError(t, err)
	err = w.Close()
	var de *stream.DataError
	require.ErrorAs(t, err, &de)
	assert.ErrorIs(t, err, stream.ErrShape)
	assert.Contains(t, err.Error(), "1 rows written; KnownRows promised 5")
	assert.Equal(t, err, w.Close(), "Close again returns the same error")
	assert.PanicsWithValue(t, "toy: WriteRows after Close", func() { _, _ = w.WriteRows([]float64{1, 2}) })

	// Sticky errors: a float32 overflow stops the writer.
	w, err = NewHeaderedWriter(&bytes.Buffer{}, 1, toySpec(-1, t.TempDir()))
	require.NoError(t, err)
	_, err = w.WriteRows([]float64{1, 1e300})
	require.ErrorIs(t, err, stream.ErrTooLarge)
	_, err2 := w.WriteRows([]float64{1})
	assert.Equal(t, err, err2)
	assert.Equal(t, err, w.Close())

	// The spool directory does not exist.
	_, err = NewHeaderedWriter(&bytes.Buffer{}, 1, toySpec(-1, filepath.Join(t.TempDir(), "none")))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "toy: spooling t.toy")

	// The header cannot be written (known rows, failing destination; the
	// 256 KiB buffer defers the failure to Close).
	w, err = NewHeaderedWriter(brokenWriter{}, 1, toySpec(0, ""))
	require.NoError(t, err)
	err = w.Close()
	assert.ErrorIs(t, err, errFail)
	assert.Contains(t, err.Error(), "toy: writing t.toy")

	assert.Panics(t, func() { _, _ = NewHeaderedWriter(&bytes.Buffer{}, 0, toySpec(0, "")) })
}

var errFail = errors.New("fail")

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errFail }
