# Regenerates the Matrix Market fixtures written by scipy.io.mmwrite, with
# the dense matrix scipy.io.mmread reads back from each one as CSV
# (numpy.savetxt, %.17g: exact). mmwrite prints 16 significant digits, so
# the file, not the original array, is the reference.
# Run with a Python that has numpy and scipy: python3 gen_scipy.py
import numpy as np
import scipy.io
import scipy.sparse as sp

rng = np.random.default_rng(20261130)

def save(name, m, dense, **kw):
    scipy.io.mmwrite(name + ".mtx", m, **kw)
    back = scipy.io.mmread(name + ".mtx")
    back = back.toarray() if sp.issparse(back) else np.asarray(back)
    assert back.shape == dense.shape and np.allclose(back, dense, rtol=1e-15, atol=0)
    np.savetxt(name + ".csv", back.astype(float), delimiter=",", fmt="%.17g")

a = sp.random(20, 7, density=0.3, random_state=1, format="coo")
a.data = rng.standard_normal(a.nnz) * 10.0 ** rng.integers(-5, 5, a.nnz)
save("scipy_coo_general", a, a.toarray())

c = a.tocsc()  # column-major entry order: not sorted by row
save("scipy_csc_general", c, c.toarray())

d = rng.standard_normal((6, 4))
save("scipy_array_general", d, d)

s = sp.random(8, 8, density=0.3, random_state=2)
s = (s + s.T).tocoo()
save("scipy_coo_symmetric", s, s.toarray(), symmetry="symmetric")

k = rng.standard_normal((5, 5))
k = k - k.T
save("scipy_array_skew", k, k, symmetry="skew-symmetric")

i = sp.random(9, 5, density=0.4, random_state=3, format="coo")
i.data = rng.integers(-50, 50, i.nnz).astype(np.int64)
save("scipy_coo_integer", i, i.toarray(), field="integer")

p = sp.random(6, 6, density=0.3, random_state=4, format="coo")
save("scipy_coo_pattern", p, (p.toarray() != 0).astype(float), field="pattern")
