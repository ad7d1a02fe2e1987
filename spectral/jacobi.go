package spectral

import "math"

// symEig computes the eigen-decomposition of the k×k symmetric matrix a
// (row-major, destroyed) by cyclic Jacobi rotations: vals in descending
// order and the matching unit eigenvectors as the columns of vecs (k×k,
// row-major). It is meant for tiny k (the Ritz problems of this package)
// and does not allocate.
func symEig(a []float64, k int, vals, vecs []float64) {
	clear(vecs[:k*k])
	for i := range k {
		vecs[i*k+i] = 1
	}
	for sweep := 0; sweep < 64; sweep++ {
		off, diag := 0.0, 0.0
		for i := range k {
			diag += a[i*k+i] * a[i*k+i]
			for j := i + 1; j < k; j++ {
				off += a[i*k+j] * a[i*k+j]
			}
		}
		if off <= 1e-32*diag || off == 0 {
			break
		}
		for p := 0; p < k; p++ {
			for q := p + 1; q < k; q++ {
				apq := a[p*k+q]
				if apq == 0 {
					continue
				}
				theta := (a[q*k+q] - a[p*k+p]) / (2 * apq)
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for r := range k {
					arp, arq := a[r*k+p], a[r*k+q]
					a[r*k+p] = c*arp - s*arq
					a[r*k+q] = s*arp + c*arq
				}
				for r := range k {
					apr, aqr := a[p*k+r], a[q*k+r]
					a[p*k+r] = c*apr - s*aqr
					a[q*k+r] = s*apr + c*aqr
				}
				for r := range k {
					vrp, vrq := vecs[r*k+p], vecs[r*k+q]
					vecs[r*k+p] = c*vrp - s*vrq
					vecs[r*k+q] = s*vrp + c*vrq
				}
			}
		}
	}
	for i := range k {
		vals[i] = a[i*k+i]
	}
	// Selection sort, descending, moving eigenvector columns along.
	for i := range k {
		m := i
		for j := i + 1; j < k; j++ {
			if vals[j] > vals[m] {
				m = j
			}
		}
		if m != i {
			vals[i], vals[m] = vals[m], vals[i]
			for r := range k {
				vecs[r*k+i], vecs[r*k+m] = vecs[r*k+m], vecs[r*k+i]
			}
		}
	}
}
