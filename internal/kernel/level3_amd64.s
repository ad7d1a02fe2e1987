//go:build amd64 && !purego

#include "textflag.h"

// The register-tile micro-kernel of the level-3 bodies (level3_amd64.go).
// Its reference is the generic level-3 bodies in level3.go: for one 8×16
// tile of C it computes
//
//	C[r][c] = alpha·Σ_l a[l][r]·b[l][c] + beta·C[r][c]
//
// over packed panels, storing only where masks[r] has bit c set.

// One step l of the outer product: a row r of the tile gets a[l][r]·b[l][0:16].
#define ROW(off, acc0, acc1) \
	VBROADCASTSD off(SI), Z18; \
	VFMADD231PD  Z16, Z18, acc0; \
	VFMADD231PD  Z17, Z18, acc1

// Row r of the epilogue with β = 0: C = α·acc under the row's mask.
#define STORE0(moff, acc0, acc1) \
	KMOVW        moff(R9), K1; \
	KSHIFTRW     $8, K1, K2; \
	VMULPD       acc0, Z30, acc0; \
	VMULPD       acc1, Z30, acc1; \
	VMOVUPD      acc0, K1, (DX); \
	VMOVUPD      acc1, K2, 64(DX); \
	ADDQ         R8, DX

// Row r of the epilogue with β ≠ 0: C = α·acc + β·C under the row's mask.
#define STOREB(moff, acc0, acc1) \
	KMOVW        moff(R9), K1; \
	KSHIFTRW     $8, K1, K2; \
	VMULPD       acc0, Z30, acc0; \
	VMULPD       acc1, Z30, acc1; \
	VMOVUPD.Z    (DX), K1, Z26; \
	VMOVUPD.Z    64(DX), K2, Z27; \
	VFMADD231PD  Z26, Z31, acc0; \
	VFMADD231PD  Z27, Z31, acc1; \
	VMOVUPD      acc0, K1, (DX); \
	VMOVUPD      acc1, K2, 64(DX); \
	ADDQ         R8, DX

