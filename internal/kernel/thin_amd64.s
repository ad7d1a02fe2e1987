//go:build amd64 && !purego

#include "textflag.h"
#include "reduce_amd64.h"

// Helpers of the thin level-3 paths (thin_amd64.go): GemmNT with at most
// four rows of B, GemmTN with at most four columns of C, and GemmNTNorms.
// Their references are gemmNTGeneric, gemmTNGeneric and gemmNTNormsGeneric.

// func dots4pAVX512(n int, p *[4]*float64, x *float64, out *[4]float64)
//
// out[r] = Σ_{c<n} p[r][c]·x[c] for r < 4: four dot products sharing the
// loads of x, the rows given by pointers.
TEXT ·dots4pAVX512(SB), NOSPLIT, $0-32
	MOVQ n+0(FP), CX
	MOVQ p+8(FP), DX
	MOVQ 0(DX), R8
	MOVQ 8(DX), R9
	MOVQ 16(DX), R10
	MOVQ 24(DX), R11
	MOVQ x+16(FP), DI
	XORQ SI, SI
	VXORPD Z0, Z0, Z0
	VXORPD Z1, Z1, Z1
	VXORPD Z2, Z2, Z2
	VXORPD Z3, Z3, Z3
	VXORPD Z4, Z4, Z4
	VXORPD Z5, Z5, Z5
	VXORPD Z6, Z6, Z6
	VXORPD Z7, Z7, Z7
	CMPQ   CX, $16
	JLT    p4_tail8

p4_loop16:
	// The rows of a streamed block come one after another: fetch 2 KiB
	// ahead of x (harmless past its end), which measured 1.3–1.5× on rows
	// read from memory.
	PREFETCHT0  2048(DI)(SI*1)
	PREFETCHT0  2112(DI)(SI*1)
	VMOVUPD     (DI)(SI*1), Z16
	VMOVUPD     64(DI)(SI*1), Z17
	VFMADD231PD (R8)(SI*1), Z16, Z0
	VFMADD231PD (R9)(SI*1), Z16, Z1
	VFMADD231PD (R10)(SI*1), Z16, Z2
	VFMADD231PD (R11)(SI*1), Z16, Z3
	VFMADD231PD 64(R8)(SI*1), Z17, Z4
	VFMADD231PD 64(R9)(SI*1), Z17, Z5
	VFMADD231PD 64(R10)(SI*1), Z17, Z6
	VFMADD231PD 64(R11)(SI*1), Z17, Z7
	ADDQ        $128, SI
	SUBQ        $16, CX
	CMPQ        CX, $16
	JGE         p4_loop16

p4_tail8:
	CMPQ CX, $8
	JLT  p4_tail
	VMOVUPD     (DI)(SI*1), Z16
	VFMADD231PD (R8)(SI*1), Z16, Z0
	VFMADD231PD (R9)(SI*1), Z16, Z1
	VFMADD231PD (R10)(SI*1), Z16, Z2
	VFMADD231PD (R11)(SI*1), Z16, Z3
	ADDQ        $64, SI
	SUBQ        $8, CX

p4_tail:
	TESTQ CX, CX
	JZ    p4_reduce
	MOVQ  $1, DX
	SHLQ  CX, DX
	DECQ  DX
	KMOVW DX, K1
	VMOVUPD.Z   (DI)(SI*1), K1, Z16
	VMOVUPD.Z   (R8)(SI*1), K1, Z18
	VMOVUPD.Z   (R9)(SI*1), K1, Z19
	VMOVUPD.Z   (R10)(SI*1), K1, Z20
	VMOVUPD.Z   (R11)(SI*1), K1, Z21
	VFMADD231PD Z18, Z16, Z4
	VFMADD231PD Z19, Z16, Z5
	VFMADD231PD Z20, Z16, Z6
	VFMADD231PD Z21, Z16, Z7

p4_reduce:
	REDUCE4_Y1
	MOVQ          out+24(FP), DX
	VMOVUPD       Y1, (DX)
	VZEROUPPER
	RET

