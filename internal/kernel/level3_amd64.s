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
