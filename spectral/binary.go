package spectral

import (
	"math"

	"github.com/linstream/linstream/internal/binfmt"
	"github.com/linstream/linstream/internal/kernel"
)

// ErrCorrupt is wrapped by UnmarshalBinary errors: bytes that are not a
// valid state of the receiver's type (bad magic, kind or version,
// truncated, trailing bytes, or a field out of range). It is
// binfmt.ErrCorrupt, shared by every linstream decoder.
var ErrCorrupt = binfmt.ErrCorrupt

const (
	randomOrderVersion = 1
	ojaVersion         = 2
	ojaGridVersion     = 2
)

// MarshalBinary encodes the estimator's whole state, so a long stream can
// checkpoint and resume. It is AppendBinary(nil).
func (r *RandomOrder) MarshalBinary() ([]byte, error) { return r.AppendBinary(nil) }

// AppendBinary appends the encoding of the state to b and returns it; b is
// not retained. Layout (version 1, after the 6-byte binfmt header of kind
// KindRandomOrder; integers int64, floats IEEE bits, little-endian):
//
//	d, seed (uint64), declared rows n (0: unknown), blocks P, slack L,
//	min gap, min stability,
//	rows seen t, epoch start, epoch length, block length, block end,
//	rows in the block, light rows in the block, blocks done,
//	heavy rows held h, heavy-row cap, heavy rows evicted,
//	‖·‖² sum F, stability, Ritz values θ₁ θ₂ θ₃,
//	iterates Z (k×d), light sums (k×d), z_prev (d), heavy rows (h×d),
//	their squared norms (h) (each length-prefixed float64s; k = min(3, d)),
//	then h × the block in which each heavy row was stored.
func (r *RandomOrder) AppendBinary(b []byte) ([]byte, error) {
	b = binfmt.AppendHeader(b, binfmt.KindRandomOrder, randomOrderVersion)
	b = binfmt.AppendInt(b, r.d)
	b = binfmt.AppendUint64(b, r.cfg.seed)
	for _, v := range []int64{r.n, int64(r.p)} {
		b = binfmt.AppendInt(b, int(v))
	}
	for _, v := range []float64{r.l, r.cfg.minGap, r.cfg.minStab} {
		b = binfmt.AppendFloat64(b, v)
	}
	for _, v := range []int64{r.t, r.epochStart, r.epochLen, r.blockLen, r.blockEnd, r.blockRows, r.light, int64(r.blocks), int64(r.nHeavy), int64(r.maxHeavy), r.evicted} {
		b = binfmt.AppendInt(b, int(v))
	}
	for _, v := range []float64{r.f, r.stability, r.theta[0], r.theta[1], r.theta[2]} {
		b = binfmt.AppendFloat64(b, v)
	}
	b = binfmt.AppendFloat64s(b, r.zs)
	b = binfmt.AppendFloat64s(b, r.ys)
	b = binfmt.AppendFloat64s(b, r.zPrev)
	b = binfmt.AppendFloat64s(b, r.heavy[:r.nHeavy*r.d])
	b = binfmt.AppendFloat64s(b, r.hnorm[:r.nHeavy])
	for _, v := range r.hblock[:r.nHeavy] {
		b = binfmt.AppendInt(b, int(v))
	}
	return b, nil
}

func allZero(x []float64) bool {
	for _, v := range x {
		if v != 0 {
			return false
		}
	}
	return true
}

