package spectral

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/linstream/linstream/internal/binfmt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ojaGridState renders everything observable of g, for comparisons.
func ojaGridState(t *testing.T, g *OjaGrid) string {
	t.Helper()
	blob, err := g.MarshalBinary()
	require.NoError(t, err)
	eta, i := g.Choice()
	return fmt.Sprintf("%+v rates %v choice %v %d state %x", g.Result(), g.Rates(), eta, i, blob)
}

func TestOjaGridCheckpointResume(t *testing.T) {
	const d, n = 24, 3000
	a := randomMatrix(n, d, 13)
	for name, opts := range map[string][]Option{
		"default": {WithRows(n), WithSeed(5)},
		"rates":   {WithLearningRates(1e-4, 1, 7), WithSeed(5), WithConfidence(1.5, 0.5)},
		"one":     {WithLearningRates(1e-3, 2e-3, 1)},
	} {
		// 0: before the default grid is set; 63, 64, 65 and 2047, 2048
		// around epoch boundaries (64 and 2048 rows right after one).
		for _, split := range []int{0, 1, 63, 64, 65, 1500, 2047, 2048, n - 1} {
			g, err := NewOjaGrid(d, opts...)
			require.NoError(t, err)
			ref, _ := NewOjaGrid(d, opts...)
			_, err = g.WriteRows(a[:split*d])
			require.NoError(t, err)
			blob, err := g.MarshalBinary()
			require.NoError(t, err)
			var back OjaGrid
			require.NoError(t, back.UnmarshalBinary(blob), "%s split %d", name, split)
			// Result (and everything else) after decoding equals before.
			require.Equal(t, ojaGridState(t, g), ojaGridState(t, &back), "%s split %d", name, split)

			_, err = back.WriteRows(a[split*d:])
			require.NoError(t, err)
			_, _ = ref.WriteRows(a[:split*d])
			_, _ = ref.WriteRows(a[split*d:])
			assert.Equal(t, fmt.Sprintf("%+v", ref.Result()), fmt.Sprintf("%+v", back.Result()), "%s split %d", name, split)
			assert.Equal(t, ojaGridState(t, ref), ojaGridState(t, &back), "%s split %d", name, split)
			assert.Equal(t, int64(n), back.Result().Rows)

			// Reset works on a restored grid as on a constructed one.
			fresh, _ := NewOjaGrid(d, opts...)
			back.Reset()
			assert.Equal(t, ojaGridState(t, fresh), ojaGridState(t, &back), "%s split %d", name, split)
		}
	}
}

// Zero rows before the first non-zero block leave the default grid unset,
// but the epochs still advance with the rows seen, so the state stays one
// the decoder accepts and resumes exactly.
func TestOjaGridCheckpointAfterZeroRows(t *testing.T) {
	const d = 6
	a := append(make([]float64, 100*d), randomMatrix(400, d, 14)...)
	g, _ := NewOjaGrid(d, WithRows(500))
	ref, _ := NewOjaGrid(d, WithRows(500))
	_, err := g.WriteRows(a[:100*d])
	require.NoError(t, err)
	_, _ = ref.WriteRows(a[:100*d])
	assert.Nil(t, g.Rates())
	blob, err := g.MarshalBinary()
	require.NoError(t, err)
	var back OjaGrid
	require.NoError(t, back.UnmarshalBinary(blob))
	assert.Nil(t, back.Rates())
	assert.Equal(t, int64(100), back.Result().Rows)
	_, err = back.WriteRows(a[100*d:])
	require.NoError(t, err)
	_, _ = ref.WriteRows(a[100*d:])
	require.NotNil(t, back.Rates())
	assert.Equal(t, ojaGridState(t, ref), ojaGridState(t, &back))
	// 500 rows: epochs end at 64, 128, 256; the score window holds the
	// 244 rows after 256 plus the 128 before. Blocks end at multiples of
	// 16 rows, so the last 500 − 496 = 4 are pending, not yet scored.
	blob, _ = back.MarshalBinary()
	require.NoError(t, new(OjaGrid).UnmarshalBinary(blob))
	pending := int64(binary.LittleEndian.Uint64(blob[len(blob)-16-4*d*8:]))
	assert.Equal(t, int64(4), pending)
	assert.Equal(t, int64(496), int64(binary.LittleEndian.Uint64(blob[78:])), "rows applied")
	assert.Equal(t, int64(512), int64(binary.LittleEndian.Uint64(blob[94:])), "epoch end")
	assert.Equal(t, int64(500-256)-pending, int64(binary.LittleEndian.Uint64(blob[102:])), "current epoch rows")
	assert.Equal(t, int64(128), int64(binary.LittleEndian.Uint64(blob[110:])), "previous epoch rows")
	assert.Equal(t, int64(500), back.Result().Rows)
}

func TestOjaGridAppendBinary(t *testing.T) {
	g, _ := NewOjaGrid(5, WithRows(200))
	_, _ = g.WriteRows(randomMatrix(150, 5, 15))
	want, _ := g.MarshalBinary()
	got, err := g.AppendBinary([]byte("prefix"))
	require.NoError(t, err)
	assert.Equal(t, "prefix", string(got[:6]))
	assert.Equal(t, want, got[6:])
	assert.Equal(t, binfmt.KindOjaGrid, want[4])
}

