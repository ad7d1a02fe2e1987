//go:build amd64 && !purego

package kernel

import (
	"sync"
)

// tile8x16AVX512 computes one 8×16 tile of C from packed panels:
//
//	C[r][c] = alpha·Σ_{l<kc} a[8l+r]·b[16l+c] + beta·C[r][c]
//
// for r < 8, c < 16, writing (and, when beta ≠ 0, reading) C[r][c] =
// c[r·ldc+c] only where bit c of masks[r] is set; with beta == 0 C is not
// read. a holds 8·kc and b 16·kc values. Its references are the generic
// level-3 bodies (gemmNNGeneric, gemmNTGeneric, gemmTNGeneric,
// gramUpdateGeneric), which it computes with a different summation order
// and fused multiply-add.
//
//go:noescape
func tile8x16AVX512(kc int, a, b, c *float64, ldc int, alpha, beta float64, masks *[8]uint16)

// Blocking of the packed level-3 driver (GotoBLAS style): a kc×nc panel of
// the right operand and an mc×kc block of the left one are packed into
// caller-invisible scratch, then swept by 8×16 register tiles. A right
// sliver (16·kc values, 16 KiB) stays in L1 while the left slivers stream
// from L2.
const (
	maxMR, maxNR = 8, 16 // the largest register tile
	blockK       = 128
	blockM       = 96  // multiple of mr
	blockN       = 512 // multiple of nr
	packALen     = blockM * blockK
	packBLen     = blockN * blockK
)

// packBuf is the scratch of one level-3 call; calls take one from the pool
// and give it back, so the steady state allocates nothing.
type packBuf struct {
	// a and b come first: the pool allocates packBuf as a large object,
	// which starts on a page, so the panels are 64-byte aligned and no
	// vector load of the micro-kernels straddles two cache lines.
	a     [packALen]float64
	b     [packBLen]float64
	tmp   [maxMR * maxNR]float64 // partial tiles without masked stores
	masks [8]uint16
}

var packPool = sync.Pool{New: func() any { return new(packBuf) }}

// operand describes a matrix op(X) of the outer-product form
// C = α·Σ_l x[l][i]·y[l][j]: element (l, i) is s[l*ls + i*is].
type operand struct {
	s      []float64
	ls, is int
}

// pack copies rows [l0, l0+kc) and columns [i0, i0+cols) of the operand
// into dst as slivers of width w (w·kc values each, zero-padded to a
// multiple of w columns): sliver t holds, for each l, columns
// i0+t·w … i0+t·w+w−1.
func (o operand) pack(dst []float64, w, l0, kc, i0, cols int, tr transposer) {
	for t := 0; t*w < cols; t++ {
		sl := dst[t*w*kc : (t+1)*w*kc]
		cw := min(w, cols-t*w)
		base := l0*o.ls + (i0+t*w)*o.is
		switch {
		case o.is == 1 && cw == w && w == 16:
			for l := range kc {
				src := o.s[base+l*o.ls : base+l*o.ls+16]
				*(*[16]float64)(sl[l*16 : l*16+16]) = *(*[16]float64)(src)
			}
		case o.is == 1 && cw == w && w == 8:
			for l := range kc {
				src := o.s[base+l*o.ls : base+l*o.ls+8]
				*(*[8]float64)(sl[l*8 : l*8+8]) = *(*[8]float64)(src)
			}
		case o.is == 1:
			for l := range kc {
				src := o.s[base+l*o.ls : base+l*o.ls+cw]
				row := sl[l*w : l*w+w]
				copy(row, src)
				clear(row[cw:])
			}
		default: // o.ls == 1: each column is contiguous in l
			for c0 := 0; c0 < cw; c0 += 8 {
				if cw-c0 >= 8 {
					tr(sl, w, c0, o.s, base+c0*o.is, o.is, kc)
					continue
				}
				for c := c0; c < cw; c++ {
					src := o.s[base+c*o.is : base+c*o.is+kc]
					for l, v := range src {
						sl[l*w+c] = v
					}
				}
			}
			if cw < w {
				for l := range kc {
					clear(sl[l*w+cw : l*w+w])
				}
			}
		}
	}
}

