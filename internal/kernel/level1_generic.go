package kernel

// dotGeneric is the specification of Dot.
func dotGeneric(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	for len(x) >= 4 {
		s0 += x[0] * y[0]
		s1 += x[1] * y[1]
		s2 += x[2] * y[2]
		s3 += x[3] * y[3]
		x, y = x[4:], y[4:]
	}
	for i, v := range x {
		s0 += v * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpyGeneric is the specification of Axpy.
func axpyGeneric(alpha float64, x, y []float64) {
	y = y[:len(x)]
	for len(x) >= 4 {
		y[0] += alpha * x[0]
		y[1] += alpha * x[1]
		y[2] += alpha * x[2]
		y[3] += alpha * x[3]
		x, y = x[4:], y[4:]
	}
	for i, v := range x {
		y[i] += alpha * v
	}
}

// scalGeneric is the specification of Scal.
func scalGeneric(alpha float64, x []float64) {
	for i := range x {
		x[i] *= alpha
	}
}