func TestOjaGridUnmarshalRejectsCorruptState(t *testing.T) {
	const d = 4
	a := randomMatrix(300, d, 16)
	mk := func(opts ...Option) []byte {
		g, _ := NewOjaGrid(d, opts...)
		_, _ = g.WriteRows(a)
		b, _ := g.MarshalBinary()
		return b
	}
	def := mk(WithRows(300))
	rates := mk(WithLearningRates(1e-3, 1, 8))
	// The default grid set after 100 zero rows: 50 rows scored of 150.
	late := func() []byte {
		g, _ := NewOjaGrid(d, WithRows(300))
		_, _ = g.WriteRows(make([]float64, 100*d))
		_, _ = g.WriteRows(a[:50*d])
		b, _ := g.MarshalBinary()
		return b
	}()
	unset, _ := (func() ([]byte, error) { g, _ := NewOjaGrid(d, WithRows(9)); return g.MarshalBinary() })()

	// The receiver holds a live state; every failure must leave it as is.
	recv, _ := NewOjaGrid(3, WithLearningRates(0.01, 0.1, 3), WithSeed(9))
	_, _ = recv.WriteRows(randomMatrix(70, 3, 17))
	before := ojaGridState(t, recv)
	reject := func(b []byte, msg string, args ...any) {
		t.Helper()
		err := recv.UnmarshalBinary(b)
		assert.ErrorIs(t, err, ErrCorrupt, append([]any{msg}, args...)...)
		if err != nil {
			assert.Contains(t, err.Error(), "spectral: OjaGrid: byte ")
		}
		assert.Equal(t, before, ojaGridState(t, recv), append([]any{msg}, args...)...)
	}
	for _, blob := range [][]byte{def, rates, late, unset} {
		require.NoError(t, new(OjaGrid).UnmarshalBinary(blob))
		for n := range blob {
			reject(blob[:n], "truncated at %d", n)
		}
		reject(append(append([]byte(nil), blob...), 0), "trailing byte")
	}

	const (
		offCols     = 6
		offRates    = 14
		offRows     = 30
		offExplicit = 38
		offLo       = 46
		offHi       = 54
		offMinGap   = 62
		offMinStab  = 70
		offT        = 78
		offSince    = 86
		offEpochEnd = 94
		offCurN     = 102
		offPrvN     = 110
		offGridSet  = 118
		offFScale   = 126
		offEta      = 134 + 8 // after the length
	)
	g := 8 // rates in both grids (for d = 4 by default 2 + ⌈log₂(32 ln 4)⌉)
	offZ := offEta + 8*g + 8
	offNorms := offZ + 8*g*d + 8
	offCur := offNorms + 8*g + 8
	offPrv := offCur + 8*g + 8
	offPend := offPrv + 8*g     // pending rows (version 2)
	offPendVals := offPend + 16 // after the length
	// 300 rows are 296 applied in blocks of 8 and 4 pending; the late
	// grid, set at row 100, has applied rows 101–144 (blocks end at
	// multiples of 8) and holds 6 pending.
	const tDef = 300 - 300%ojaBlock
	setU := func(blob []byte, off int, v uint64) []byte {
		b := append([]byte(nil), blob...)
		binary.LittleEndian.PutUint64(b[off:], v)
		return b
	}
	setI := func(blob []byte, off int, v int64) []byte { return setU(blob, off, uint64(v)) }
	setF := func(blob []byte, off int, v float64) []byte { return setU(blob, off, math.Float64bits(v)) }
	getF := func(blob []byte, off int) float64 {
		return math.Float64frombits(binary.LittleEndian.Uint64(blob[off:]))
	}

	kind := append([]byte(nil), def...)
	kind[4] = binfmt.KindOja
	reject(kind, "kind")
	for _, v := range []byte{0, ojaGridVersion + 1} {
		ver := append([]byte(nil), def...)
		ver[5] = v
		reject(ver, "version %d", v)
	}
	for name, b := range map[string][]byte{
		"cols 0":                 setI(def, offCols, 0),
		"cols differ":            setI(def, offCols, d+1),
		"rates 0":                setI(def, offRates, 0),
		"rates off default":      setI(def, offRates, int64(g+1)),
		"no declared rows":       setI(def, offRows, 0),
		"explicit 2":             setI(def, offExplicit, 2),
		"default with bounds":    setF(def, offLo, 1e-3),
		"explicit lo 0":          setF(rates, offLo, 0),
		"explicit hi < lo":       setF(rates, offHi, 1e-4),
		"explicit hi inf":        setF(rates, offHi, math.Inf(1)),
		"explicit lo moved":      setF(rates, offLo, 2e-3),
		"explicit as default":    setI(rates, offExplicit, 0),
		"min gap 0.5":            setF(def, offMinGap, 0.5),
		"min stability NaN":      setF(def, offMinStab, math.NaN()),
		"rows seen negative":     setI(def, offT, -1),
		"rows past epoch":        setI(def, offT, 512),
		"rows before epoch":      setI(def, offT, 255),
		"since 64":               setI(def, offSince, 64),
		"epoch end 96":           setI(def, offEpochEnd, 96),
		"epoch end 32":           setI(def, offEpochEnd, 32),
		"current rows":           setI(def, offCurN, tDef-256+1),
		"previous rows":          setI(def, offPrvN, 129),
		"grid unset":             setI(def, offGridSet, 0),
		"grid set 2":             setI(def, offGridSet, 2),
		"F̂ NaN":                 setF(def, offFScale, math.NaN()),
		"F̂ negative":            setF(def, offFScale, -getF(def, offFScale)),
		"F̂ inf":                 setF(def, offFScale, math.Inf(1)),
		"F̂ moved":               setF(def, offFScale, getF(def, offFScale)*1.001),
		"F̂ with explicit grid":  setF(rates, offFScale, 1),
		"rate 0 by an ulp":       setF(def, offEta, math.Nextafter(getF(def, offEta), 1)),
		"rate 2 off the grid":    setF(rates, offEta+16, getF(rates, offEta+16)*1.01),
		"rate NaN":               setF(rates, offEta+8, math.NaN()),
		"rates length":           setI(def, offEta-8, int64(g-1)),
		"iterate NaN":            setF(def, offZ, math.NaN()),
		"iterate inf":            setF(rates, offZ+8*7, math.Inf(-1)),
		"iterates length":        setI(def, offZ-8, int64(g*d+1)),
		"norm 0":                 setF(def, offNorms, 0),
		"norm huge":              setF(def, offNorms+8, 0x1p300),
		"score negative":         setF(def, offCur, -1),
		"score NaN":              setF(rates, offPrv+8, math.NaN()),
		"unset with rows":        setI(unset, offCurN, 1),
		"unset with a norm":      setF(unset, offNorms, 2),
		"unset with a score":     setF(unset, offCur, 1),
		"unset with F̂":          setF(unset, offFScale, 1),
		"unset with a rate":      setF(unset, offEta, 1),
		"empty epoch score":      setF(setI(def, offCurN, 0), offCur, 1),
		"previous epoch empty":   setI(def, offPrvN, 0),
		"huge length":            setI(def, offZ-8, 1<<40),
		"explicit unscored":      setI(rates, offPrvN, 127),
		"scored not last":        setI(def, offCurN, tDef-256-1),
		"late scored not last":   setI(late, offCurN, 15),
		"late since":             setI(late, offSince, 45),
		"pending past the block": setI(def, offSince, 60), // the block ends 4 rows after t
		"pending count":          setI(def, offPend, 13),
		"pending 16":             setI(def, offPend, 16),
		"pending NaN":            setF(def, offPendVals+8*5, math.NaN()),
		"pending inf":            setF(late, offPendVals, math.Inf(1)),
		"pending overflows":      setF(setF(late, offPendVals, 1e300), offPendVals+8, 1e300),
		"pending, grid unset": append(append(append([]byte(nil), unset[:len(unset)-16]...),
			binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, 1), uint64(d))...), make([]byte, 8*d)...),
		"late none scored": setI(setI(late, offCurN, 0), offPrvN, 0),
	} {
		reject(b, name)
	}
	// The offsets above are those of the fields they name: the same
	// rewrites with the fields' own values are accepted.
	for _, off := range []int{offCols, offRates, offT, offCurN, offPrvN, offGridSet} {
		require.NoError(t, new(OjaGrid).UnmarshalBinary(setU(def, off, binary.LittleEndian.Uint64(def[off:]))))
	}
	assert.Equal(t, int64(tDef), int64(binary.LittleEndian.Uint64(def[offT:])))
	assert.Equal(t, int64(300-tDef), int64(binary.LittleEndian.Uint64(def[offPend:])))
	assert.Equal(t, int64(d), int64(binary.LittleEndian.Uint64(def[offCols:])))
	assert.Equal(t, int64(g*d), int64(binary.LittleEndian.Uint64(def[offZ-8:])))
	assert.Equal(t, int64(g), int64(binary.LittleEndian.Uint64(def[offPrv-8:])))
	assert.Len(t, def, offPendVals+8*(300-tDef)*d)
	assert.Equal(t, []int64{144, 256, 16, 28, 6}, []int64{int64(binary.LittleEndian.Uint64(late[offT:])),
		int64(binary.LittleEndian.Uint64(late[offEpochEnd:])), int64(binary.LittleEndian.Uint64(late[offCurN:])),
		int64(binary.LittleEndian.Uint64(late[offPrvN:])), int64(binary.LittleEndian.Uint64(late[offPend:]))})
	assert.LessOrEqual(t, int64(binary.LittleEndian.Uint64(late[offSince:])), int64(44))
	// A valid pending count is accepted: the rewrite above is of that
	// field, and "pending, grid unset" differs from unset by it alone.
	require.NoError(t, new(OjaGrid).UnmarshalBinary(setI(def, offPend, 300-tDef)))
	require.NoError(t, new(OjaGrid).UnmarshalBinary(append(append([]byte(nil), unset[:len(unset)-16]...), make([]byte, 16)...)))
}