func allFinite(x []float64) bool {
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// UnmarshalBinary replaces r's state with the one encoded in b by
// MarshalBinary (the receiver may be a zero RandomOrder). Every field is
// checked — header, sizes against the bytes present, the block and epoch
// bookkeeping, finite values — before r changes; a failure returns an
// error wrapping ErrCorrupt and leaves r as it was. The restored estimator
// continues exactly where the encoded one stopped.
func (r *RandomOrder) UnmarshalBinary(b []byte) error {
	dec, _ := binfmt.NewDecoder("spectral: RandomOrder", b, binfmt.KindRandomOrder, randomOrderVersion)
	d := dec.Int("cols", 1, 1<<28)
	seed := dec.Uint64()
	n := int64(dec.Int("declared rows", 0, math.MaxInt64))
	p := dec.Int("blocks", 1, 1<<20)
	l, minGap, minStab := dec.Float64(), dec.Float64(), dec.Float64()
	if dec.Err() == nil && (!(l >= 1) || math.IsInf(l, 0) || !(minGap >= 1) || !(minStab >= 0 && minStab <= 1)) {
		dec.Fail("slack %v, confidence (%v, %v) out of range", l, minGap, minStab)
	}
	var iv [11]int64
	for i := range iv {
		iv[i] = int64(dec.Int("counter", 0, math.MaxInt64))
	}
	t, eStart, eLen, bLen, bEnd, bRows, light, blocks, nh, maxH, evicted := iv[0], iv[1], iv[2], iv[3], iv[4], iv[5], iv[6], iv[7], iv[8], iv[9], iv[10]
	f, stab := dec.Float64(), dec.Float64()
	var theta [maxK]float64
	for i := range theta {
		theta[i] = dec.Float64()
	}
	if dec.Err() == nil {
		switch {
		case eLen < 1 || bLen != (eLen+int64(p)-1)/int64(p):
			dec.Fail("epoch of %d rows with blocks of %d for P = %d", eLen, bLen, p)
		case eStart > t || t >= bEnd || bEnd > eStart+eLen || eLen > math.MaxInt64/4 ||
			((bEnd-eStart)%bLen != 0 && bEnd != eStart+eLen):
			dec.Fail("rows seen %d outside the block ending at %d of the epoch [%d, %d)", t, bEnd, eStart, eStart+eLen)
		case bRows != t-(eStart+(bEnd-eStart-1)/bLen*bLen) || evicted > t || maxH < 1 || maxH >= 1<<31 || nh > maxH || nh > t || blocks > t || blocks > math.MaxInt32:
			dec.Fail("inconsistent counters")
		case nh > int64(binfmt.MaxElems/d):
			dec.Fail("%d heavy rows of %d columns", nh, d)
		case !(f >= 0) || math.IsInf(f, 0) || !(math.IsNaN(stab) || stab >= 0 && stab <= 1) || !allFinite(theta[:]):
			dec.Fail("Frobenius sum %v, stability %v or Ritz values not finite", f, stab)
		}
	}
	k := min(maxK, d)
	zs := dec.Float64s("iterates", nil, k*d)
	ys := dec.Float64s("light sums", nil, k*d)
	zPrev := dec.Float64s("previous iterate", nil, d)
	var heavy, hnorm []float64
	var hblock []int64
	if dec.Err() == nil {
		heavy = dec.Float64s("heavy rows", nil, int(nh)*d)
		hnorm = dec.Float64s("heavy norms", nil, int(nh))
	}
	if dec.Err() == nil {
		hblock = make([]int64, nh)
		for i := range hblock {
			hblock[i] = int64(dec.Int("heavy block", 0, int(blocks)))
		}
	}
	if err := dec.Finish(); err != nil {
		return err
	}
	if !allFinite(zs) || !allFinite(ys) || !allFinite(zPrev) || !allFinite(heavy) || !allFinite(hnorm) {
		dec.Fail("non-finite values in the vectors")
		return dec.Err()
	}
	cfg := &config{seed: seed, rows: n, blocks: p, slack: l, minGap: minGap, minStab: minStab}
	nr := &RandomOrder{cfg: cfg, d: d, k: k, p: p, l: l, n: n, init: n}
	if nr.init == 0 {
		nr.init = 64 * int64(p)
	}
	nr.alloc()
	copy(nr.zs, zs)
	copy(nr.ys, ys)
	copy(nr.zPrev, zPrev)
	nr.heavy, nr.hnorm, nr.hblock = heavy, hnorm, hblock
	nr.heap = make([]int32, nh)
	for i := range nr.heap {
		nr.heap[i] = int32(i)
		nr.heapUp(i)
	}
	nr.nHeavy, nr.maxHeavy, nr.evicted = int(nh), int(maxH), evicted
	nr.t, nr.f = t, f
	nr.epochStart, nr.epochLen, nr.blockLen, nr.blockEnd = eStart, eLen, bLen, bEnd
	nr.blockRows, nr.light, nr.blocks = bRows, light, int(blocks)
	nr.theta, nr.stability = theta, stab
	*r = *nr
	return nil
}

// MarshalBinary encodes the estimator's whole state. It is
// AppendBinary(nil).
func (o *Oja) MarshalBinary() ([]byte, error) { return o.AppendBinary(nil) }

// AppendBinary appends the encoding of the state to b and returns it; b is
// not retained. Layout (version 2, after the 6-byte binfmt header of kind
// KindOja; integers int64, floats IEEE bits, little-endian):
//
//	d, seed (uint64), schedule kind (1 fixed, 2 c/t, 3 c/√t, 4 Frobenius),
//	schedule constant, min gap, min stability,
//	rows seen, rows since normalization, epoch end,
//	Σ‖a‖², ‖z‖², ‖w‖², ⟨z, w⟩,
//	current window (Σq_z, Σq_w, rows), previous window (the same),
//	z, w, z at the current epoch's start, z at the previous epoch's start
//	(each length-prefixed float64s of d values),
//	then (version 2) a step pending (0 or 1), its steps for z and w, and its
//	row (length-prefixed, d values; zeros when none is pending).
//
// Version 1 (no pending step) is still read.
func (o *Oja) AppendBinary(b []byte) ([]byte, error) {
	b = binfmt.AppendHeader(b, binfmt.KindOja, ojaVersion)
	b = binfmt.AppendInt(b, o.d)
	b = binfmt.AppendUint64(b, o.cfg.seed)
	b = binfmt.AppendInt(b, int(o.cfg.sched.kind))
	for _, v := range []float64{o.cfg.sched.c, o.cfg.minGap, o.cfg.minStab} {
		b = binfmt.AppendFloat64(b, v)
	}
	for _, v := range []int64{o.t, o.sinceNorm, o.epochEnd} {
		b = binfmt.AppendInt(b, int(v))
	}
	for _, v := range []float64{o.f, o.nz2, o.nw2, o.zw, o.cur.sz, o.cur.sw} {
		b = binfmt.AppendFloat64(b, v)
	}
	b = binfmt.AppendInt(b, int(o.cur.n))
	b = binfmt.AppendFloat64(b, o.prev.sz)
	b = binfmt.AppendFloat64(b, o.prev.sw)
	b = binfmt.AppendInt(b, int(o.prev.n))
	for _, v := range [][]float64{o.z, o.w, o.snapCur, o.snapPrev} {
		b = binfmt.AppendFloat64s(b, v)
	}
	b = binfmt.AppendInt(b, boolInt(o.hasPend))
	b = binfmt.AppendFloat64(b, o.e[0])
	b = binfmt.AppendFloat64(b, o.e[1])
	b = binfmt.AppendFloat64s(b, o.pend)
	return b, nil
}

// UnmarshalBinary replaces o's state with the one encoded in b by
// MarshalBinary (the receiver may be a zero Oja), after checking every
// field; on failure it returns an error wrapping ErrCorrupt and leaves o
// unchanged.
func (o *Oja) UnmarshalBinary(b []byte) error {
	dec, version := binfmt.NewDecoder("spectral: Oja", b, binfmt.KindOja, ojaVersion)
	d := dec.Int("cols", 1, 1<<28)
	seed := dec.Uint64()
	kind := schedKind(dec.Int("schedule", int(schedFixed), int(schedFrobenius)))
	c, minGap, minStab := dec.Float64(), dec.Float64(), dec.Float64()
	t := int64(dec.Int("rows seen", 0, math.MaxInt64))
	since := int64(dec.Int("rows since normalization", 0, 63))
	epochEnd := int64(dec.Int("epoch end", 64, math.MaxInt64))
	var fv [6]float64
	for i := range fv {
		fv[i] = dec.Float64()
	}
	curN := int64(dec.Int("window rows", 0, math.MaxInt64))
	psz, psw := dec.Float64(), dec.Float64()
	prevN := int64(dec.Int("window rows", 0, math.MaxInt64))
	if dec.Err() == nil {
		switch {
		case !(c > 0) || math.IsInf(c, 0) || !(minGap >= 1) || !(minStab >= 0 && minStab <= 1):
			dec.Fail("schedule constant %v or confidence (%v, %v) out of range", c, minGap, minStab)
		case t >= epochEnd || epochEnd%64 != 0 || (epochEnd/64)&(epochEnd/64-1) != 0 || since > t:
			dec.Fail("rows seen %d, epoch end %d", t, epochEnd)
		case curN+prevN > t || curN < 0 || prevN < 0:
			dec.Fail("window rows %d + %d exceed rows seen %d", curN, prevN, t)
		case !allFinite(fv[:]) || !allFinite([]float64{psz, psw}) || fv[0] < 0 || !(fv[1] > 0) || !(fv[2] > 0) || fv[4] < 0 || fv[5] < 0 || psz < 0 || psw < 0:
			dec.Fail("norms or scores out of range")
		}
	}
	var vs [5][]float64
	for i := range 4 {
		vs[i] = dec.Float64s("vector", nil, d)
	}
	hasPend, e := false, [2]float64{}
	vs[4] = make([]float64, 0, d)
	if version >= 2 && dec.Err() == nil {
		hasPend = dec.Int("step pending", 0, 1) == 1
		e[0], e[1] = dec.Float64(), dec.Float64()
		vs[4] = dec.Float64s("pending row", nil, d)
		if dec.Err() == nil && (!allFinite(e[:]) || !hasPend && (e != [2]float64{} || !allZero(vs[4]))) {
			dec.Fail("pending step (%v, %v) out of range", e[0], e[1])
		}
	}
	if err := dec.Finish(); err != nil {
		return err
	}
	for _, v := range vs {
		if !allFinite(v) {
			dec.Fail("non-finite values in the vectors")
			return dec.Err()
		}
	}
	cfg := &config{seed: seed, sched: Schedule{kind, c}, minGap: minGap, minStab: minStab}
	no := &Oja{cfg: cfg, d: d}
	no.alloc()
	copy(no.z, vs[0])
	copy(no.w, vs[1])
	copy(no.snapCur, vs[2])
	copy(no.snapPrev, vs[3])
	copy(no.pend, vs[4])
	no.hasPend, no.e = hasPend, e
	no.t, no.sinceNorm, no.epochEnd = t, since, epochEnd
	no.f, no.nz2, no.nw2, no.zw = fv[0], fv[1], fv[2], fv[3]
	no.cur = window{fv[4], fv[5], curN}
	no.prev = window{psz, psw, prevN}
	*o = *no
	return nil
}

// MarshalBinary encodes the estimator's whole state. It is
// AppendBinary(nil).
func (o *OjaGrid) MarshalBinary() ([]byte, error) { return o.AppendBinary(nil) }

// AppendBinary appends the encoding of the state to b and returns it; b is
// not retained. Layout (version 2, after the 6-byte binfmt header of kind
// KindOjaGrid; integers int64, floats IEEE bits, little-endian):
//
//	d, rates G, seed (uint64), declared rows n (0: none),
//	explicit grid (1: WithLearningRates, 0: default), its lo and hi (0, 0
//	for the default grid), min gap, min stability,
//	rows seen t, rows since normalization, epoch end, rows scored in the
//	current epoch, rows scored in the previous epoch, grid set (0 or 1),
//	F̂ of the default grid (0 until it is set),
//	rates η (G), iterates Z (G×d), their ‖z_g‖² (G), current scores (G),
//	previous scores (G) (each length-prefixed float64s), then the pending
//	rows of a partial block: their count k (fewer than the block length 8,
//	and than the rows left to the block's end) and their k×d
//	values (length-prefixed). Version 1 ended before the pending rows.
func (o *OjaGrid) AppendBinary(b []byte) ([]byte, error) {
	b = binfmt.AppendHeader(b, binfmt.KindOjaGrid, ojaGridVersion)
	b = binfmt.AppendInt(b, o.d)
	b = binfmt.AppendInt(b, o.g)
	b = binfmt.AppendUint64(b, o.cfg.seed)
	b = binfmt.AppendInt(b, int(o.cfg.rows))
	b = binfmt.AppendInt(b, boolInt(o.cfg.hasRates))
	for _, v := range []float64{o.cfg.etaLo, o.cfg.etaHi, o.cfg.minGap, o.cfg.minStab} {
		b = binfmt.AppendFloat64(b, v)
	}
	for _, v := range []int64{o.t, o.sinceNorm, o.epochEnd, o.curN, o.prvN, int64(boolInt(o.gridSet))} {
		b = binfmt.AppendInt(b, int(v))
	}
	b = binfmt.AppendFloat64(b, o.fScale)
	for _, v := range [][]float64{o.eta, o.z, o.nz2, o.cur, o.prv} {
		b = binfmt.AppendFloat64s(b, v)
	}
	b = binfmt.AppendInt(b, o.nb)
	return binfmt.AppendFloat64s(b, o.blk[:o.nb*o.d]), nil
}

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}

