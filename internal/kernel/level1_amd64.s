//go:build amd64 && !purego

#include "textflag.h"

// Level-1 bodies. The references are the generic Go functions named in the
// stub declarations in stubs_amd64.go.

// func dotAVX512(x, y []float64) float64
TEXT ·dotAVX512(SB), NOSPLIT, $0-56
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ y_base+24(FP), DI
	// Long x off a cache line: dotAlignXAVX512 computes the same bits with
	// loads of x that do not straddle two lines.
	CMPQ  CX, $64
	JLT   dot512_plain
	TESTQ $63, SI
	JZ    dot512_plain
	JMP   ·dotAlignXAVX512(SB)

dot512_plain:
	VXORPD Z0, Z0, Z0
	VXORPD Z1, Z1, Z1
	VXORPD Z2, Z2, Z2
	VXORPD Z3, Z3, Z3
	VXORPD Z4, Z4, Z4
	VXORPD Z5, Z5, Z5
	VXORPD Z6, Z6, Z6
	VXORPD Z7, Z7, Z7
	CMPQ CX, $64
	JLT  dot512_tail8

dot512_loop64:
	VMOVUPD     (SI), Z8
	VMOVUPD     64(SI), Z9
	VMOVUPD     128(SI), Z10
	VMOVUPD     192(SI), Z11
	VMOVUPD     256(SI), Z12
	VMOVUPD     320(SI), Z13
	VMOVUPD     384(SI), Z14
	VMOVUPD     448(SI), Z15
	VFMADD231PD (DI), Z8, Z0
	VFMADD231PD 64(DI), Z9, Z1
	VFMADD231PD 128(DI), Z10, Z2
	VFMADD231PD 192(DI), Z11, Z3
	VFMADD231PD 256(DI), Z12, Z4
	VFMADD231PD 320(DI), Z13, Z5
	VFMADD231PD 384(DI), Z14, Z6
	VFMADD231PD 448(DI), Z15, Z7
	ADDQ        $512, SI
	ADDQ        $512, DI
	SUBQ        $64, CX
	CMPQ        CX, $64
	JGE         dot512_loop64

dot512_tail8:
	CMPQ CX, $8
	JLT  dot512_tail

dot512_loop8:
	VMOVUPD     (SI), Z8
	VFMADD231PD (DI), Z8, Z0
	ADDQ        $64, SI
	ADDQ        $64, DI
	SUBQ        $8, CX
	CMPQ        CX, $8
	JGE         dot512_loop8

dot512_tail:
	TESTQ CX, CX
	JZ    dot512_reduce
	MOVQ  $1, AX
	SHLQ  CX, AX
	DECQ  AX
	KMOVW AX, K1
	VMOVUPD.Z (SI), K1, Z8
	VMOVUPD.Z (DI), K1, Z9
	VFMADD231PD Z9, Z8, Z1

dot512_reduce:
	VADDPD        Z1, Z0, Z0
	VADDPD        Z3, Z2, Z2
	VADDPD        Z5, Z4, Z4
	VADDPD        Z7, Z6, Z6
	VADDPD        Z2, Z0, Z0
	VADDPD        Z6, Z4, Z4
	VADDPD        Z4, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPD        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPD        X1, X0, X0
	VPERMILPD     $1, X0, X1
	VADDSD        X1, X0, X0
	VZEROUPPER
	MOVSD         X0, ret+48(FP)
	RET

// func dotAVX2(x, y []float64) float64
TEXT ·dotAVX2(SB), NOSPLIT, $0-56
	MOVQ   x_base+0(FP), SI
	MOVQ   x_len+8(FP), CX
	MOVQ   y_base+24(FP), DI
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	CMPQ   CX, $32
	JLT    dot2_tail4

dot2_loop32:
	VMOVUPD     (SI), Y8
	VMOVUPD     32(SI), Y9
	VMOVUPD     64(SI), Y10
	VMOVUPD     96(SI), Y11
	VMOVUPD     128(SI), Y12
	VMOVUPD     160(SI), Y13
	VMOVUPD     192(SI), Y14
	VMOVUPD     224(SI), Y15
	VFMADD231PD (DI), Y8, Y0
	VFMADD231PD 32(DI), Y9, Y1
	VFMADD231PD 64(DI), Y10, Y2
	VFMADD231PD 96(DI), Y11, Y3
	VFMADD231PD 128(DI), Y12, Y4
	VFMADD231PD 160(DI), Y13, Y5
	VFMADD231PD 192(DI), Y14, Y6
	VFMADD231PD 224(DI), Y15, Y7
	ADDQ        $256, SI
	ADDQ        $256, DI
	SUBQ        $32, CX
	CMPQ        CX, $32
	JGE         dot2_loop32

dot2_tail4:
	CMPQ CX, $4
	JLT  dot2_reduce

dot2_loop4:
	VMOVUPD     (SI), Y8
	VFMADD231PD (DI), Y8, Y0
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $4, CX
	CMPQ        CX, $4
	JGE         dot2_loop4

