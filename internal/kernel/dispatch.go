package kernel

import "fmt"

// The bodies the exported functions call. They are set once, at package
// initialisation, to the best implementation the CPU supports (see
// dispatch_amd64.go), and changed afterwards only by Use.
var (
	dot           = dotGeneric
	axpy          = axpyGeneric
	scal          = scalGeneric
	gemv          = gemvGeneric
	gemvT         = gemvTGeneric
	gramUpdate    = gramUpdateGeneric
	gemmNN        = gemmNNGeneric
	gemmNT        = gemmNTGeneric
	gemmTN        = gemmTNGeneric
	gemmNTNorms   = gemmNTNormsGeneric
	projectUpdate = projectUpdateGeneric
)

// bodies is one complete set of kernel bodies.
type bodies struct {
	name          string
	dot           func(x, y []float64) float64
	axpy          func(alpha float64, x, y []float64)
	scal          func(alpha float64, x []float64)
	gemv          func(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64)
	gemvT         func(m, n int, alpha float64, a []float64, lda int, x []float64, beta float64, y []float64)
	gramUpdate    func(b, d int, alpha float64, a []float64, lda int, c []float64, ldc int)
	gemmNN        func(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
	gemmNT        func(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
	gemmTN        func(m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int)
	gemmNTNorms   func(m, n, k int, a []float64, lda int, b []float64, ldb int, c []float64, ldc int, nrm []float64)
	projectUpdate func(n, k, m int, x, b []float64, ldb int, p, y, s, c []float64, ldc int)
}

var genericBodies = bodies{
	name:          "generic",
	dot:           dotGeneric,
	axpy:          axpyGeneric,
	scal:          scalGeneric,
	gemv:          gemvGeneric,
	gemvT:         gemvTGeneric,
	gramUpdate:    gramUpdateGeneric,
	gemmNN:        gemmNNGeneric,
	gemmNT:        gemmNTGeneric,
	gemmTN:        gemmTNGeneric,
	gemmNTNorms:   gemmNTNormsGeneric,
	projectUpdate: projectUpdateGeneric,
}

// available lists the implementations this CPU runs, best first; the
// generic bodies are always last. current is the one installed.
var (
	available = []*bodies{&genericBodies}
	current   = &genericBodies
)

func install(b *bodies) {
	dot, axpy, scal = b.dot, b.axpy, b.scal
	gemv, gemvT = b.gemv, b.gemvT
	gramUpdate = b.gramUpdate
	gemmNN, gemmNT, gemmTN = b.gemmNN, b.gemmNT, b.gemmTN
	gemmNTNorms = b.gemmNTNorms
	projectUpdate = b.projectUpdate
	current = b
}

// Impls returns the names of the kernel implementations this CPU can run,
// best first. The last is always "generic" (the Go bodies that specify the
// kernels); on amd64 without the purego tag the list may start with
// "avx512" and "avx2". It exists for tests, fuzz targets and benchmarks
// that compare the implementations within one binary.
func Impls() []string {
	names := make([]string, len(available))
	for i, b := range available {
		names[i] = b.name
	}
	return names
}

// Impl returns the name of the implementation in use.
func Impl() string { return current.name }

// Use installs the named implementation (one of Impls) for every kernel and
// returns a function that reinstalls the previous one. It is meant for tests
// and benchmarks only: it must not be called while any kernel is running in
// another goroutine. It panics if name is not in Impls.
func Use(name string) (restore func()) {
	for _, b := range available {
		if b.name == name {
			prev := current
			install(b)
			return func() { install(prev) }
		}
	}
	panic(fmt.Sprintf("kernel: implementation %q not available (have %v)", name, Impls()))
}
