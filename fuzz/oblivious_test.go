package fuzz

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/linstream/linstream/sketch"
	"github.com/linstream/linstream/stream"
)

// The oblivious sketches' decoders: any bytes either decode or fail with
// an error wrapping sketch.ErrCorrupt, leaving the receiver unchanged; an
// accepted state re-encodes to the same bytes and survives use (read,
// write a row, merge with its clone, encode, decode).

// oblState is the surface shared by the fuzzed types.
type oblState interface {
	Cols() int
	WriteRows([]float64) (int, error)
	MarshalBinary() ([]byte, error)
	UnmarshalBinary([]byte) error
}

func oblRows(seed uint64, n, d int) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	a := make([]float64, n*d)
	for i := range a {
		a[i] = r.NormFloat64()
	}
	return a
}

// oblSeeds adds valid encodings of sketches built by mk after writing
// 0, 1, 70 and 130 rows, and a few malformed variants of one of them.
func oblSeeds(f *testing.F, mk func(cols int, opts ...sketch.Option) oblState) {
	for _, n := range []int{0, 1, 70, 130} {
		for _, d := range []int{1, 3} {
			s := mk(d, sketch.WithSeed(uint64(n)), sketch.WithRowOffset(int64(n)))
			if _, err := s.WriteRows(oblRows(uint64(n), n, d)); err != nil {
				f.Fatal(err)
			}
			b, err := s.MarshalBinary()
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
			if n == 70 && d == 3 {
				f.Add(b[:len(b)/2])
				f.Add(append(b[:len(b):len(b)], 1))
				c := bytes.Clone(b)
				c[13] = 0x40 // cols high byte
				f.Add(c)
			}
		}
	}
	f.Add([]byte("LNS\x00"))
	f.Add([]byte{})
}

// oblCheck runs the shared properties on b. recv is a receiver with some
// state; decoded is a fresh value to decode into; use exercises an accepted
// state (merge with a clone and the like).
func oblCheck(t *testing.T, b []byte, recv, decoded oblState, use func(oblState) error) {
	before, err := recv.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := recv.UnmarshalBinary(b); err != nil {
		if !errors.Is(err, sketch.ErrCorrupt) {
			t.Fatalf("error %v does not wrap ErrCorrupt", err)
		}
		after, _ := recv.MarshalBinary()
		if !bytes.Equal(before, after) {
			t.Fatal("receiver changed by a failed UnmarshalBinary")
		}
		return
	}
	if err := decoded.UnmarshalBinary(b); err != nil {
		t.Fatalf("decodes into one receiver but not another: %v", err)
	}
	again, err := decoded.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, b) {
		t.Fatal("re-encoding differs from the accepted bytes")
	}
	if err := use(decoded); err != nil && !errors.Is(err, stream.ErrNonFinite) {
		t.Fatalf("using a decoded state: %v", err)
	}
	row := make([]float64, decoded.Cols())
	row[0] = 1
	// A state whose stream position is at the 2⁶² row limit refuses more
	// rows with ErrTooLarge, as an undecoded sketch at that position would.
	if _, err := decoded.WriteRows(row); err != nil && !errors.Is(err, stream.ErrNonFinite) && !errors.Is(err, stream.ErrTooLarge) {
		t.Fatalf("writing to a decoded state: %v", err)
	}
	enc, err := decoded.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if err := decoded.UnmarshalBinary(enc); err != nil {
		t.Fatalf("state after use does not decode: %v", err)
	}
}

func FuzzCountSketchUnmarshal(f *testing.F) {
	mk := func(cols int, opts ...sketch.Option) oblState {
		s, err := sketch.NewCountSketch(cols, 5, opts...)
		if err != nil {
			panic(err)
		}
		return s
	}
	oblSeeds(f, mk)
	f.Fuzz(func(t *testing.T, b []byte) {
		recv := mk(2, sketch.WithSeed(9))
		_, _ = recv.WriteRows([]float64{1, 2, 3, 4})
		oblCheck(t, b, recv, new(sketch.CountSketch), func(s oblState) error {
			cs := s.(*sketch.CountSketch)
			cs.Sketch(nil)
			cs.Column(cs.NextRow())
			return cs.Merge(cs.Clone())
		})
	})
}

func FuzzOSNAPUnmarshal(f *testing.F) {
	mk := func(cols int, opts ...sketch.Option) oblState {
		s, err := sketch.NewOSNAP(cols, 6, 3, opts...)
		if err != nil {
			panic(err)
		}
		return s
	}
	oblSeeds(f, mk)
	f.Fuzz(func(t *testing.T, b []byte) {
		recv := mk(2, sketch.WithSeed(9))
		_, _ = recv.WriteRows([]float64{1, 2, 3, 4})
		oblCheck(t, b, recv, new(sketch.OSNAP), func(s oblState) error {
			o := s.(*sketch.OSNAP)
			o.Sketch(nil)
			_, k := o.Size()
			o.Column(o.NextRow(), make([]int, k), make([]float64, k))
			return o.Merge(o.Clone())
		})
	})
}

func FuzzGaussianUnmarshal(f *testing.F) {
	mk := func(cols int, opts ...sketch.Option) oblState {
		s, err := sketch.NewGaussian(cols, 4, opts...)
		if err != nil {
			panic(err)
		}
		return s
	}
	oblSeeds(f, mk)
	f.Fuzz(func(t *testing.T, b []byte) {
		recv := mk(2, sketch.WithSeed(9))
		_, _ = recv.WriteRows([]float64{1, 2, 3, 4})
		oblCheck(t, b, recv, new(sketch.Gaussian), func(s oblState) error {
			g := s.(*sketch.Gaussian)
			g.Sketch(nil)
			return g.Merge(g.Clone())
		})
	})
}

func FuzzNormSamplerUnmarshal(f *testing.F) {
	mk := func(cols int, opts ...sketch.Option) oblState {
		s, err := sketch.NewNormSampler(cols, 4, opts...)
		if err != nil {
			panic(err)
		}
		return s
	}
	oblSeeds(f, mk)
	f.Fuzz(func(t *testing.T, b []byte) {
		recv := mk(2, sketch.WithSeed(9))
		_, _ = recv.WriteRows([]float64{1, 2, 3, 4})
		oblCheck(t, b, recv, new(sketch.NormSampler), func(s oblState) error {
			ns := s.(*sketch.NormSampler)
			ns.Sample(nil)
			ns.Indices(nil)
			return ns.Merge(ns.Clone())
		})
	})
}