// func axpy4mAVX512(n int, b *float64, ldb int, s *[16]float64, c *[4]*float64, m int)
//
// c[i][col] += s[4i]·b[col] + s[4i+1]·b[ldb+col] + s[4i+2]·b[2·ldb+col] +
// s[4i+3]·b[3·ldb+col] for col < n and i < m (1 ≤ m ≤ 4): axpy4AVX512 for
// m destination rows at once, sharing the loads of the four rows of b.
TEXT ·axpy4mAVX512(SB), NOSPLIT, $0-48
	MOVQ n+0(FP), CX
	MOVQ b+8(FP), R8
	MOVQ ldb+16(FP), AX
	SHLQ $3, AX
	LEAQ (R8)(AX*1), R9
	LEAQ (R9)(AX*1), R10
	LEAQ (R10)(AX*1), R11
	MOVQ s+24(FP), DX
	VBROADCASTSD 0(DX), Z0
	VBROADCASTSD 8(DX), Z1
	VBROADCASTSD 16(DX), Z2
	VBROADCASTSD 24(DX), Z3
	VBROADCASTSD 32(DX), Z4
	VBROADCASTSD 40(DX), Z5
	VBROADCASTSD 48(DX), Z6
	VBROADCASTSD 56(DX), Z7
	VBROADCASTSD 64(DX), Z8
	VBROADCASTSD 72(DX), Z9
	VBROADCASTSD 80(DX), Z10
	VBROADCASTSD 88(DX), Z11
	VBROADCASTSD 96(DX), Z12
	VBROADCASTSD 104(DX), Z13
	VBROADCASTSD 112(DX), Z14
	VBROADCASTSD 120(DX), Z15
	MOVQ c+32(FP), DX
	MOVQ 0(DX), R12
	MOVQ 8(DX), R13
	MOVQ 16(DX), DI
	MOVQ 24(DX), AX
	MOVQ m+40(FP), BX
	XORQ SI, SI

am_loop8:
	CMPQ CX, $8
	JLT  am_tail
	VMOVUPD     (R8)(SI*1), Z16
	VMOVUPD     (R9)(SI*1), Z17
	VMOVUPD     (R10)(SI*1), Z18
	VMOVUPD     (R11)(SI*1), Z19
	VMOVUPD     (R12)(SI*1), Z20
	VFMADD231PD Z16, Z0, Z20
	VFMADD231PD Z17, Z1, Z20
	VFMADD231PD Z18, Z2, Z20
	VFMADD231PD Z19, Z3, Z20
	VMOVUPD     Z20, (R12)(SI*1)
	CMPQ        BX, $2
	JLT         am_next8
	VMOVUPD     (R13)(SI*1), Z21
	VFMADD231PD Z16, Z4, Z21
	VFMADD231PD Z17, Z5, Z21
	VFMADD231PD Z18, Z6, Z21
	VFMADD231PD Z19, Z7, Z21
	VMOVUPD     Z21, (R13)(SI*1)
	CMPQ        BX, $3
	JLT         am_next8
	VMOVUPD     (DI)(SI*1), Z22
	VFMADD231PD Z16, Z8, Z22
	VFMADD231PD Z17, Z9, Z22
	VFMADD231PD Z18, Z10, Z22
	VFMADD231PD Z19, Z11, Z22
	VMOVUPD     Z22, (DI)(SI*1)
	CMPQ        BX, $4
	JLT         am_next8
	VMOVUPD     (AX)(SI*1), Z23
	VFMADD231PD Z16, Z12, Z23
	VFMADD231PD Z17, Z13, Z23
	VFMADD231PD Z18, Z14, Z23
	VFMADD231PD Z19, Z15, Z23
	VMOVUPD     Z23, (AX)(SI*1)

am_next8:
	ADDQ $64, SI
	SUBQ $8, CX
	JMP  am_loop8

am_tail:
	TESTQ CX, CX
	JZ    am_done
	MOVQ  $1, DX
	SHLQ  CX, DX
	DECQ  DX
	KMOVW DX, K1
	VMOVUPD.Z   (R8)(SI*1), K1, Z16
	VMOVUPD.Z   (R9)(SI*1), K1, Z17
	VMOVUPD.Z   (R10)(SI*1), K1, Z18
	VMOVUPD.Z   (R11)(SI*1), K1, Z19
	VMOVUPD.Z   (R12)(SI*1), K1, Z20
	VFMADD231PD Z16, Z0, Z20
	VFMADD231PD Z17, Z1, Z20
	VFMADD231PD Z18, Z2, Z20
	VFMADD231PD Z19, Z3, Z20
	VMOVUPD     Z20, K1, (R12)(SI*1)
	CMPQ        BX, $2
	JLT         am_done
	VMOVUPD.Z   (R13)(SI*1), K1, Z21
	VFMADD231PD Z16, Z4, Z21
	VFMADD231PD Z17, Z5, Z21
	VFMADD231PD Z18, Z6, Z21
	VFMADD231PD Z19, Z7, Z21
	VMOVUPD     Z21, K1, (R13)(SI*1)
	CMPQ        BX, $3
	JLT         am_done
	VMOVUPD.Z   (DI)(SI*1), K1, Z22
	VFMADD231PD Z16, Z8, Z22
	VFMADD231PD Z17, Z9, Z22
	VFMADD231PD Z18, Z10, Z22
	VFMADD231PD Z19, Z11, Z22
	VMOVUPD     Z22, K1, (DI)(SI*1)
	CMPQ        BX, $4
	JLT         am_done
	VMOVUPD.Z   (AX)(SI*1), K1, Z23
	VFMADD231PD Z16, Z12, Z23
	VFMADD231PD Z17, Z13, Z23
	VFMADD231PD Z18, Z14, Z23
	VFMADD231PD Z19, Z15, Z23
	VMOVUPD     Z23, K1, (AX)(SI*1)

am_done:
	VZEROUPPER
	RET
