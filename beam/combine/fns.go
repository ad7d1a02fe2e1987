package combine

import (
	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/linstream/linstream/beam/rows"
	"github.com/linstream/linstream/sketch"
)

// FrequentDirections combines blocks into one ℓ-row Frequent Directions
// sketch of the stacked matrix (a PCollection of one
// *sketch.FrequentDirections).
func FrequentDirections(s beam.Scope, blocks beam.PCollection, ell int) beam.PCollection {
	return beam.Combine(s.Scope("linstream.FrequentDirections"), &fdFn{Ell: ell}, blocks)
}

type fdFn struct{ Ell int }

func (fn *fdFn) CreateAccumulator() *sketch.FrequentDirections { return nil }

func (fn *fdFn) AddInput(a *sketch.FrequentDirections, b rows.Block) (*sketch.FrequentDirections, error) {
	if a == nil {
		var err error
		if a, err = sketch.NewFrequentDirections(b.Cols, fn.Ell); err != nil {
			return nil, err
		}
	}
	return a, write(a, b)
}

func (fn *fdFn) MergeAccumulators(a, b *sketch.FrequentDirections) (*sketch.FrequentDirections, error) {
	return merge(a, b, func(p *sketch.FrequentDirections) bool { return p == nil })
}

func (fn *fdFn) ExtractOutput(a *sketch.FrequentDirections) *sketch.FrequentDirections { return a }

// Gram combines blocks into the exact Gram matrix AᵀA (a PCollection of one
// *sketch.Gram).
func Gram(s beam.Scope, blocks beam.PCollection) beam.PCollection {
	return beam.Combine(s.Scope("linstream.Gram"), &gramFn{}, blocks)
}

type gramFn struct{}

func (gramFn) CreateAccumulator() *sketch.Gram { return nil }

func (gramFn) AddInput(a *sketch.Gram, b rows.Block) (*sketch.Gram, error) {
	if a == nil {
		var err error
		if a, err = sketch.NewGram(b.Cols); err != nil {
			return nil, err
		}
	}
	return a, write(a, b)
}

func (gramFn) MergeAccumulators(a, b *sketch.Gram) (*sketch.Gram, error) {
	return merge(a, b, func(p *sketch.Gram) bool { return p == nil })
}

func (gramFn) ExtractOutput(a *sketch.Gram) *sketch.Gram { return a }

// CountSketch combines blocks into the m-bucket CountSketch SA of the stacked
// matrix for the given seed, hashing every row by its global index.
func CountSketch(s beam.Scope, blocks beam.PCollection, m int, seed uint64) beam.PCollection {
	return beam.Combine(s.Scope("linstream.CountSketch"), &countSketchFn{M: m, Seed: seed}, blocks)
}

type countSketchFn struct {
	M    int
	Seed uint64
}

func (fn *countSketchFn) CreateAccumulator() *sketch.CountSketch { return nil }

func (fn *countSketchFn) AddInput(a *sketch.CountSketch, b rows.Block) (*sketch.CountSketch, error) {
	if a == nil {
		var err error
		if a, err = sketch.NewCountSketch(b.Cols, fn.M, sketch.WithSeed(fn.Seed)); err != nil {
			return nil, err
		}
	}
	a.SetNextRow(b.Start)
	return a, write(a, b)
}

func (fn *countSketchFn) MergeAccumulators(a, b *sketch.CountSketch) (*sketch.CountSketch, error) {
	return merge(a, b, func(p *sketch.CountSketch) bool { return p == nil })
}

func (fn *countSketchFn) ExtractOutput(a *sketch.CountSketch) *sketch.CountSketch { return a }

// NormSampler combines blocks into a c-slot length-squared row sampler of the
// stacked matrix for the given seed.
func NormSampler(s beam.Scope, blocks beam.PCollection, c int, seed uint64) beam.PCollection {
	return beam.Combine(s.Scope("linstream.NormSampler"), &normSamplerFn{C: c, Seed: seed}, blocks)
}

type normSamplerFn struct {
	C    int
	Seed uint64
}

func (fn *normSamplerFn) CreateAccumulator() *sketch.NormSampler { return nil }

func (fn *normSamplerFn) AddInput(a *sketch.NormSampler, b rows.Block) (*sketch.NormSampler, error) {
	if a == nil {
		var err error
		if a, err = sketch.NewNormSampler(b.Cols, fn.C, sketch.WithSeed(fn.Seed)); err != nil {
			return nil, err
		}
	}
	a.SetNextRow(b.Start)
	return a, write(a, b)
}

func (fn *normSamplerFn) MergeAccumulators(a, b *sketch.NormSampler) (*sketch.NormSampler, error) {
	return merge(a, b, func(p *sketch.NormSampler) bool { return p == nil })
}

func (fn *normSamplerFn) ExtractOutput(a *sketch.NormSampler) *sketch.NormSampler { return a }

// HeavyRows combines blocks into the rows with ‖a_i‖² ≥ τ·‖A‖²_F of the
// stacked matrix, each with its global index.
func HeavyRows(s beam.Scope, blocks beam.PCollection, tau float64) beam.PCollection {
	return beam.Combine(s.Scope("linstream.HeavyRows"), &heavyRowsFn{Tau: tau}, blocks)
}

type heavyRowsFn struct{ Tau float64 }

func (fn *heavyRowsFn) CreateAccumulator() *sketch.HeavyRows { return nil }

func (fn *heavyRowsFn) AddInput(a *sketch.HeavyRows, b rows.Block) (*sketch.HeavyRows, error) {
	if a == nil {
		var err error
		if a, err = sketch.NewHeavyRows(b.Cols, fn.Tau); err != nil {
			return nil, err
		}
	}
	a.SetNextRow(b.Start)
	return a, write(a, b)
}

func (fn *heavyRowsFn) MergeAccumulators(a, b *sketch.HeavyRows) (*sketch.HeavyRows, error) {
	return merge(a, b, func(p *sketch.HeavyRows) bool { return p == nil })
}

func (fn *heavyRowsFn) ExtractOutput(a *sketch.HeavyRows) *sketch.HeavyRows { return a }
