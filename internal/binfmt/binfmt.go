// Package binfmt is the framing shared by every linstream binary state
// encoding (sketches, estimators): a fixed header, then little-endian
// fields, read back through a Decoder that checks every length against the
// bytes actually present before anything is allocated.
//
// Header layout (6 bytes):
//
//	offset size field
//	0      4    magic "LNS\x00"
//	4      1    kind: which type the state belongs to (assigned below)
//	5      1    version of that kind's layout
package binfmt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Magic starts every encoding.
const Magic = "LNS\x00"

// HeaderLen is the length of the header.
const HeaderLen = 6

// Kinds of state. Values are part of the file format: never reuse one.
const (
	KindFrequentDirections byte = 1
	KindHeavyRows          byte = 2
	KindCountSketch        byte = 3
	KindOSNAP              byte = 4
	KindGaussian           byte = 5
	KindNormSampler        byte = 6
	KindGram               byte = 7
	KindOja                byte = 16
	KindRandomOrder        byte = 17
	KindOjaGrid            byte = 18
)

// ErrCorrupt is wrapped by every decoding error.
var ErrCorrupt = errors.New("corrupt or truncated state")

// MaxElems caps any length field read from untrusted bytes (2^31 elements);
// a larger claim is rejected before allocation. Lengths are in any case
// checked against the bytes remaining.
const MaxElems = 1 << 31

// AppendHeader appends the header for kind and version to b.
func AppendHeader(b []byte, kind, version byte) []byte {
	b = append(b, Magic...)
	return append(b, kind, version)
}

// IsState reports whether b starts with the magic.
func IsState(b []byte) bool { return len(b) >= len(Magic) && string(b[:len(Magic)]) == Magic }

// AppendUint64 appends v little-endian.
func AppendUint64(b []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(b, v) }

// AppendInt appends v as a little-endian int64.
func AppendInt(b []byte, v int) []byte { return AppendUint64(b, uint64(int64(v))) }

// AppendFloat64 appends the bits of v little-endian.
func AppendFloat64(b []byte, v float64) []byte { return AppendUint64(b, math.Float64bits(v)) }

// AppendFloat64s appends len(v) as a uint64, then each value.
func AppendFloat64s(b []byte, v []float64) []byte {
	b = AppendUint64(b, uint64(len(v)))
	for _, x := range v {
		b = AppendFloat64(b, x)
	}
	return b
}

// Decoder reads fields written by the Append functions. Its error is sticky:
// after the first failure every read returns a zero value, and Err reports
// the failure, wrapping ErrCorrupt.
type Decoder struct {
	name string // type being decoded, for messages
	b    []byte
	off  int
	err  error
}

// NewDecoder checks the header of b against kind and returns a decoder
// positioned after it, with the version found. name prefixes messages
// ("sketch: FrequentDirections"). Versions above maxVersion are rejected.
func NewDecoder(name string, b []byte, kind, maxVersion byte) (*Decoder, byte) {
	d := &Decoder{name: name, b: b}
	switch {
	case len(b) < HeaderLen:
		d.fail("%d bytes, shorter than the %d-byte header", len(b), HeaderLen)
	case !IsState(b):
		d.fail("bad magic %q, want %q", b[:len(Magic)], Magic)
	case b[4] != kind:
		d.fail("kind %d, want %d", b[4], kind)
	case b[5] == 0 || b[5] > maxVersion:
		d.fail("unsupported version %d (this build reads 1 to %d)", b[5], maxVersion)
	}
	if d.err != nil {
		return d, 0
	}
	d.off = HeaderLen
	return d, b[5]
}

func (d *Decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%s: byte %d: %s: %w", d.name, d.off, fmt.Sprintf(format, args...), ErrCorrupt)
	}
}

// Fail records a semantic error found by the caller (an invalid field
// value) at the current offset.
func (d *Decoder) Fail(format string, args ...any) { d.fail(format, args...) }

// Uint64 reads one little-endian uint64.
func (d *Decoder) Uint64() uint64 {
	if d.err != nil {
		return 0
	}
	if len(d.b)-d.off < 8 {
		d.fail("truncated: need 8 bytes, have %d", len(d.b)-d.off)
		return 0
	}
	v := binary.LittleEndian.Uint64(d.b[d.off:])
	d.off += 8
	return v
}

// Int reads an int64 and checks it lies in [lo, hi].
func (d *Decoder) Int(field string, lo, hi int) int {
	v := int64(d.Uint64())
	if d.err == nil && (v < int64(lo) || v > int64(hi)) {
		d.off -= 8
		d.fail("%s = %d, want %d to %d", field, v, lo, hi)
		return 0
	}
	return int(v)
}

// Float64 reads one float64.
func (d *Decoder) Float64() float64 { return math.Float64frombits(d.Uint64()) }

// Float64s reads a length-prefixed []float64 into dst (grown if needed) and
// returns it. The length must equal want unless want < 0.
func (d *Decoder) Float64s(field string, dst []float64, want int) []float64 {
	n := d.Uint64()
	if d.err != nil {
		return dst[:0]
	}
	switch {
	case want >= 0 && n != uint64(want):
		d.off -= 8
		d.fail("%s has %d values, want %d", field, n, want)
		return dst[:0]
	case n > MaxElems || n*8 > uint64(len(d.b)-d.off):
		d.off -= 8
		d.fail("%s claims %d values, only %d bytes remain", field, n, len(d.b)-d.off-8)
		return dst[:0]
	}
	if uint64(cap(dst)) < n {
		dst = make([]float64, n)
	}
	dst = dst[:n]
	for i := range dst {
		dst[i] = math.Float64frombits(binary.LittleEndian.Uint64(d.b[d.off:]))
		d.off += 8
	}
	return dst
}

// Finish reports the first error, or an error if bytes remain unread.
func (d *Decoder) Finish() error {
	if d.err == nil && d.off != len(d.b) {
		d.fail("%d trailing bytes", len(d.b)-d.off)
	}
	return d.err
}

// Err reports the first error so far.
func (d *Decoder) Err() error { return d.err }
