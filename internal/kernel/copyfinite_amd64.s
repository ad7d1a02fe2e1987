//go:build amd64 && !purego

#include "textflag.h"

// VFPCLASSPD categories: QNaN 0x01, +Inf 0x08, -Inf 0x10, SNaN 0x80.
#define NONFINITE $0x99

// func copyFiniteLoopAVX512(dst *float64, src *byte, n int) int
TEXT ·copyFiniteLoopAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	XORQ AX, AX // index of the current block

	MOVQ CX, DX
	SUBQ $32, DX
	JLT  cf_tail8

cf_loop32:
	VMOVUPD    (SI), Z0
	VMOVUPD    64(SI), Z1
	VMOVUPD    128(SI), Z2
	VMOVUPD    192(SI), Z3
	VMOVUPD    Z0, (DI)
	VMOVUPD    Z1, 64(DI)
	VMOVUPD    Z2, 128(DI)
	VMOVUPD    Z3, 192(DI)
	VFPCLASSPDZ NONFINITE, Z0, K1
	VFPCLASSPDZ NONFINITE, Z1, K2
	VFPCLASSPDZ NONFINITE, Z2, K3
	VFPCLASSPDZ NONFINITE, Z3, K4
	KORB       K1, K2, K1
	KORB       K3, K4, K3
	KORTESTB   K1, K3
	JNZ        cf_found
	ADDQ       $256, SI
	ADDQ       $256, DI
	ADDQ       $32, AX
	CMPQ       AX, DX
	JLE        cf_loop32

cf_tail8:
	MOVQ CX, DX
	SUBQ $8, DX

cf_loop8:
	CMPQ       AX, DX
	JGT        cf_tail
	VMOVUPD    (SI), Z0
	VMOVUPD    Z0, (DI)
	VFPCLASSPDZ NONFINITE, Z0, K1
	KORTESTB   K1, K1
	JNZ        cf_found
	ADDQ       $64, SI
	ADDQ       $64, DI
	ADDQ       $8, AX
	JMP        cf_loop8

cf_tail:
	MOVQ CX, R8
	SUBQ AX, R8 // 0..7 values left
	JZ   cf_found
	MOVQ CX, R9
	MOVQ $1, DX
	MOVQ R8, CX
	SHLQ CX, DX
	DECQ DX
	MOVQ R9, CX
	KMOVB      DX, K5
	VMOVUPD.Z  (SI), K5, Z0
	VMOVUPD    Z0, K5, (DI)
	VFPCLASSPDZ NONFINITE, Z0, K5, K1
	KORTESTB   K1, K1
	JNZ        cf_found
	MOVQ       CX, AX

cf_found:
	MOVQ AX, ret+24(FP)
	VZEROUPPER
	RET

// func firstNonFiniteLoopAVX512(x *float64, n int) int
TEXT ·firstNonFiniteLoopAVX512(SB), NOSPLIT, $0-24
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	XORQ AX, AX // index of the current block

	MOVQ CX, DX
	SUBQ $32, DX
	JLT  nf_tail8

nf_loop32:
	VFPCLASSPDZ NONFINITE, (SI), K1
	VFPCLASSPDZ NONFINITE, 64(SI), K2
	VFPCLASSPDZ NONFINITE, 128(SI), K3
	VFPCLASSPDZ NONFINITE, 192(SI), K4
	KORB       K1, K2, K1
	KORB       K3, K4, K3
	KORTESTB   K1, K3
	JNZ        nf_found
	ADDQ       $256, SI
	ADDQ       $32, AX
	CMPQ       AX, DX
	JLE        nf_loop32

nf_tail8:
	MOVQ CX, DX
	SUBQ $8, DX

nf_loop8:
	CMPQ       AX, DX
	JGT        nf_tail
	VFPCLASSPDZ NONFINITE, (SI), K1
	KORTESTB   K1, K1
	JNZ        nf_found
	ADDQ       $64, SI
	ADDQ       $8, AX
	JMP        nf_loop8

nf_tail:
	MOVQ CX, R8
	SUBQ AX, R8 // 0..7 values left
	JZ   nf_found
	MOVQ CX, R9
	MOVQ $1, DX
	MOVQ R8, CX
	SHLQ CX, DX
	DECQ DX
	MOVQ R9, CX
	KMOVB      DX, K5
	VMOVUPD.Z  (SI), K5, Z0
	VFPCLASSPDZ NONFINITE, Z0, K5, K1
	KORTESTB   K1, K1
	JNZ        nf_found
	MOVQ       CX, AX

nf_found:
	MOVQ AX, ret+16(FP)
	VZEROUPPER
	RET
