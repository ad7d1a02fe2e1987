package streamtest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/stream"
)

// failing returns its rows, then err in place of io.EOF.
type failing struct {
	stream.Reader
	err  error
	done bool
}

func (f *failing) ReadRows(dst []float64) (int, error) {
	n, err := f.Reader.ReadRows(dst)
	if err != nil && !f.done {
		f.done = true
		return n, f.err
	}
	return n, err
}

func TestReadBlocks(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, block := range []int{1, 2, 3, 5, 9} {
		got, err := ReadBlocks(stream.NewSliceReader(x, 2), block)
		require.NoError(t, err)
		assert.Equal(t, x, got, "block %d", block)
	}
	boom := errors.New("boom")
	got, err := ReadBlocks(&failing{Reader: stream.NewSliceReader(x, 2), err: boom}, 2)
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, x[:len(got)], got)
	assert.Panics(t, func() { _, _ = ReadBlocks(stream.NewSliceReader(x, 2), 0) })
}
