package lowrank

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/linstream/linstream/internal/digits"
)

func TestEffectiveAndStableRank(t *testing.T) {
	assert.InDelta(t, 4, EffectiveRank([]float64{2, 2, 2, 2, 0}), 1e-14)
	assert.InDelta(t, 1, EffectiveRank([]float64{3}), 1e-15)
	assert.Equal(t, 0.0, EffectiveRank(nil))
	assert.Equal(t, 0.0, EffectiveRank([]float64{0, 0}))
	// p = (3/4, 1/4): exp(−¾ln¾ − ¼ln¼).
	assert.InDelta(t, math.Exp(-0.75*math.Log(0.75)-0.25*math.Log(0.25)), EffectiveRank([]float64{1, 3}), 1e-15)
	assert.InDelta(t, 4, StableRank([]float64{1, 1, 1, 1}), 1e-15)
	assert.InDelta(t, 1.25, StableRank([]float64{0.5, 1}), 1e-15)
	assert.Equal(t, 0.0, StableRank([]float64{0}))
	assert.Panics(t, func() { EffectiveRank([]float64{-1}) })
	assert.Panics(t, func() { StableRank([]float64{math.NaN()}) })

	// Real data: 1 ≤ stable rank ≤ effective rank ≤ rank.
	a := digits.Pixels()
	s := refValues(t, a, digits.Rows, digits.Cols)
	sr, er := StableRank(s), EffectiveRank(s)
	assert.GreaterOrEqual(t, sr, 1.0)
	assert.LessOrEqual(t, sr, er)
	assert.LessOrEqual(t, er, 64.0)
	res, err := Truncate(a, digits.Rows, digits.Cols, 5)
	assert.NoError(t, err)
	assert.InDelta(t, sr, res.StableRank(), 1e-9*sr)
}