// func tile8x16AVX512(kc int, a, b, c *float64, ldc int, alpha, beta float64, masks *[8]uint16)
TEXT ·tile8x16AVX512(SB), NOSPLIT, $0-64
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $3, R8
	MOVQ masks+56(FP), R9

	// Fetch the C tile while the products accumulate: the epilogue would
	// otherwise wait on up to 16 lines from L2 or L3. Prefetches of rows
	// past the end of C are harmless (they never fault).
	MOVQ       DX, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	PREFETCHT0 120(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	PREFETCHT0 120(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	PREFETCHT0 120(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	PREFETCHT0 120(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	PREFETCHT0 120(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	PREFETCHT0 120(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	PREFETCHT0 120(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 64(AX)
	PREFETCHT0 120(AX)

	VXORPD Z0, Z0, Z0
	VXORPD Z1, Z1, Z1
	VXORPD Z2, Z2, Z2
	VXORPD Z3, Z3, Z3
	VXORPD Z4, Z4, Z4
	VXORPD Z5, Z5, Z5
	VXORPD Z6, Z6, Z6
	VXORPD Z7, Z7, Z7
	VXORPD Z8, Z8, Z8
	VXORPD Z9, Z9, Z9
	VXORPD Z10, Z10, Z10
	VXORPD Z11, Z11, Z11
	VXORPD Z12, Z12, Z12
	VXORPD Z13, Z13, Z13
	VXORPD Z14, Z14, Z14
	VXORPD Z15, Z15, Z15
	TESTQ  CX, CX
	JZ     t816_epilogue

t816_loop:
	VMOVUPD (DI), Z16
	VMOVUPD 64(DI), Z17
	ROW(0, Z0, Z1)
	ROW(8, Z2, Z3)
	ROW(16, Z4, Z5)
	ROW(24, Z6, Z7)
	ROW(32, Z8, Z9)
	ROW(40, Z10, Z11)
	ROW(48, Z12, Z13)
	ROW(56, Z14, Z15)
	ADDQ    $64, SI
	ADDQ    $128, DI
	DECQ    CX
	JNZ     t816_loop

t816_epilogue:
	VBROADCASTSD alpha+40(FP), Z30
	VBROADCASTSD beta+48(FP), Z31
	VXORPD       X29, X29, X29
	VUCOMISD     beta+48(FP), X29
	JNE          t816_beta
	JPS          t816_beta
	STORE0(0, Z0, Z1)
	STORE0(2, Z2, Z3)
	STORE0(4, Z4, Z5)
	STORE0(6, Z6, Z7)
	STORE0(8, Z8, Z9)
	STORE0(10, Z10, Z11)
	STORE0(12, Z12, Z13)
	STORE0(14, Z14, Z15)
	VZEROUPPER
	RET

t816_beta:
	STOREB(0, Z0, Z1)
	STOREB(2, Z2, Z3)
	STOREB(4, Z4, Z5)
	STOREB(6, Z6, Z7)
	STOREB(8, Z8, Z9)
	STOREB(10, Z10, Z11)
	STOREB(12, Z12, Z13)
	STOREB(14, Z14, Z15)
	VZEROUPPER
	RET

// func transpose8AVX512(dst *float64, dstStride int, src *float64, srcStride int, n int)
//
// For c < n (a multiple of 8) and r < 8: dst[c·dstStride+r] = src[r·srcStride+c].
// Eight source rows become eight adjacent destination columns, 8×8 blocks at
// a time through three rounds of shuffles.
TEXT ·transpose8AVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ dstStride+8(FP), R8
	SHLQ $3, R8
	MOVQ src+16(FP), SI
	MOVQ srcStride+24(FP), AX
	SHLQ $3, AX
	MOVQ n+32(FP), CX
	SHRQ $3, CX
	JZ   tr8_done
	LEAQ (AX)(AX*2), BX // 3·stride
	LEAQ (SI)(AX*4), DX // row 4
	LEAQ (R8)(R8*2), R9 // 3·dstStride

tr8_loop:
	VMOVUPD (SI), Z0
	VMOVUPD (SI)(AX*1), Z1
	VMOVUPD (SI)(AX*2), Z2
	VMOVUPD (SI)(BX*1), Z3
	VMOVUPD (DX), Z4
	VMOVUPD (DX)(AX*1), Z5
	VMOVUPD (DX)(AX*2), Z6
	VMOVUPD (DX)(BX*1), Z7

	VUNPCKLPD Z1, Z0, Z8  // [r0_0 r1_0 | r0_2 r1_2 | r0_4 r1_4 | r0_6 r1_6]
	VUNPCKHPD Z1, Z0, Z9  // odd columns
	VUNPCKLPD Z3, Z2, Z10
	VUNPCKHPD Z3, Z2, Z11
	VUNPCKLPD Z5, Z4, Z12
	VUNPCKHPD Z5, Z4, Z13
	VUNPCKLPD Z7, Z6, Z14
	VUNPCKHPD Z7, Z6, Z15

	VSHUFF64X2 $0x88, Z10, Z8, Z16  // [t0.0 t0.2 t2.0 t2.2]
	VSHUFF64X2 $0xdd, Z10, Z8, Z17  // [t0.1 t0.3 t2.1 t2.3]
	VSHUFF64X2 $0x88, Z14, Z12, Z18
	VSHUFF64X2 $0xdd, Z14, Z12, Z19
	VSHUFF64X2 $0x88, Z11, Z9, Z20
	VSHUFF64X2 $0xdd, Z11, Z9, Z21
	VSHUFF64X2 $0x88, Z15, Z13, Z22
	VSHUFF64X2 $0xdd, Z15, Z13, Z23

	VSHUFF64X2 $0x88, Z18, Z16, Z0  // column 0
	VSHUFF64X2 $0xdd, Z18, Z16, Z4  // column 4
	VSHUFF64X2 $0x88, Z19, Z17, Z2  // column 2
	VSHUFF64X2 $0xdd, Z19, Z17, Z6  // column 6
	VSHUFF64X2 $0x88, Z22, Z20, Z1  // column 1
	VSHUFF64X2 $0xdd, Z22, Z20, Z5  // column 5
	VSHUFF64X2 $0x88, Z23, Z21, Z3  // column 3
	VSHUFF64X2 $0xdd, Z23, Z21, Z7  // column 7

	VMOVUPD Z0, (DI)
	VMOVUPD Z1, (DI)(R8*1)
	VMOVUPD Z2, (DI)(R8*2)
	VMOVUPD Z3, (DI)(R9*1)
	LEAQ    (DI)(R8*4), R10
	VMOVUPD Z4, (R10)
	VMOVUPD Z5, (R10)(R8*1)
	VMOVUPD Z6, (R10)(R8*2)
	VMOVUPD Z7, (R10)(R9*1)
	LEAQ    (R10)(R8*4), DI

	ADDQ $64, SI
	ADDQ $64, DX
	DECQ CX
	JNZ  tr8_loop

tr8_done:
	VZEROUPPER
	RET