dot2_reduce:
	VADDPD       Y1, Y0, Y0
	VADDPD       Y3, Y2, Y2
	VADDPD       Y5, Y4, Y4
	VADDPD       Y7, Y6, Y6
	VADDPD       Y2, Y0, Y0
	VADDPD       Y6, Y4, Y4
	VADDPD       Y4, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPD       X1, X0, X0
	VPERMILPD    $1, X0, X1
	VADDSD       X1, X0, X0
	TESTQ        CX, CX
	JZ           dot2_done

dot2_scalar:
	VMOVSD      (SI), X8
	VFMADD231SD (DI), X8, X0
	ADDQ        $8, SI
	ADDQ        $8, DI
	DECQ        CX
	JNZ         dot2_scalar

dot2_done:
	VZEROUPPER
	MOVSD X0, ret+48(FP)
	RET

// func axpyAVX512(alpha float64, x, y []float64)
TEXT ·axpyAVX512(SB), NOSPLIT, $0-56
	VBROADCASTSD alpha+0(FP), Z31
	MOVQ         x_base+8(FP), SI
	MOVQ         x_len+16(FP), CX
	MOVQ         y_base+32(FP), DI

	// Peel up to 7 elements so that the loads and stores of y are 64-byte
	// aligned (each element is computed alone, so this cannot change the
	// result).
	MOVQ  DI, AX
	NEGQ  AX
	ANDQ  $63, AX
	SHRQ  $3, AX
	JZ    axpy512_aligned
	CMPQ  AX, CX
	CMOVQGT CX, AX
	MOVQ  AX, R8
	MOVQ  $1, DX
	MOVQ  AX, R9
	MOVQ  R9, CX
	SHLQ  CX, DX
	DECQ  DX
	KMOVW DX, K1
	MOVQ  x_len+16(FP), CX
	SUBQ  R8, CX
	VMOVUPD.Z   (SI), K1, Z0
	VMOVUPD.Z   (DI), K1, Z4
	VFMADD231PD Z0, Z31, Z4
	VMOVUPD     Z4, K1, (DI)
	LEAQ        (SI)(R8*8), SI
	LEAQ        (DI)(R8*8), DI

axpy512_aligned:
	CMPQ         CX, $32
	JLT          axpy512_tail8

axpy512_loop32:
	VMOVUPD     (SI), Z0
	VMOVUPD     64(SI), Z1
	VMOVUPD     128(SI), Z2
	VMOVUPD     192(SI), Z3
	VMOVUPD     (DI), Z4
	VMOVUPD     64(DI), Z5
	VMOVUPD     128(DI), Z6
	VMOVUPD     192(DI), Z7
	VFMADD231PD Z0, Z31, Z4
	VFMADD231PD Z1, Z31, Z5
	VFMADD231PD Z2, Z31, Z6
	VFMADD231PD Z3, Z31, Z7
	VMOVUPD     Z4, (DI)
	VMOVUPD     Z5, 64(DI)
	VMOVUPD     Z6, 128(DI)
	VMOVUPD     Z7, 192(DI)
	ADDQ        $256, SI
	ADDQ        $256, DI
	SUBQ        $32, CX
	CMPQ        CX, $32
	JGE         axpy512_loop32

axpy512_tail8:
	CMPQ CX, $8
	JLT  axpy512_tail

axpy512_loop8:
	VMOVUPD     (SI), Z0
	VMOVUPD     (DI), Z4
	VFMADD231PD Z0, Z31, Z4
	VMOVUPD     Z4, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	SUBQ        $8, CX
	CMPQ        CX, $8
	JGE         axpy512_loop8

axpy512_tail:
	TESTQ CX, CX
	JZ    axpy512_done
	MOVQ  $1, AX
	SHLQ  CX, AX
	DECQ  AX
	KMOVW AX, K1
	VMOVUPD.Z   (SI), K1, Z0
	VMOVUPD.Z   (DI), K1, Z4
	VFMADD231PD Z0, Z31, Z4
	VMOVUPD     Z4, K1, (DI)

axpy512_done:
	VZEROUPPER
	RET

// func axpyAVX2(alpha float64, x, y []float64)
TEXT ·axpyAVX2(SB), NOSPLIT, $0-56
	VBROADCASTSD alpha+0(FP), Y15
	MOVQ         x_base+8(FP), SI
	MOVQ         x_len+16(FP), CX
	MOVQ         y_base+32(FP), DI
	CMPQ         CX, $16
	JLT          axpy2_tail4

axpy2_loop16:
	VMOVUPD     (SI), Y0
	VMOVUPD     32(SI), Y1
	VMOVUPD     64(SI), Y2
	VMOVUPD     96(SI), Y3
	VMOVUPD     (DI), Y4
	VMOVUPD     32(DI), Y5
	VMOVUPD     64(DI), Y6
	VMOVUPD     96(DI), Y7
	VFMADD231PD Y0, Y15, Y4
	VFMADD231PD Y1, Y15, Y5
	VFMADD231PD Y2, Y15, Y6
	VFMADD231PD Y3, Y15, Y7
	VMOVUPD     Y4, (DI)
	VMOVUPD     Y5, 32(DI)
	VMOVUPD     Y6, 64(DI)
	VMOVUPD     Y7, 96(DI)
	ADDQ        $128, SI
	ADDQ        $128, DI
	SUBQ        $16, CX
	CMPQ        CX, $16
	JGE         axpy2_loop16

