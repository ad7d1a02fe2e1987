package sketch

import (
	"fmt"
	"slices"
)

// An Option configures a sketch at construction. Options are validated by
// the constructor that receives them: a value out of range, or an option the
// constructor does not take, makes it return an error wrapping
// ErrInvalidOption and no sketch.
type Option func(*config) error

// config collects every option value. Constructors build one with
// buildConfig, which applies the options in order (a later option of the same
// kind wins) and rejects options the constructor does not accept.
//
// Extending: options for any sketch in this package may be declared in that
// sketch's own file, as a constructor returning an Option that sets a field
// below and calls c.mark with its own name. If a field you need is not here,
// either store it with setExt/getExt (keyed by an unexported type declared in
// your file, so no edit of this file is needed) or ask the owner of
// options.go to add a field.
type config struct {
	set []string // names of the options applied, for accept/reject checks

	seed     uint64 // WithSeed: the PCG seed of every random choice
	capacity int    // WithCapacity: maximum number of rows kept (0 = default)

	ext map[any]any // values of options declared elsewhere; see setExt
}

// mark records that the option called name was applied.
func (c *config) mark(name string) {
	if !slices.Contains(c.set, name) {
		c.set = append(c.set, name)
	}
}

// has reports whether the option called name was applied.
func (c *config) has(name string) bool { return slices.Contains(c.set, name) }

// setExt stores the value of an option declared outside this file. key
// should be a value of an unexported struct type owned by the option's file.
func setExt(c *config, key any, v any) {
	if c.ext == nil {
		c.ext = make(map[any]any)
	}
	c.ext[key] = v
}

// getExt returns the value stored by setExt under key, and whether there is
// one of type T.
func getExt[T any](c *config, key any) (T, bool) {
	v, ok := c.ext[key].(T)
	return v, ok
}

// buildConfig applies opts for the constructor ctor (for messages), which
// accepts only the options named in accepted (names as in WithSeed,
// WithCapacity). A nil option is ignored.
func buildConfig(ctor string, opts []Option, accepted ...string) (config, error) {
	var c config
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&c); err != nil {
			return config{}, fmt.Errorf("sketch: %s: %w", ctor, err)
		}
	}
	for _, name := range c.set {
		if !slices.Contains(accepted, name) {
			return config{}, fmt.Errorf("sketch: %s does not take option %s: %w", ctor, name, ErrInvalidOption)
		}
	}
	return c, nil
}

// WithSeed sets the seed from which every random choice of a randomized
// sketch is derived (math/rand/v2 PCG). The same seed gives the same bits on
// every platform, with or without assembly kernels. Deterministic sketches
// (FrequentDirections, HeavyRows, Gram) do not take it. The default seed is 0.
func WithSeed(seed uint64) Option {
	return func(c *config) error {
		c.seed = seed
		c.mark("WithSeed")
		return nil
	}
}

// WithCapacity bounds the number of rows a sketch keeps. For HeavyRows it
// keeps the c heaviest rows; see NewHeavyRows for the threshold it then
// guarantees. c must be at least 1.
func WithCapacity(c int) Option {
	return func(cfg *config) error {
		if c < 1 {
			return fmt.Errorf("WithCapacity(%d): capacity must be at least 1: %w", c, ErrInvalidOption)
		}
		cfg.capacity = c
		cfg.mark("WithCapacity")
		return nil
	}
}
