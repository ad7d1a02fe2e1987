package rows

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/stream"
)

func TestOffset(t *testing.T) {
	all := []FileRows{{"b.npy", 20, 3}, {"a.csv", 10, 3}, {"c.mtx", 5, 3}}
	for path, want := range map[string]int64{"a.csv": 0, "b.npy": 10, "c.mtx": 30} {
		start, cols, err := offset(all, path)
		require.NoError(t, err)
		require.Equal(t, want, start, path)
		require.Equal(t, 3, cols)
	}
	_, _, err := offset(all, "d.npy")
	require.ErrorContains(t, err, "no row count for d.npy")

	all = append(all, FileRows{"d.npy", 1, 4})
	_, _, err = offset(all, "a.csv")
	require.True(t, errors.Is(err, stream.ErrShape))
	require.ErrorContains(t, err, "d.npy has 4")
}

func TestBlockLen(t *testing.T) {
	require.Equal(t, 0, Block{}.Len())
	require.Equal(t, 2, Block{Cols: 3, Data: make([]float64, 6)}.Len())
}