// defaultGridSize is the number of rates of the default grid for d columns:
// η·F̂ from 2⁻¹ up to the first power of two ≥ 8·d·ln d.
func defaultGridSize(d int) int {
	top := 8 * float64(d) * math.Log(math.Max(float64(d), 2))
	return 2 + int(math.Ceil(math.Log2(top)))
}

// UnmarshalBinary replaces o's state with the one encoded in b by
// MarshalBinary (the receiver may be a zero OjaGrid). Every field is
// checked against the others before o changes — the grid against its
// configuration (the first rate exactly, the others to 1e-12), the
// counters against the doubling epochs, the norms against the
// renormalization bounds, scores non-negative and zero for an empty epoch,
// iterates finite, pending rows finite and fewer than the block they
// start; a failure returns an error wrapping ErrCorrupt and
// leaves o as it was. The restored estimator continues exactly where the
// encoded one stopped. It reads versions 1 and 2.
func (o *OjaGrid) UnmarshalBinary(b []byte) error {
	dec, version := binfmt.NewDecoder("spectral: OjaGrid", b, binfmt.KindOjaGrid, ojaGridVersion)
	d := dec.Int("cols", 1, 1<<28)
	g := dec.Int("rates", 1, 256)
	seed := dec.Uint64()
	n := int64(dec.Int("declared rows", 0, math.MaxInt64))
	hasRates := dec.Int("explicit grid", 0, 1) == 1
	lo, hi, minGap, minStab := dec.Float64(), dec.Float64(), dec.Float64(), dec.Float64()
	if dec.Err() == nil {
		switch {
		case hasRates && (!(lo > 0) || !(hi >= lo) || math.IsInf(hi, 0) || g > 1 && hi == lo):
			dec.Fail("grid of %d rates from %v to %v", g, lo, hi)
		case !hasRates && (lo != 0 || hi != 0 || n < 1 || g != defaultGridSize(d)):
			dec.Fail("default grid of %d rates (bounds %v, %v) for %d columns and %d declared rows", g, lo, hi, d, n)
		case !(minGap >= 1) || !(minStab >= 0 && minStab <= 1):
			dec.Fail("confidence (%v, %v) out of range", minGap, minStab)
		}
	}
	t := int64(dec.Int("rows seen", 0, math.MaxInt64))
	since := int64(dec.Int("rows since normalization", 0, 63))
	epochEnd := int64(dec.Int("epoch end", 64, math.MaxInt64))
	curN := int64(dec.Int("current epoch rows", 0, math.MaxInt64))
	prvN := int64(dec.Int("previous epoch rows", 0, math.MaxInt64))
	gridSet := dec.Int("grid set", 0, 1) == 1
	fScale := dec.Float64()
	if dec.Err() == nil {
		// The current epoch is (start, epochEnd], the previous one
		// (prevStart, start]; the first epoch is (0, 64].
		start, prevStart := epochEnd/2, epochEnd/4
		if epochEnd == 64 {
			start = 0
		}
		if start <= 64 {
			prevStart = 0
		}
		switch {
		case epochEnd%64 != 0 || (epochEnd/64)&(epochEnd/64-1) != 0 || t >= epochEnd || t < start:
			dec.Fail("rows seen %d, epoch end %d", t, epochEnd)
		case curN > t-start || prvN > start-prevStart || since > t:
			dec.Fail("epoch rows %d and %d, %d since normalization, for %d rows seen and epoch end %d", curN, prvN, since, t, epochEnd)
		// Every row after the grid is set is scored: the scored rows are a
		// suffix, all of them for an explicit grid.
		case prvN > 0 && curN != t-start || curN+prvN < t-prevStart && (hasRates || since > curN+prvN):
			dec.Fail("scored rows %d and %d, %d since normalization, are not the last of %d rows seen", curN, prvN, since, t)
		case hasRates && (!gridSet || fScale != 0):
			dec.Fail("explicit grid not set, or F̂ %v", fScale)
		case !hasRates && gridSet && (!(fScale > 0) || math.IsInf(fScale, 0)):
			dec.Fail("F̂ %v of the default grid", fScale)
		case !gridSet && (fScale != 0 || curN != 0 || prvN != 0 || since != 0):
			dec.Fail("rows scored before the grid is set")
		}
	}
	var vs [5][]float64
	for i, w := range []int{g, g * d, g, g, g} {
		if dec.Err() == nil {
			vs[i] = dec.Float64s([...]string{"rates", "iterates", "norms", "current scores", "previous scores"}[i], nil, w)
		}
	}
	// Version 2 ends with the pending rows, which start the block after
	// the t applied ones.
	nb := 0
	if version >= 2 && dec.Err() == nil {
		nb = dec.Int("pending rows", 0, ojaBlock-1)
		if blockLen := int(min(ojaBlock-t%ojaBlock, 64-since)); dec.Err() == nil && nb > 0 && (!gridSet || nb >= blockLen) {
			dec.Fail("%d pending rows for a block of %d rows (grid set: %v)", nb, blockLen, gridSet)
		}
	}
	// A default grid is set by a block of rows, which are then scored or
	// pending.
	if dec.Err() == nil && gridSet && !hasRates && curN+prvN == 0 && nb == 0 {
		dec.Fail("default grid set, but no row scored or pending")
	}
	var pend []float64
	var sb [ojaBlock]float64
	if version >= 2 && dec.Err() == nil {
		pend = dec.Float64s("pending rows", nil, nb*d)
		for i := range len(pend) / d {
			row := pend[i*d : (i+1)*d]
			if sb[i] = kernel.Dot(row, row); dec.Err() == nil && (math.IsNaN(sb[i]) || math.IsInf(sb[i], 0)) {
				dec.Fail("pending row %d is not finite", i+1)
			}
		}
	}
	if err := dec.Finish(); err != nil {
		return err
	}
	eta, z, nz2, cur, prv := vs[0], vs[1], vs[2], vs[3], vs[4]
	if !gridSet {
		lo, hi = 0, 0
	} else if !hasRates {
		lo, hi = 0.5/fScale, math.Pow(2, float64(g-2))/fScale
	}
	for i, v := range eta {
		var want float64
		if gridSet && g > 1 {
			want = lo * math.Pow(hi/lo, float64(i)/float64(g-1))
		} else if gridSet {
			want = lo
		}
		if (i == 0 && v != want) || !(math.Abs(v-want) <= 1e-12*want) {
			dec.Fail("rate %d is %v, want %v", i, v, want)
			return dec.Err()
		}
	}
	if !allFinite(z) {
		dec.Fail("non-finite values in the iterates")
		return dec.Err()
	}
	for j := range g {
		switch {
		case !(nz2[j] >= normLo && nz2[j] <= normHi) || !gridSet && nz2[j] != 1:
			dec.Fail("squared norm %v of iterate %d", nz2[j], j)
		case !(cur[j] >= 0) || !(prv[j] >= 0) || curN == 0 && cur[j] != 0 || prvN == 0 && prv[j] != 0:
			dec.Fail("scores %v, %v of rate %d for epochs of %d and %d rows", cur[j], prv[j], j, curN, prvN)
		}
	}
	if err := dec.Err(); err != nil {
		return err
	}
	cfg := &config{seed: seed, rows: n, minGap: minGap, minStab: minStab}
	if hasRates {
		cfg.etaLo, cfg.etaHi, cfg.etaN, cfg.hasRates = lo, hi, g, true
	}
	no := &OjaGrid{cfg: cfg, d: d, g: g, eta: eta, nz2: nz2, cur: cur, prv: prv, nb: len(pend) / d, sb: sb,
		t: t, sinceNorm: since, curN: curN, prvN: prvN, epochEnd: epochEnd, gridSet: gridSet, fScale: fScale}
	no.alloc(z)
	copy(no.blk, pend)
	*o = *no
	return nil
}
