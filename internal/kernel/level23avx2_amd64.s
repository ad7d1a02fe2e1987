//go:build amd64 && !purego

#include "textflag.h"

// AVX2+FMA helpers of the avx2 bodies (level23avx2_amd64.go). Their
// references are the generic bodies gemvGeneric, gemvTGeneric and the
// generic level-3 bodies.

// func dots4AVX2(n int, a *float64, lda int, x *float64, out *[4]float64)
//
// out[r] = Σ_{c<n} a[r·lda+c]·x[c] for r < 4; n must be a multiple of 4.
TEXT ·dots4AVX2(SB), NOSPLIT, $0-40
	MOVQ   n+0(FP), CX
	MOVQ   a+8(FP), R8
	MOVQ   lda+16(FP), AX
	SHLQ   $3, AX
	LEAQ   (R8)(AX*1), R9
	LEAQ   (R9)(AX*1), R10
	LEAQ   (R10)(AX*1), R11
	MOVQ   x+24(FP), DI
	XORQ   SI, SI
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	CMPQ   CX, $8
	JLT    d4v2_tail4

d4v2_loop8:
	VMOVUPD     (DI)(SI*1), Y8
	VMOVUPD     32(DI)(SI*1), Y9
	VFMADD231PD (R8)(SI*1), Y8, Y0
	VFMADD231PD (R9)(SI*1), Y8, Y1
	VFMADD231PD (R10)(SI*1), Y8, Y2
	VFMADD231PD (R11)(SI*1), Y8, Y3
	VFMADD231PD 32(R8)(SI*1), Y9, Y4
	VFMADD231PD 32(R9)(SI*1), Y9, Y5
	VFMADD231PD 32(R10)(SI*1), Y9, Y6
	VFMADD231PD 32(R11)(SI*1), Y9, Y7
	ADDQ        $64, SI
	SUBQ        $8, CX
	CMPQ        CX, $8
	JGE         d4v2_loop8

d4v2_tail4:
	CMPQ CX, $4
	JLT  d4v2_reduce
	VMOVUPD     (DI)(SI*1), Y8
	VFMADD231PD (R8)(SI*1), Y8, Y0
	VFMADD231PD (R9)(SI*1), Y8, Y1
	VFMADD231PD (R10)(SI*1), Y8, Y2
	VFMADD231PD (R11)(SI*1), Y8, Y3

d4v2_reduce:
	VADDPD     Y4, Y0, Y0
	VADDPD     Y5, Y1, Y1
	VADDPD     Y6, Y2, Y2
	VADDPD     Y7, Y3, Y3
	VHADDPD    Y1, Y0, Y0
	VHADDPD    Y3, Y2, Y2
	VPERM2F128 $0x20, Y2, Y0, Y1
	VPERM2F128 $0x31, Y2, Y0, Y3
	VADDPD     Y3, Y1, Y1
	MOVQ       out+32(FP), DX
	VMOVUPD    Y1, (DX)
	VZEROUPPER
	RET

// func axpy4AVX2(n int, a *float64, lda int, s *[4]float64, y *float64)
//
// y[c] += Σ_r s[r]·a[r·lda+c] for c < n; n must be a multiple of 4.
TEXT ·axpy4AVX2(SB), NOSPLIT, $0-40
	MOVQ         n+0(FP), CX
	MOVQ         a+8(FP), R8
	MOVQ         lda+16(FP), AX
	SHLQ         $3, AX
	LEAQ         (R8)(AX*1), R9
	LEAQ         (R9)(AX*1), R10
	LEAQ         (R10)(AX*1), R11
	MOVQ         s+24(FP), DX
	VBROADCASTSD (DX), Y12
	VBROADCASTSD 8(DX), Y13
	VBROADCASTSD 16(DX), Y14
	VBROADCASTSD 24(DX), Y15
	MOVQ         y+32(FP), DI
	XORQ         SI, SI
	CMPQ         CX, $8
	JLT          a4v2_tail4