// transposer sets dst[l·w+c0+r] = s[off+r·is+l] for r < 8, l < kc.
type transposer func(dst []float64, w, c0 int, s []float64, off, is, kc int)

// transpose8 sets dst[l·w+c0+r] = s[off+r·is+l] for r < 8, l < kc: eight
// contiguous source rows become eight adjacent columns of the sliver, one
// 64-byte line of dst per l.
func transpose8(dst []float64, w, c0 int, s []float64, off, is, kc int) {
	r0 := s[off : off+kc]
	r1 := s[off+is : off+is+kc][:len(r0)]
	r2 := s[off+2*is : off+2*is+kc][:len(r0)]
	r3 := s[off+3*is : off+3*is+kc][:len(r0)]
	r4 := s[off+4*is : off+4*is+kc][:len(r0)]
	r5 := s[off+5*is : off+5*is+kc][:len(r0)]
	r6 := s[off+6*is : off+6*is+kc][:len(r0)]
	r7 := s[off+7*is : off+7*is+kc][:len(r0)]
	for l := range r0 {
		d := (*[8]float64)(dst[l*w+c0 : l*w+c0+8])
		d[0], d[1], d[2], d[3] = r0[l], r1[l], r2[l], r3[l]
		d[4], d[5], d[6], d[7] = r4[l], r5[l], r6[l], r7[l]
	}
}

// tiler is a register-tile micro-kernel: full computes a whole mr×nr tile
// of C from packed panels (C = alpha·Σ_l a[mr·l+r]·b[nr·l+c] + beta·C);
// masked, if not nil, does the same writing only where masks[r] has bit c
// set. Without masked, partial tiles go through a scratch tile.
type tiler struct {
	mr, nr    int
	transpose transposer // packs operands stored the other way round
	full      func(kc int, a, b, c *float64, ldc int, alpha, beta float64)
	masked    func(kc int, a, b, c *float64, ldc int, alpha, beta float64, masks *[8]uint16)
}

// outer computes C = α·Σ_l x[l][i]·y[l][j] + β·C for the m×n matrix C
// (row-major, ldc) over l < k, through packed panels and the tile t. With
// upper set, only entries j ≥ i are read or written (β must be 1).
func outer(t *tiler, m, n, k int, alpha float64, x, y operand, beta float64, c []float64, ldc int, upper bool) {
	if k == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	mr, nr := t.mr, t.nr
	buf := packPool.Get().(*packBuf)
	// The tile functions are called through func values, so anything
	// they point to escapes: masks and tmp live in the pooled scratch.
	masks, tmp := &buf.masks, &buf.tmp
	for jc := 0; jc < n; jc += blockN {
		nc := min(blockN, n-jc)
		ib := m // the rows that can reach columns < jc+nc
		if upper {
			ib = min(m, jc+nc)
		}
		for pc := 0; pc < k; pc += blockK {
			kc := min(blockK, k-pc)
			be := beta
			if pc > 0 {
				be = 1
			}
			y.pack(buf.b[:], nr, pc, kc, jc, nc, t.transpose)
			for ic := 0; ic < ib; ic += blockM {
				mc := min(blockM, ib-ic)
				x.pack(buf.a[:], mr, pc, kc, ic, mc, t.transpose)
				for jr := 0; jr < nc; jr += nr {
					j := jc + jr
					cols := min(nr, n-j)
					bp := &buf.b[jr*kc]
					for ir := 0; ir < mc; ir += mr {
						i := ic + ir
						if upper && i >= j+nr {
							break // this tile and those below it are strictly lower
						}
						ap := &buf.a[ir*kc]
						rows := min(mr, m-i)
						if rows == mr && cols == nr && !(upper && i+mr-1 > j) {
							t.full(kc, ap, bp, &c[i*ldc+j], ldc, alpha, be)
							continue
						}
						if t.masked != nil {
							colMask := uint16(1)<<cols - 1
							if cols == 16 {
								colMask = 0xffff
							}
							for r := range masks {
								mk := colMask
								if r >= rows {
									mk = 0
								} else if upper && i+r > j {
									mk &= ^(uint16(1)<<min(i+r-j, 16) - 1)
								}
								masks[r] = mk
							}
							t.masked(kc, ap, bp, &c[i*ldc+j], ldc, alpha, be, masks)
							continue
						}
						t.full(kc, ap, bp, &tmp[0], nr, 1, 0)
						for r := range rows {
							row := c[(i+r)*ldc+j : (i+r)*ldc+j+cols]
							c0 := 0
							if upper {
								c0 = min(max(0, i+r-j), cols)
							}
							for cc := c0; cc < cols; cc++ {
								v := alpha * tmp[r*nr+cc]
								if be != 0 {
									v += be * row[cc]
								}
								row[cc] = v
							}
						}
					}
				}
			}
		}
	}
	packPool.Put(buf)
}

