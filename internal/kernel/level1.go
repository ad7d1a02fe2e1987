package kernel

import "math"

// Dot returns Σ x[i]·y[i] within the package's rounding bound with k =
// len(x), α = 1, β = 0. It panics if len(x) != len(y).
func Dot(x, y []float64) float64 {
	if len(x) != len(y) {
		panic(errLen)
	}
	return dot(x, y)
}

// Axpy computes y += alpha·x (each entry within the rounding bound with
// k = 1, β = 1); alpha == 0 leaves y unchanged. It panics if
// len(x) != len(y).
func Axpy(alpha float64, x, y []float64) {
	if len(x) != len(y) {
		panic(errLen)
	}
	if alpha == 0 {
		return
	}
	axpy(alpha, x, y)
}

// AxpBy computes y = alpha·x + beta·y (each entry within the rounding bound
// with k = 1). With beta == 0, y is overwritten (NaNs in y do not
// propagate). It panics if len(x) != len(y).
func AxpBy(alpha float64, x []float64, beta float64, y []float64) {
	if len(x) != len(y) {
		panic(errLen)
	}
	switch {
	case beta == 0:
		for i, v := range x {
			y[i] = alpha * v
		}
	case beta == 1:
		if alpha != 0 {
			axpy(alpha, x, y)
		}
	default:
		// Two vector passes (y *= beta, then y += alpha·x) beat one
		// scalar pass; each entry is still within the bound with k = 1.
		scal(beta, y)
		axpy(alpha, x, y)
	}
}

// Scal computes x *= alpha, exactly (one rounded product per element).
func Scal(alpha float64, x []float64) {
	if alpha == 1 {
		return
	}
	scal(alpha, x)
}

// Nrm2 returns the Euclidean norm √(Σ x[i]²) without overflow or underflow
// in intermediate results: entries as large as math.MaxFloat64 or as small as
// the smallest subnormal give a correctly scaled answer. It returns +Inf if
// any entry is infinite and NaN if any is NaN (and none infinite).
func Nrm2(x []float64) float64 {
	// Fast path: the plain sum of squares is exact enough whenever it
	// neither overflows nor loses the result to underflow.
	s := dot(x, x)
	if s > tiny && s < huge {
		return math.Sqrt(s)
	}
	return nrm2Scaled(x)
}

const (
	tiny = 0x1p-900 // below this the sum of squares may have lost bits to underflow
	huge = 0x1p+900 // above this it may have overflowed
)

// nrm2Scaled is the LAPACK dnrm2 style scaled sum of squares.
func nrm2Scaled(x []float64) float64 {
	scale, ssq := 0.0, 1.0
	for _, v := range x {
		if v == 0 {
			continue
		}
		if math.IsNaN(v) {
			for _, w := range x {
				if math.IsInf(w, 0) {
					return math.Inf(1)
				}
			}
			return math.NaN()
		}
		a := math.Abs(v)
		if math.IsInf(a, 0) {
			return math.Inf(1)
		}
		if scale < a {
			r := scale / a
			ssq = 1 + ssq*r*r
			scale = a
		} else {
			r := a / scale
			ssq += r * r
		}
	}
	return scale * math.Sqrt(ssq)
}

const errLen = "kernel: slice lengths differ"
