package digits

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPixels(t *testing.T) {
	p := Pixels()
	require.Len(t, p, Rows*Cols)
	require.Len(t, Labels(), Rows)
	// First row of the UCI test set.
	require.Equal(t, []float64{0, 0, 5, 13, 9, 1, 0, 0}, p[:8])
	for i, v := range p {
		require.True(t, v >= 0 && v <= 16, "pixel %d = %v", i, v)
	}
	p[0] = 99
	require.Equal(t, 0.0, Pixels()[0], "Pixels must return a copy")
}
