// Package combine runs linstream's mergeable sketches as Apache Beam
// combiners over a PCollection of rows.Block. Each accumulator is the
// library's own sketch and is encoded with its MarshalBinary, so what a
// worker ships is exactly what sketch.UnmarshalBinary checks.
//
// Guarantees after merging are those of one stream over the stacked matrix
// A (the files in lexical order):
//
//   - FrequentDirections: BᵀB ≼ AᵀA and ‖AᵀA − BᵀB‖₂ ≤ Δ ≤ ‖A − A_k‖²_F/(ℓ − k),
//     whatever the order in which the runner adds and merges (merging adds Δs).
//   - Gram: AᵀA exactly, up to the rounding of a different summation order.
//   - CountSketch: SA for the S of the seed, identical in law and, up to
//     rounding, in value to the single-machine sketch, because each row is
//     hashed by its global index.
//   - NormSampler: each slot holds row i with probability ‖a_i‖²/‖A‖²_F.
//   - HeavyRows: every row with ‖a_i‖² ≥ τ·‖A‖²_F, with its global index.
//
// Every combiner creates its accumulator lazily from the first block, so the
// column count need not be known when the pipeline is built.
package combine

import (
	"fmt"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/linstream/linstream/beam/rows"
	"github.com/linstream/linstream/sketch"
)

// state is what every accumulator is: a sketch with a binary encoding.
type state interface {
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
}

// The accumulator coders. Beam finds coder functions by symbol name, and
// every instantiation of a generic function shares one name, so each type
// has its own pair of named functions around encode and decode.
func init() {
	beam.RegisterCoder(reflect.TypeFor[*sketch.FrequentDirections](), encFD, decFD)
	beam.RegisterCoder(reflect.TypeFor[*sketch.Gram](), encGram, decGram)
	beam.RegisterCoder(reflect.TypeFor[*sketch.CountSketch](), encCountSketch, decCountSketch)
	beam.RegisterCoder(reflect.TypeFor[*sketch.NormSampler](), encNormSampler, decNormSampler)
	beam.RegisterCoder(reflect.TypeFor[*sketch.HeavyRows](), encHeavyRows, decHeavyRows)
	register.Combiner3[*sketch.FrequentDirections, rows.Block, *sketch.FrequentDirections](&fdFn{})
	register.Combiner3[*sketch.Gram, rows.Block, *sketch.Gram](&gramFn{})
	register.Combiner3[*sketch.CountSketch, rows.Block, *sketch.CountSketch](&countSketchFn{})
	register.Combiner3[*sketch.NormSampler, rows.Block, *sketch.NormSampler](&normSamplerFn{})
	register.Combiner3[*sketch.HeavyRows, rows.Block, *sketch.HeavyRows](&heavyRowsFn{})
}

func encFD(p *sketch.FrequentDirections) ([]byte, error) { return encode(p) }
func decFD(b []byte) (*sketch.FrequentDirections, error) {
	return decode[sketch.FrequentDirections](b)
}
func encGram(p *sketch.Gram) ([]byte, error)               { return encode(p) }
func decGram(b []byte) (*sketch.Gram, error)               { return decode[sketch.Gram](b) }
func encCountSketch(p *sketch.CountSketch) ([]byte, error) { return encode(p) }
func decCountSketch(b []byte) (*sketch.CountSketch, error) { return decode[sketch.CountSketch](b) }
func encNormSampler(p *sketch.NormSampler) ([]byte, error) { return encode(p) }
func decNormSampler(b []byte) (*sketch.NormSampler, error) { return decode[sketch.NormSampler](b) }
func encHeavyRows(p *sketch.HeavyRows) ([]byte, error)     { return encode(p) }
func decHeavyRows(b []byte) (*sketch.HeavyRows, error)     { return decode[sketch.HeavyRows](b) }

// encode is MarshalBinary, with the empty encoding for a nil accumulator
// (a bundle that saw no rows).
func encode[P interface {
	comparable
	state
}](p P) ([]byte, error) {
	var zero P
	if p == zero {
		return []byte{}, nil
	}
	return p.MarshalBinary()
}

// decode is UnmarshalBinary into a new value; the empty encoding is nil.
func decode[T any, P interface {
	*T
	state
}](b []byte) (P, error) {
	if len(b) == 0 {
		return nil, nil
	}
	p := P(new(T))
	if err := p.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("combine: decoding accumulator: %w", err)
	}
	return p, nil
}

// merge merges b into a for the lazily created accumulators: either may be
// nil (a bundle that saw no rows).
func merge[P interface{ Merge(P) error }](a, b P, isNil func(P) bool) (P, error) {
	switch {
	case isNil(a):
		return b, nil
	case isNil(b):
		return a, nil
	}
	return a, a.Merge(b)
}

// write adds the block's rows to the sketch, failing the bundle on bad data.
func write(w interface {
	WriteRows([]float64) (int, error)
}, b rows.Block) error {
	if _, err := w.WriteRows(b.Data); err != nil {
		return fmt.Errorf("combine: rows %d..%d: %w", b.Start, b.Start+int64(b.Len())-1, err)
	}
	return nil
}
