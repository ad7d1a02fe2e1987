//go:build amd64 && !purego

#include "textflag.h"
#include "reduce_amd64.h"

// func projectUpdate3AVX512(n int, x *float64, b *[3]*float64, y *float64, s *[3]float64, c *[3]*float64, m int, out *[5]float64)
//
// out[r] = Σ_{j<n} x[j]·b[r][j] for r < 3, out[3] = Σ_{j<n} x[j]²,
// out[4] = Σ_{j<n} x[j]·y[j], and c[r][j] += s[r]·y[j] for r < m (2 or
// 3), j < n, in one loop over j; n ≥ 1. In every column block the loads of
// b come before the stores to c, so c may alias the first rows of b.
TEXT ·projectUpdate3AVX512(SB), NOSPLIT, $0-64
	MOVQ n+0(FP), CX
	MOVQ x+8(FP), DI
	MOVQ b+16(FP), DX
	MOVQ 0(DX), R8
	MOVQ 8(DX), R9
	MOVQ 16(DX), R10
	MOVQ y+24(FP), R11
	MOVQ s+32(FP), DX
	VBROADCASTSD 0(DX), Z28
	VBROADCASTSD 8(DX), Z29
	VBROADCASTSD 16(DX), Z30
	MOVQ c+40(FP), DX
	MOVQ 0(DX), AX
	MOVQ 8(DX), BX
	MOVQ 16(DX), R12
	MOVQ m+48(FP), R13
	XORQ SI, SI
	VXORPD Z0, Z0, Z0
	VXORPD Z1, Z1, Z1
	VXORPD Z2, Z2, Z2
	VXORPD Z3, Z3, Z3
	VXORPD Z4, Z4, Z4
	VXORPD Z5, Z5, Z5
	VXORPD Z6, Z6, Z6
	VXORPD Z7, Z7, Z7
	VXORPD Z10, Z10, Z10
	VXORPD Z11, Z11, Z11
	CMPQ   CX, $16
	JLT    pu_tail8

pu_loop16:
	// x streams from memory row after row: fetch 2 KiB ahead, as
	// dots4pAVX512 does.
	PREFETCHT0  2048(DI)(SI*1)
	PREFETCHT0  2112(DI)(SI*1)
	VMOVUPD     (DI)(SI*1), Z16
	VMOVUPD     64(DI)(SI*1), Z17
	VFMADD231PD (R8)(SI*1), Z16, Z0
	VFMADD231PD (R9)(SI*1), Z16, Z1
	VFMADD231PD (R10)(SI*1), Z16, Z2
	VFMADD231PD Z16, Z16, Z3
	VFMADD231PD 64(R8)(SI*1), Z17, Z4
	VFMADD231PD 64(R9)(SI*1), Z17, Z5
	VFMADD231PD 64(R10)(SI*1), Z17, Z6
	VFMADD231PD Z17, Z17, Z7
	VMOVUPD     (R11)(SI*1), Z18
	VMOVUPD     64(R11)(SI*1), Z19
	VFMADD231PD Z18, Z16, Z10
	VFMADD231PD Z19, Z17, Z11
	VMOVUPD     (AX)(SI*1), Z20
	VMOVUPD     64(AX)(SI*1), Z21
	VMOVUPD     (BX)(SI*1), Z22
	VMOVUPD     64(BX)(SI*1), Z23
	VFMADD231PD Z18, Z28, Z20
	VFMADD231PD Z19, Z28, Z21
	VFMADD231PD Z18, Z29, Z22
	VFMADD231PD Z19, Z29, Z23
	VMOVUPD     Z20, (AX)(SI*1)
	VMOVUPD     Z21, 64(AX)(SI*1)
	VMOVUPD     Z22, (BX)(SI*1)
	VMOVUPD     Z23, 64(BX)(SI*1)
	CMPQ        R13, $3
	JNE         pu_next16
	VMOVUPD     (R12)(SI*1), Z24
	VMOVUPD     64(R12)(SI*1), Z25
	VFMADD231PD Z18, Z30, Z24
	VFMADD231PD Z19, Z30, Z25
	VMOVUPD     Z24, (R12)(SI*1)
	VMOVUPD     Z25, 64(R12)(SI*1)

pu_next16:
	ADDQ        $128, SI
	SUBQ        $16, CX
	CMPQ        CX, $16
	JGE         pu_loop16

pu_tail8:
	CMPQ CX, $8
	JLT  pu_tail
	VMOVUPD     (DI)(SI*1), Z16
	VFMADD231PD (R8)(SI*1), Z16, Z0
	VFMADD231PD (R9)(SI*1), Z16, Z1
	VFMADD231PD (R10)(SI*1), Z16, Z2
	VFMADD231PD Z16, Z16, Z3
	VMOVUPD     (R11)(SI*1), Z18
	VFMADD231PD Z18, Z16, Z10
	VMOVUPD     (AX)(SI*1), Z20
	VMOVUPD     (BX)(SI*1), Z22
	VFMADD231PD Z18, Z28, Z20
	VFMADD231PD Z18, Z29, Z22
	VMOVUPD     Z20, (AX)(SI*1)
	VMOVUPD     Z22, (BX)(SI*1)
	CMPQ        R13, $3
	JNE         pu_next8
	VMOVUPD     (R12)(SI*1), Z24
	VFMADD231PD Z18, Z30, Z24
	VMOVUPD     Z24, (R12)(SI*1)

pu_next8:
	ADDQ        $64, SI
	SUBQ        $8, CX

pu_tail:
	TESTQ CX, CX
	JZ    pu_reduce
	MOVQ  $1, DX
	SHLQ  CX, DX
	DECQ  DX
	KMOVW DX, K1
	VMOVUPD.Z   (DI)(SI*1), K1, Z16
	VMOVUPD.Z   (R8)(SI*1), K1, Z17
	VMOVUPD.Z   (R9)(SI*1), K1, Z18
	VMOVUPD.Z   (R10)(SI*1), K1, Z19
	VFMADD231PD Z17, Z16, Z4
	VFMADD231PD Z18, Z16, Z5
	VFMADD231PD Z19, Z16, Z6
	VFMADD231PD Z16, Z16, Z7
	VMOVUPD.Z   (R11)(SI*1), K1, Z18
	VFMADD231PD Z18, Z16, Z11
	VMOVUPD.Z   (AX)(SI*1), K1, Z20
	VMOVUPD.Z   (BX)(SI*1), K1, Z22
	VFMADD231PD Z18, Z28, Z20
	VFMADD231PD Z18, Z29, Z22
	VMOVUPD     Z20, K1, (AX)(SI*1)
	VMOVUPD     Z22, K1, (BX)(SI*1)
	CMPQ        R13, $3
	JNE         pu_reduce
	VMOVUPD.Z   (R12)(SI*1), K1, Z24
	VFMADD231PD Z18, Z30, Z24
	VMOVUPD     Z24, K1, (R12)(SI*1)

pu_reduce:
	REDUCE4_Y1
	MOVQ          out+56(FP), DX
	VMOVUPD       Y1, (DX)
	VADDPD        Z11, Z10, Z10
	VEXTRACTF64X4 $1, Z10, Y11
	VADDPD        Y11, Y10, Y10
	VEXTRACTF128  $1, Y10, X11
	VADDPD        X11, X10, X10
	VPERMILPD     $1, X10, X11
	VADDSD        X11, X10, X10
	MOVSD         X10, 32(DX)
	VZEROUPPER
	RET