// small reports whether an m×n×k product is too thin for packing to pay (a
// single row or column of C: 4–10× slower through the tiles). Then the
// generic loops run, which still use the assembly Dot and Axpy through the
// dispatch variables.
func small(m, n, k int) bool { return m < 2 || n < 2 }

var tilerAVX512 = &tiler{mr: 8, nr: 16, transpose: transpose8Fast, full: tile8x16FullAVX512, masked: tile8x16AVX512}

// transpose8AVX512 sets dst[c·dstStride+r] = src[r·srcStride+c] for r < 8
// and c < n, a multiple of 8. Its reference is transpose8.
//
//go:noescape
func transpose8AVX512(dst *float64, dstStride int, src *float64, srcStride int, n int)

// transpose8Fast is transpose8 with the 8×8 blocks done in assembly.
func transpose8Fast(dst []float64, w, c0 int, s []float64, off, is, kc int) {
	k8 := kc &^ 7
	if k8 > 0 {
		_ = s[off+7*is+kc-1]
		_ = dst[(kc-1)*w+c0+7]
		transpose8AVX512(&dst[c0], w, &s[off], is, k8)
	}
	if k8 < kc {
		transpose8(dst[k8*w:], w, c0, s, off+k8, is, kc-k8)
	}
}

var allRows = [8]uint16{0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff, 0xffff}

func tile8x16FullAVX512(kc int, a, b, c *float64, ldc int, alpha, beta float64) {
	tile8x16AVX512(kc, a, b, c, ldc, alpha, beta, &allRows)
}

// gramUpdateAVX512 is gramUpdateGeneric through the packed driver and the
// 8×16 AVX-512 tile, skipping tiles strictly below the diagonal.
func gramUpdateAVX512(b, d int, alpha float64, a []float64, lda int, c []float64, ldc int) {
	if small(d, d, b) {
		gramUpdateGeneric(b, d, alpha, a, lda, c, ldc)
		return
	}
	op := operand{a, lda, 1}
	outer(tilerAVX512, d, d, b, alpha, op, op, 1, c, ldc, true)
}

// gemmNNAVX512 is gemmNNGeneric through the packed driver and the 8×16 AVX-512
// tile.
func gemmNNAVX512(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if small(m, n, k) {
		gemmNNGeneric(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	outer(tilerAVX512, m, n, k, alpha, operand{a, 1, lda}, operand{b, ldb, 1}, beta, c, ldc, false)
}

// gemmNTAVX512 is gemmNTGeneric through the packed driver and the 8×16 AVX-512
// tile.
func gemmNTAVX512(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if n <= 4 && k > 0 && n*k <= thinMax {
		gemmNTThinAVX512(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if small(m, n, k) {
		gemmNTGeneric(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	outer(tilerAVX512, m, n, k, alpha, operand{a, 1, lda}, operand{b, 1, ldb}, beta, c, ldc, false)
}

// gemmTNAVX512 is gemmTNGeneric through the packed driver and the 8×16 AVX-512
// tile.
func gemmTNAVX512(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	if m <= 4 && k > 0 && m*n <= thinMax {
		gemmTNThinAVX512(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if small(m, n, k) {
		gemmTNGeneric(m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	outer(tilerAVX512, m, n, k, alpha, operand{a, lda, 1}, operand{b, ldb, 1}, beta, c, ldc, false)
}
