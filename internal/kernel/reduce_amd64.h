// Shared by the AVX-512 dot-product kernels: the reduction of eight
// 512-bit accumulators, two per sum (Z0+Z4, Z1+Z5, Z2+Z6, Z3+Z7), to the
// four sums [s0 s1 s2 s3] in Y1. It clobbers Y0–Y7. Every kernel that
// includes it adds in the same order, so equal accumulators give equal
// bits.
#define REDUCE4_Y1 \
	VADDPD        Z4, Z0, Z0; \
	VADDPD        Z5, Z1, Z1; \
	VADDPD        Z6, Z2, Z2; \
	VADDPD        Z7, Z3, Z3; \
	VEXTRACTF64X4 $1, Z0, Y4; \
	VEXTRACTF64X4 $1, Z1, Y5; \
	VEXTRACTF64X4 $1, Z2, Y6; \
	VEXTRACTF64X4 $1, Z3, Y7; \
	VADDPD        Y4, Y0, Y0; \
	VADDPD        Y5, Y1, Y1; \
	VADDPD        Y6, Y2, Y2; \
	VADDPD        Y7, Y3, Y3; \
	VHADDPD       Y1, Y0, Y0; \
	VHADDPD       Y3, Y2, Y2; \
	VPERM2F128    $0x20, Y2, Y0, Y1; \
	VPERM2F128    $0x31, Y2, Y0, Y3; \
	VADDPD        Y3, Y1, Y1
