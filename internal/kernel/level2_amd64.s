//go:build amd64 && !purego

#include "textflag.h"

// Level-2 helpers of gemvAVX512 and gemvTAVX512 (level2_amd64.go), whose
// references are gemvGeneric and gemvTGeneric.

// func axpy4AVX512(n int, a *float64, lda int, s *[4]float64, y *float64)
//
// y[c] += s[0]·a[c] + s[1]·a[lda+c] + s[2]·a[2·lda+c] + s[3]·a[3·lda+c] for c < n.
TEXT ·axpy4AVX512(SB), NOSPLIT, $0-40
	MOVQ         n+0(FP), CX
	MOVQ         a+8(FP), R8
	MOVQ         lda+16(FP), AX
	SHLQ         $3, AX
	LEAQ         (R8)(AX*1), R9
	LEAQ         (R9)(AX*1), R10
	LEAQ         (R10)(AX*1), R11
	MOVQ         s+24(FP), DX
	VBROADCASTSD (DX), Z24
	VBROADCASTSD 8(DX), Z25
	VBROADCASTSD 16(DX), Z26
	VBROADCASTSD 24(DX), Z27
	MOVQ         y+32(FP), DI
	XORQ         SI, SI

	// Peel up to 7 columns so that the loads of the first row (and of all
	// four when lda is a multiple of 8) are 64-byte aligned; each column is
	// computed alone, so this cannot change the result.
	MOVQ  R8, BX
	NEGQ  BX
	ANDQ  $63, BX
	SHRQ  $3, BX
	JZ    a4_aligned
	CMPQ  BX, CX
	CMOVQGT CX, BX
	MOVQ  CX, R12
	MOVQ  BX, CX
	MOVQ  $1, DX
	SHLQ  CX, DX
	DECQ  DX
	KMOVW DX, K1
	MOVQ  R12, CX
	SUBQ  BX, CX
	VMOVUPD.Z   (DI), K1, Z0
	VMOVUPD.Z   (R8), K1, Z18
	VMOVUPD.Z   (R9), K1, Z19
	VMOVUPD.Z   (R10), K1, Z20
	VMOVUPD.Z   (R11), K1, Z21
	VFMADD231PD Z18, Z24, Z0
	VFMADD231PD Z19, Z25, Z0
	VFMADD231PD Z20, Z26, Z0
	VFMADD231PD Z21, Z27, Z0
	VMOVUPD     Z0, K1, (DI)
	SHLQ        $3, BX
	MOVQ        BX, SI

a4_aligned:
	CMPQ         CX, $16
	JLT          a4_tail8

a4_loop16:
	VMOVUPD     (DI)(SI*1), Z0
	VMOVUPD     64(DI)(SI*1), Z1
	VFMADD231PD (R8)(SI*1), Z24, Z0
	VFMADD231PD 64(R8)(SI*1), Z24, Z1
	VFMADD231PD (R9)(SI*1), Z25, Z0
	VFMADD231PD 64(R9)(SI*1), Z25, Z1
	VFMADD231PD (R10)(SI*1), Z26, Z0
	VFMADD231PD 64(R10)(SI*1), Z26, Z1
	VFMADD231PD (R11)(SI*1), Z27, Z0
	VFMADD231PD 64(R11)(SI*1), Z27, Z1
	VMOVUPD     Z0, (DI)(SI*1)
	VMOVUPD     Z1, 64(DI)(SI*1)
	ADDQ        $128, SI
	SUBQ        $16, CX
	CMPQ        CX, $16
	JGE         a4_loop16

a4_tail8:
	CMPQ CX, $8
	JLT  a4_tail
	VMOVUPD     (DI)(SI*1), Z0
	VFMADD231PD (R8)(SI*1), Z24, Z0
	VFMADD231PD (R9)(SI*1), Z25, Z0
	VFMADD231PD (R10)(SI*1), Z26, Z0
	VFMADD231PD (R11)(SI*1), Z27, Z0
	VMOVUPD     Z0, (DI)(SI*1)
	ADDQ        $64, SI
	SUBQ        $8, CX

a4_tail:
	TESTQ CX, CX
	JZ    a4_done
	MOVQ  $1, DX
	SHLQ  CX, DX
	DECQ  DX
	KMOVW DX, K1
	VMOVUPD.Z   (DI)(SI*1), K1, Z0
	VMOVUPD.Z   (R8)(SI*1), K1, Z18
	VMOVUPD.Z   (R9)(SI*1), K1, Z19
	VMOVUPD.Z   (R10)(SI*1), K1, Z20
	VMOVUPD.Z   (R11)(SI*1), K1, Z21
	VFMADD231PD Z18, Z24, Z0
	VFMADD231PD Z19, Z25, Z0
	VFMADD231PD Z20, Z26, Z0
	VFMADD231PD Z21, Z27, Z0
	VMOVUPD     Z0, K1, (DI)(SI*1)

a4_done:
	VZEROUPPER
	RET