a4v2_loop8:
	VMOVUPD     (DI)(SI*1), Y0
	VMOVUPD     32(DI)(SI*1), Y1
	VFMADD231PD (R8)(SI*1), Y12, Y0
	VFMADD231PD 32(R8)(SI*1), Y12, Y1
	VFMADD231PD (R9)(SI*1), Y13, Y0
	VFMADD231PD 32(R9)(SI*1), Y13, Y1
	VFMADD231PD (R10)(SI*1), Y14, Y0
	VFMADD231PD 32(R10)(SI*1), Y14, Y1
	VFMADD231PD (R11)(SI*1), Y15, Y0
	VFMADD231PD 32(R11)(SI*1), Y15, Y1
	VMOVUPD     Y0, (DI)(SI*1)
	VMOVUPD     Y1, 32(DI)(SI*1)
	ADDQ        $64, SI
	SUBQ        $8, CX
	CMPQ        CX, $8
	JGE         a4v2_loop8

a4v2_tail4:
	CMPQ CX, $4
	JLT  a4v2_done
	VMOVUPD     (DI)(SI*1), Y0
	VFMADD231PD (R8)(SI*1), Y12, Y0
	VFMADD231PD (R9)(SI*1), Y13, Y0
	VFMADD231PD (R10)(SI*1), Y14, Y0
	VFMADD231PD (R11)(SI*1), Y15, Y0
	VMOVUPD     Y0, (DI)(SI*1)

a4v2_done:
	VZEROUPPER
	RET

// One step of the 6×8 outer product: row r gets a[l][r]·b[l][0:8].
#define ROW2(off, acc0, acc1) \
	VBROADCASTSD off(SI), Y14; \
	VFMADD231PD  Y12, Y14, acc0; \
	VFMADD231PD  Y13, Y14, acc1

// Epilogue of one row: C = α·acc (+ β·C).
#define EPI0(acc0, acc1) \
	VMULPD  acc0, Y14, acc0; \
	VMULPD  acc1, Y14, acc1; \
	VMOVUPD acc0, (DX); \
	VMOVUPD acc1, 32(DX); \
	ADDQ    R8, DX

#define EPIB(acc0, acc1) \
	VMULPD      acc0, Y14, acc0; \
	VMULPD      acc1, Y14, acc1; \
	VFMADD231PD (DX), Y15, acc0; \
	VFMADD231PD 32(DX), Y15, acc1; \
	VMOVUPD     acc0, (DX); \
	VMOVUPD     acc1, 32(DX); \
	ADDQ        R8, DX

// func tile6x8AVX2(kc int, a, b, c *float64, ldc int, alpha, beta float64)
//
// C[r][c] = alpha·Σ_{l<kc} a[6l+r]·b[8l+c] + beta·C[r][c] for r < 6, c < 8,
// C[r][c] = c[r·ldc+c]; with beta == 0, C is not read.
TEXT ·tile6x8AVX2(SB), NOSPLIT, $0-56
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ c+24(FP), DX
	MOVQ ldc+32(FP), R8
	SHLQ $3, R8

	MOVQ       DX, AX
	PREFETCHT0 (AX)
	PREFETCHT0 56(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 56(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 56(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 56(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 56(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 56(AX)

	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	VXORPD Y8, Y8, Y8
	VXORPD Y9, Y9, Y9
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	TESTQ  CX, CX
	JZ     t68_epilogue

t68_loop:
	VMOVUPD (DI), Y12
	VMOVUPD 32(DI), Y13
	ROW2(0, Y0, Y1)
	ROW2(8, Y2, Y3)
	ROW2(16, Y4, Y5)
	ROW2(24, Y6, Y7)
	ROW2(32, Y8, Y9)
	ROW2(40, Y10, Y11)
	ADDQ    $48, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     t68_loop

t68_epilogue:
	VBROADCASTSD alpha+40(FP), Y14
	VBROADCASTSD beta+48(FP), Y15
	VXORPD       X13, X13, X13
	VUCOMISD     beta+48(FP), X13
	JNE          t68_beta
	JPS          t68_beta
	EPI0(Y0, Y1)
	EPI0(Y2, Y3)
	EPI0(Y4, Y5)
	EPI0(Y6, Y7)
	EPI0(Y8, Y9)
	EPI0(Y10, Y11)
	VZEROUPPER
	RET

t68_beta:
	EPIB(Y0, Y1)
	EPIB(Y2, Y3)
	EPIB(Y4, Y5)
	EPIB(Y6, Y7)
	EPIB(Y8, Y9)
	EPIB(Y10, Y11)
	VZEROUPPER
	RET
