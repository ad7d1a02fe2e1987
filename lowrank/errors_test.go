package lowrank

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/linstream/linstream/stream"
)

// TestErrorsSinglePrefix: every error the package returns names it once
// ("lowrank: …"), also when it wraps one of its own sentinels, which carry
// the prefix themselves.
func TestErrorsSinglePrefix(t *testing.T) {
	s := scoreMatrix(6, 5, 1)
	chain := make([]bool, 30)
	for i := range 6 {
		for j := range 5 {
			chain[i*5+j] = j == i || j == i-1
		}
	}
	bad := append([]float64(nil), s...)
	bad[7] = math.NaN()
	errs := map[string]error{}
	_, errs["backfit cap"] = NormalForm(s, 6, 5, 1, WithMask(chain), WithBackfit(1e-12, 1))
	_, errs["bad option"] = Truncate(s, 6, 5, 1, WithOversample(-1))
	_, errs["empty"] = Truncate(nil, 0, 5, 1)
	_, errs["empty mask"] = NormalForm(s, 6, 5, 1, WithMask(make([]bool, 30)))
	_, errs["gram NaN"] = GramTruncate(stream.NewSliceReader(bad, 5), 1)
	_, errs["randomized NaN"] = Randomized(stream.NewSliceReader(bad, 5), 1)
	_, errs["stream method"] = PrincipalWeightsStream(stream.NewSliceReader(s, 5), 1, CountBudget(3), WithMethod(MethodSVD))
	_, errs["budget"] = PrincipalWeights(s, 6, 5, 1, FractionBudget(2))
	for name, err := range errs {
		require.Error(t, err, name)
		msg := err.Error()
		assert.True(t, strings.HasPrefix(msg, "lowrank: "), "%s: %q", name, msg)
		assert.Equal(t, 1, strings.Count(msg, "lowrank:"), "%s: %q", name, msg)
	}
	assert.ErrorIs(t, errs["backfit cap"], ErrNoConvergence)
	assert.ErrorIs(t, errs["bad option"], ErrInvalidOption)
}