axpy2_tail4:
	CMPQ CX, $4
	JLT  axpy2_tail

axpy2_loop4:
	VMOVUPD     (SI), Y0
	VMOVUPD     (DI), Y4
	VFMADD231PD Y0, Y15, Y4
	VMOVUPD     Y4, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $4, CX
	CMPQ        CX, $4
	JGE         axpy2_loop4

axpy2_tail:
	TESTQ CX, CX
	JZ    axpy2_done

axpy2_scalar:
	VMOVSD      (SI), X0
	VMOVSD      (DI), X4
	VFMADD231SD X0, X15, X4
	VMOVSD      X4, (DI)
	ADDQ        $8, SI
	ADDQ        $8, DI
	DECQ        CX
	JNZ         axpy2_scalar

axpy2_done:
	VZEROUPPER
	RET

// func scalAVX512(alpha float64, x []float64)
TEXT ·scalAVX512(SB), NOSPLIT, $0-32
	VBROADCASTSD alpha+0(FP), Z31
	MOVQ         x_base+8(FP), DI
	MOVQ         x_len+16(FP), CX

	// Peel up to 7 elements so that the loads and stores are 64-byte aligned.
	MOVQ  DI, AX
	NEGQ  AX
	ANDQ  $63, AX
	SHRQ  $3, AX
	JZ    scal512_aligned
	CMPQ  AX, CX
	CMOVQGT CX, AX
	MOVQ  AX, R8
	MOVQ  $1, DX
	MOVQ  AX, CX
	SHLQ  CX, DX
	DECQ  DX
	KMOVW DX, K1
	MOVQ  x_len+16(FP), CX
	SUBQ  R8, CX
	VMOVUPD.Z (DI), K1, Z0
	VMULPD    Z0, Z31, Z0
	VMOVUPD   Z0, K1, (DI)
	LEAQ      (DI)(R8*8), DI

scal512_aligned:
	CMPQ         CX, $32
	JLT          scal512_tail8

scal512_loop32:
	VMULPD  (DI), Z31, Z0
	VMULPD  64(DI), Z31, Z1
	VMULPD  128(DI), Z31, Z2
	VMULPD  192(DI), Z31, Z3
	VMOVUPD Z0, (DI)
	VMOVUPD Z1, 64(DI)
	VMOVUPD Z2, 128(DI)
	VMOVUPD Z3, 192(DI)
	ADDQ    $256, DI
	SUBQ    $32, CX
	CMPQ    CX, $32
	JGE     scal512_loop32

scal512_tail8:
	CMPQ CX, $8
	JLT  scal512_tail

scal512_loop8:
	VMULPD  (DI), Z31, Z0
	VMOVUPD Z0, (DI)
	ADDQ    $64, DI
	SUBQ    $8, CX
	CMPQ    CX, $8
	JGE     scal512_loop8

scal512_tail:
	TESTQ CX, CX
	JZ    scal512_done
	MOVQ  $1, AX
	SHLQ  CX, AX
	DECQ  AX
	KMOVW AX, K1
	VMOVUPD.Z (DI), K1, Z0
	VMULPD    Z0, Z31, Z0
	VMOVUPD   Z0, K1, (DI)

scal512_done:
	VZEROUPPER
	RET

// func scalAVX2(alpha float64, x []float64)
TEXT ·scalAVX2(SB), NOSPLIT, $0-32
	VBROADCASTSD alpha+0(FP), Y15
	MOVQ         x_base+8(FP), DI
	MOVQ         x_len+16(FP), CX
	CMPQ         CX, $16
	JLT          scal2_tail4

scal2_loop16:
	VMULPD  (DI), Y15, Y0
	VMULPD  32(DI), Y15, Y1
	VMULPD  64(DI), Y15, Y2
	VMULPD  96(DI), Y15, Y3
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	ADDQ    $128, DI
	SUBQ    $16, CX
	CMPQ    CX, $16
	JGE     scal2_loop16

scal2_tail4:
	CMPQ CX, $4
	JLT  scal2_tail

scal2_loop4:
	VMULPD  (DI), Y15, Y0
	VMOVUPD Y0, (DI)
	ADDQ    $32, DI
	SUBQ    $4, CX
	CMPQ    CX, $4
	JGE     scal2_loop4

scal2_tail:
	TESTQ CX, CX
	JZ    scal2_done

scal2_scalar:
	VMULSD (DI), X15, X0
	VMOVSD X0, (DI)
	ADDQ   $8, DI
	DECQ   CX
	JNZ    scal2_scalar

scal2_done:
	VZEROUPPER
	RET
