//go:build amd64 && !purego

package kernel

import "golang.org/x/sys/cpu"

// The assembly bodies are chosen here, once, from the CPU's features.
// golang.org/x/sys/cpu reports AVX2/AVX-512 only when the operating system
// also saves the wider registers (it checks XGETBV), so a feature flag
// here means the instructions are safe to run.

var avx2Bodies = bodies{
	name:          "avx2",
	dot:           dotAVX2,
	axpy:          axpyAVX2,
	scal:          scalAVX2,
	gemv:          gemvAVX2,
	gemvT:         gemvTAVX2,
	gramUpdate:    gramUpdateAVX2,
	gemmNN:        gemmNNAVX2,
	gemmNT:        gemmNTAVX2,
	gemmTN:        gemmTNAVX2,
	gemmNTNorms:   gemmNTNormsGeneric,
	projectUpdate: projectUpdateGeneric,
}

var avx512Bodies = bodies{
	name:          "avx512",
	dot:           dotAVX512,
	axpy:          axpyAVX512,
	scal:          scalAVX512,
	gemv:          gemvAVX512,
	gemvT:         gemvTAVX512,
	gramUpdate:    gramUpdateAVX512,
	gemmNN:        gemmNNAVX512,
	gemmNT:        gemmNTAVX512,
	gemmTN:        gemmTNAVX512,
	gemmNTNorms:   gemmNTNormsAVX512,
	projectUpdate: projectUpdateAVX512,
}

func init() {
	x := &cpu.X86
	if x.HasAVX2 && x.HasFMA {
		available = append([]*bodies{&avx2Bodies}, available...)
		if x.HasAVX512F && x.HasAVX512VL && x.HasAVX512DQ {
			available = append([]*bodies{&avx512Bodies}, available...)
		}
	}
	install(available[0])
}
