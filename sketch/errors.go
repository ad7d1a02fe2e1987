package sketch

import (
	"errors"

	"github.com/linstream/linstream/internal/binfmt"
)

// Sentinel errors. Errors returned by this package wrap one of these (or a
// stream sentinel such as stream.ErrNonFinite), so callers test them with
// errors.Is.
var (
	// ErrIncompatible: Merge was given a sketch of another shape, size,
	// threshold or seed, whose state cannot be combined with the receiver's.
	ErrIncompatible = errors.New("sketch: incompatible sketches")

	// ErrCorrupt: UnmarshalBinary was given bytes that are not a valid state
	// of the receiver's type (bad magic, kind or version, truncated, trailing
	// bytes, or a field out of range). It is binfmt.ErrCorrupt, so the
	// decoders of every linstream package match it.
	ErrCorrupt = binfmt.ErrCorrupt

	// ErrInvalidOption: a constructor was given an option value out of range
	// or an option it does not take.
	ErrInvalidOption = errors.New("sketch: invalid option")
)
