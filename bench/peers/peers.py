#!/usr/bin/python3
"""The peers linstream is compared with (numpy, scikit-learn, OpenBLAS), the
judges that score every answer against an exact reference, and the report
that turns one run of bench/peers/run into bench/RESULTS.md.

Peer subcommands are each one whole process, timed from outside by
/usr/bin/time -v (start-up + load + compute + write), exactly like
linstream's tools. Judge subcommands are not timed; they print
"<file>\t<score>" lines. Run by bench/peers/run; not used by the Go tests.

    peers.py PEER ARGS...        topeig-numpy topeig-pca ipca gram-eigh rsvd svd principal
    peers.py kernels             OpenBLAS GFLOPS on the shapes of BenchmarkKernel (JSON)
    peers.py blasinfo            which BLAS library and kernel numpy uses (JSON)
    peers.py judge-... ARGS...   topeig fd lowrank principal
    peers.py report WORKDIR      RESULTS.md on standard output
"""
import json
import math
import os
import struct
import sys
import time

import numpy as np


def load(path):
    """A matrix from .npy (the only input format the peers are given)."""
    if path.endswith(".npy"):
        return np.load(path)
    raise SystemExit(f"peers.py: cannot load {path}: only .npy")


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dt = {"F64": np.float64, "F32": np.float32, "U8": np.uint8}
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype=dt[meta["dtype"]]).reshape(meta["shape"])
    return out


def save(path, a):
    np.save(path, np.ascontiguousarray(a))


def canon(v):
    i = int(np.argmax(np.abs(v)))
    return v if v[i] >= 0 else -v


# ---- peers (timed as whole processes) ----

def topeig_numpy(a_path, out):
    """Top eigenvector of AᵀA: the Gram matrix (dsyrk) and a full eigh."""
    a = load(a_path)
    w, v = np.linalg.eigh(a.T @ a)
    save(out, canon(v[:, -1]))


def topeig_pca(a_path, out):
    """scikit-learn PCA(n_components=1) with its defaults (it centres A)."""
    from sklearn.decomposition import PCA
    a = load(a_path)
    save(out, canon(PCA(n_components=1).fit(a).components_[0]))


def ipca(a_path, k, out):
    """IncrementalPCA(k, batch_size=1000); B = diag(σ) Vᵀ, so BᵀB is its covariance sketch."""
    from sklearn.decomposition import IncrementalPCA
    a = load(a_path)
    p = IncrementalPCA(n_components=int(k), batch_size=1000).fit(a)
    save(out, p.singular_values_[:, None] * p.components_)


def gram_eigh(a_path, ell, out):
    """numpy's exact route to a covariance sketch: G = AᵀA, eigh(G), B = Λ_ℓ^{1/2} V_ℓᵀ."""
    a = load(a_path)
    ell = int(ell)
    g = a.T @ a
    del a
    w, v = np.linalg.eigh(g)
    w, v = w[::-1][:ell], v[:, ::-1][:, :ell]
    save(out, np.sqrt(np.maximum(w, 0))[:, None] * v.T)


def rsvd(a_path, r, out):
    """scikit-learn randomized_svd with its defaults (random_state=0 is the default's value)."""
    from sklearn.utils.extmath import randomized_svd
    a = load(a_path)
    u, s, vt = randomized_svd(a, int(r), random_state=0)
    save(out + ".U.npy", u); save(out + ".S.npy", s); save(out + ".V.npy", vt.T)


def svd(a_path, r, out):
    """np.linalg.svd (thin, full spectrum), truncated to r."""
    a = load(a_path)
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    r = int(r)
    save(out + ".U.npy", u[:, :r]); save(out + ".S.npy", s[:r]); save(out + ".V.npy", vt[:r].T)


def principal_mask(w, rank, k):
    m, n = w.shape
    u, s, vt = np.linalg.svd(w, full_matrices=False)
    wr = (u[:, :rank] * s[:rank]) @ vt[:rank]
    kk = min((m + n) * k, m * n)
    flat = np.abs(wr).ravel()
    idx = np.argpartition(-flat, kk - 1)[:kk]
    mask = np.zeros(m * n, dtype=np.uint8)
    mask[idx] = 1
    return mask.reshape(m, n)


def principal(w_path, rank, k, out):
    """LIFT principal weights: SVD, W_r, the K = (m+n)k entries of largest |W_r|."""
    save(out, principal_mask(load(w_path), int(rank), int(k)))


def _openblas():
    import threadpoolctl
    for d in threadpoolctl.threadpool_info():
        if d.get("user_api") == "blas":
            return d
    return {}


def blasinfo():
    """The BLAS numpy runs on, after a computation (OpenBLAS picks its kernel at load)."""
    a = np.ones((64, 64)); a @ a
    d = _openblas()
    print(json.dumps({
        "internal_api": d.get("internal_api"), "version": d.get("version"),
        "architecture": d.get("architecture"), "num_threads": d.get("num_threads"),
        "filepath": d.get("filepath"),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
    }))


def kernels(seconds="1.0"):
    """GFLOPS of OpenBLAS (through scipy.linalg.blas, no copies: the row-major
    operands are handed over as their Fortran-order transposes) on the shapes
    of BenchmarkKernel, from wall time and from process CPU time."""
    from scipy.linalg import blas
    secs = float(seconds)
    rng = np.random.default_rng(1)
    rows = []

    def bench(name, shape, flops, fn):
        # best of 3 windows of secs each (the Go side is best of `go test -count 3`)
        fn()
        best = None
        for _ in range(3):
            reps, t0, c0 = 0, time.perf_counter(), time.process_time()
            while True:
                fn(); reps += 1
                dt = time.perf_counter() - t0
                if dt >= secs:
                    break
            cpu = time.process_time() - c0
            r = {"name": name, "shape": shape, "gflops": flops * reps / dt / 1e9,
                 "cpu_gflops": flops * reps / cpu / 1e9 if cpu > 0 else None}
            if best is None or r["gflops"] > best["gflops"]:
                best = r
        rows.append(best)

    # GramUpdate 64×512: C(512×512, upper) += AᵀA for a row-major 64×512 block A.
    # a.T is the Fortran 512×64 array Aᵀ, so dsyrk(trans=0) forms (Aᵀ)(Aᵀ)ᵀ = AᵀA.
    bk, d = 64, 512
    a = rng.standard_normal((bk, d))
    c = np.asfortranarray(rng.standard_normal((d, d)))
    at = a.T
    assert at.flags.f_contiguous
    bench("GramUpdate", f"{bk}x{d}", float(bk) * d * (d + 1),
          lambda: blas.dsyrk(1e-9, at, beta=1.0, c=c, trans=0, lower=0, overwrite_c=1))
    # GemmNT 256x64x512: C(256×64) = X Pᵀ, X 256×512 and P 64×512 row-major.
    # Row-major C is Fortran Cᵀ (64×256) = P Xᵀ = (Pᵀ)ᵀ(Xᵀ): dgemm(trans_a=1) on the Fortran views.
    m, p, k = 256, 64, 512
    x = rng.standard_normal((m, k)); pan = rng.standard_normal((p, k))
    out = np.zeros((m, p))
    ct = out.T
    assert ct.flags.f_contiguous
    bench("GemmNT", f"{m}x{p}x{k}", 2.0 * m * p * k,
          lambda: blas.dgemm(1.0, pan.T, x.T, beta=0.0, c=ct, trans_a=1, overwrite_c=1))
    # The same products through numpy's operators (what most users write).
    bench("GramUpdate(numpy a.T@a)", f"{bk}x{d}", float(bk) * d * (d + 1), lambda: a.T @ a)
    bench("GemmNT(numpy x@p.T)", f"{m}x{p}x{k}", 2.0 * m * p * k,
          lambda: np.matmul(x, pan.T, out=out))
    info = _openblas()
    print(json.dumps({"architecture": info.get("architecture"), "num_threads": info.get("num_threads"),
                      "version": info.get("version"), "rows": rows}))


# ---- judges (not timed) ----

def _emit(path, score):
    print(f"{path}\t{score:.6g}" if score is not None else f"{path}\tNA")


def _exists(p):
    return os.path.exists(p) and os.path.getsize(p) > 0


def judge_topeig(a_path, *cands):
    """⟨v, v₁⟩² with v₁ the top eigenvector of AᵀA (numpy eigh), v normalised."""
    a = load(a_path)
    w, v = np.linalg.eigh(a.T @ a)
    v1 = v[:, -1]
    print(f"#gap\tλ₁/λ₂ of AᵀA = {w[-1] / w[-2]:.4g}")
    for c in cands:
        if not _exists(c):
            _emit(c, None); continue
        est = np.load(c).ravel().astype(np.float64)
        est = est / np.linalg.norm(est)
        _emit(c, float(np.dot(est, v1) ** 2))


def _gram_and_tail(a_path, k):
    a = load(a_path)
    g = a.T @ a
    fro2 = float(np.einsum("ij,ij->", a, a))
    del a
    d = g.shape[0]
    if d <= 2048:
        top = np.linalg.eigvalsh(g)[::-1][:k + 1]
    else:
        from scipy.sparse.linalg import eigsh
        top = np.sort(eigsh(g, k=k + 1, which="LA", tol=1e-10, return_eigenvectors=False))[::-1]
    return g, fro2 - float(np.sum(top[:k])), top


def _spec2(g, b):
    """‖G − BᵀB‖₂ (G symmetric d×d, B ℓ×d)."""
    d = g.shape[0]
    if d <= 2048:
        return float(np.max(np.abs(np.linalg.eigvalsh(g - b.T @ b))))
    from scipy.sparse.linalg import LinearOperator, eigsh
    op = LinearOperator((d, d), matvec=lambda x: g @ x - b.T @ (b @ x), dtype=np.float64)
    return float(np.max(np.abs(eigsh(op, k=1, which="LM", tol=1e-8, return_eigenvectors=False))))


def judge_fd(a_path, k, *cands):
    """‖AᵀA − BᵀB‖₂ / ‖A − A_k‖²_F for each sketch B (.npy)."""
    k = int(k)
    g, tail, top = _gram_and_tail(a_path, k)
    print(f"#tail\t‖A − A_{k}‖²_F = {tail:.6g}; an exact rank-{k} answer scores σ²_{k + 1}/‖A − A_{k}‖²_F = {top[k] / tail:.4g}")
    for c in cands:
        if not _exists(c):
            _emit(c, None); continue
        b = np.load(c).astype(np.float64)
        _emit(c, _spec2(g, b) / tail)


def factors(prefix):
    if prefix.endswith(".safetensors"):
        t = load_safetensors(prefix)
        return t.get("U"), t["S"].ravel(), t["V"]
    return np.load(prefix + ".U.npy"), np.load(prefix + ".S.npy").ravel(), np.load(prefix + ".V.npy")


def judge_lowrank(a_path, r, *cands):
    """‖A − U_r Σ_r V_rᵀ‖_F over the optimum ‖A − A_r‖_F (singular values by eigvalsh of AᵀA)."""
    a = load(a_path)
    r = int(r)
    g = a.T @ a
    ev = np.linalg.eigvalsh(g)[::-1]
    fro2 = float(np.einsum("ij,ij->", a, a))
    opt = math.sqrt(max(fro2 - float(np.sum(ev[:r])), 0.0))
    print(f"#opt\t‖A − A_{r}‖_F = {opt:.6g}")
    for c in cands:
        if not (_exists(c) or _exists(c + ".V.npy")):
            _emit(c, None); continue
        u, s, v = factors(c)
        s = s[:r]; v = v[:, :r]
        err2 = 0.0
        for i in range(0, a.shape[0], 8192):
            blk = a[i:i + 8192]
            approx = (u[i:i + 8192, :r] * s) @ v.T if u is not None else (blk @ v) @ v.T
            err2 += float(np.sum((blk - approx) ** 2))
        _emit(c, math.sqrt(err2) / opt)


def judge_principal(w_path, rank, k, *cands):
    """|mask ∧ reference| / K, the reference computed here exactly (SVD + argpartition)."""
    ref = principal_mask(load(w_path), int(rank), int(k)).astype(bool)
    kk = int(ref.sum())
    for c in cands:
        if not _exists(c):
            _emit(c, None); continue
        m = np.load(c).astype(bool)
        if m.shape != ref.shape:
            _emit(c, None); continue
        _emit(c, float((m & ref).sum()) / kk)


# ---- run bookkeeping ----

def meta(work, *kv):
    """Set keys of WORK/meta.json: key=value (value parsed as JSON when it is JSON)."""
    path = os.path.join(work, "meta.json")
    m = json.load(open(path)) if os.path.exists(path) else {}
    for item in kv:
        k, v = item.split("=", 1)
        try:
            m[k] = json.loads(v)
        except ValueError:
            m[k] = v
    with open(path + ".tmp", "w") as f:
        json.dump(m, f, indent=1)
    os.replace(path + ".tmp", path)


def machine(work, go_version):
    """Record the machine and the Python side's versions in meta.json."""
    import platform
    import scipy
    import sklearn
    import threadpoolctl
    cpu, fam, model, flags = "?", "?", "?", set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            k, _, v = line.partition(":")
            k, v = k.strip(), v.strip()
            if k == "model name" and cpu == "?":
                cpu = v
            elif k == "cpu family" and fam == "?":
                fam = v
            elif k == "model" and model == "?":
                model = v
            elif k == "flags" and not flags:
                flags = set(v.split())
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1048576:.1f} GiB"
    fl = [x for x in ("avx2", "fma", "avx512f", "avx512_bf16") if x in flags]
    meta(work, f"nproc={os.cpu_count()}", f"cpu={cpu}", f"cpu_family={fam}", f"cpu_model={model}",
         "cpu_flags=" + (", ".join(fl) if fl else "no AVX2"), f"mem={mem}", f"go={go_version}",
         f"python={platform.python_version()}", f"numpy={np.__version__}", f"scipy={scipy.__version__}",
         f"sklearn={sklearn.__version__}", f"threadpoolctl={threadpoolctl.__version__}")


def kernels_collect(work, gobench, *pyfiles):
    """kernels.json from `go test -bench` output and the `kernels` JSON of each BLAS setting/threads."""
    import re
    rows, err = [], None
    cmdline = open(gobench + ".cmd").read().strip() if os.path.exists(gobench + ".cmd") else "go test ./bench"
    text = open(gobench).read() if os.path.exists(gobench) else ""
    pat = re.compile(r"^BenchmarkKernel/(\w+)/(\S+)/impl=(\S+?)(?:-(\d+))?\s+\d+\s+(.*)$")
    for line in text.splitlines():
        mt = pat.match(line)
        if not mt:
            continue
        name, shape, impl, procs, rest = mt.groups()
        vals = dict((u, float(v)) for v, u in re.findall(r"([\d.e+-]+) (\S+)", rest))
        row = {"kernel": name, "shape": shape, "impl": impl + " (Go)",
               "threads": f"1 (GOMAXPROCS={procs or 1})",
               "gflops": vals.get("GFLOPS"), "cpu_gflops": vals.get("cpuGFLOPS")}
        same = [r for r in rows if all(r[k] == row[k] for k in ("kernel", "shape", "impl", "threads"))]
        if same:  # -count N: keep the best
            if (row["gflops"] or 0) > (same[0]["gflops"] or 0):
                same[0].update(row)
            continue
        rows.append(row)
    if not rows:
        err = "no BenchmarkKernel lines; see " + gobench
    for pf in pyfiles:
        try:
            k = json.load(open(pf))
        except (OSError, ValueError) as e:
            err = (err + "; " if err else "") + f"{pf}: {e}"
            continue
        setting = os.path.basename(pf).rsplit(".", 1)[0].split("__")
        for r in k["rows"]:
            base = r["name"].split("(")[0]
            via = "numpy operator" if "numpy" in r["name"] else "scipy.linalg.blas"
            rows.append({"kernel": r["name"], "shape": r["shape"],
                         "impl": f"OpenBLAS {k.get('version')} {k.get('architecture')} ({via}; {setting[0]})",
                         "threads": str(k.get("num_threads")), "gflops": r["gflops"],
                         "cpu_gflops": r.get("cpu_gflops"), "base": base})
    rows.sort(key=lambda r: (r["kernel"].split("(")[0], "(" in r["kernel"]))
    with open(os.path.join(work, "kernels.json"), "w") as f:
        json.dump({"go_command": cmdline, "rows": rows, "error": err}, f, indent=1)


def _tasks(m):
    s = m.get("sizes", {})
    return {
        "topeig": {
            "title": f"Top eigenvector of AᵀA, {s.get('n1')}×512",
            "about": [
                f"A = `matgen spiked -rows {s.get('n1')} -cols 512 -ratio 4 -seed 7` (rows i.i.d. N(0, Σ), "
                "λ₁/λ₂ of Σ = 4, so the top eigenvector is well separated). The rows are *not* shuffled: "
                "they are i.i.d., so every order is equally likely and RandomOrder's precondition holds as generated.",
                "linstream: `topeig -method randorder` and `topeig -method oja` (one pass each, streaming the file). "
                "Peers: numpy `np.linalg.eigh(A.T @ A)` (top column) and scikit-learn `PCA(n_components=1)` "
                "with its defaults (svd_solver='auto' picks the randomized solver here; PCA centres A, "
                "whose column means are ≈ 0 for this data).",
                "Accuracy: ⟨v, v₁⟩² with v₁ the top eigenvector of AᵀA from numpy eigh (1 is exact; higher is better).",
            ],
            "accuracy": "⟨v,v₁⟩² (↑)", "peers": ["numpy eigh(A.T@A)", "sklearn PCA(1)"], "notes": ["gap"],
        },
        "fd": {
            "title": f"Covariance sketch, {s.get('n1')}×512: Frequent Directions vs IncrementalPCA",
            "about": [
                f"A = `matgen lowrank -rows {s.get('n1')} -cols 512 -rank 50 -noise 1 -seed 11` (singular values "
                "50, 49, …, 1 on random directions plus a noise floor ≈ 1).",
                "linstream: `fdsketch -ell 64 -export B.npy A.npy` (ℓ = 64; B is the whole current sketch, up to 2ℓ rows). "
                "Peer: scikit-learn `IncrementalPCA(n_components=20, batch_size=1000)`, B = diag(singular_values_) · components_ "
                "(it centres A; column means ≈ 0 here).",
                "Accuracy: ‖AᵀA − BᵀB‖₂ / ‖A − A_k‖²_F with k = 20 (lower is better; FD guarantees ≤ 1/(ℓ−k) = 0.0227, "
                "a rank-20 answer cannot beat σ₂₁²/‖A − A₂₀‖²_F).",
            ],
            "accuracy": "‖AᵀA−BᵀB‖₂/‖A−A₂₀‖²_F (↓)", "peers": ["sklearn IncrementalPCA(20)"], "notes": ["tail"],
        },
        "lowrank": {
            "title": f"Rank-20 truncation, {s.get('n1')}×512",
            "about": [
                "Same A as the covariance sketch (rank-50 signal, singular values 50…1, plus noise): "
                "σ₂₀/σ₂₁ ≈ 31/30, a small gap, so iterative methods must work for it.",
                "linstream: `lowrank -rank 20 -method randomized -o f.safetensors A.npy` (adaptive power steps) and "
                "`-method gram` (one pass to AᵀA, then block Krylov on it; U by a second pass). "
                "Peers: scikit-learn `randomized_svd(A, 20)` with its defaults (10 oversamples, n_iter='auto' = 7, "
                "LU normaliser; random_state=0 is the default's value) and `np.linalg.svd(A, full_matrices=False)` truncated.",
                "Accuracy: ‖A − U_r Σ_r V_rᵀ‖_F / ‖A − A_r‖_F (1 is optimal; lower is better).",
            ],
            "accuracy": "‖A−UΣVᵀ‖_F / optimum (↓)", "peers": ["sklearn randomized_svd", "numpy svd"], "notes": ["opt"],
        },
        "principal": {
            "title": f"Principal weights (LIFT), {s.get('pm')}×{s.get('pm')}, rank 64, k = 128",
            "about": [
                f"W = `matgen lowrank -rows {s.get('pm')} -cols {s.get('pm')} -rank 128 -noise 5 -seed 17` "
                "(singular values 128…1 plus noise): rank 64 cuts a smooth spectrum, as in real weight matrices.",
                "linstream: `principal -rank 64 -lora-rank 128 -o mask.npy W.npy` (method auto). "
                "Peer: numpy `np.linalg.svd(W)`, W₆₄ = U₆₄Σ₆₄V₆₄ᵀ, `np.argpartition` for the K = (m+n)·128 largest |W₆₄|.",
                "Accuracy: |mask ∩ reference| / K, the reference mask recomputed exactly by the judge (1 is exact).",
            ],
            "accuracy": "mask overlap (↑)", "peers": ["numpy svd+argpartition"],
        },
        "fdwide": {
            "title": f"Frequent Directions on a wide matrix, {s.get('wr')}×{s.get('wc')}, vs numpy Gram + eigh",
            "about": [
                f"A = `matgen lowrank -rows {s.get('wr')} -cols {s.get('wc')} -rank 50 -noise 1 -seed 13`.",
                "linstream: `fdsketch -ell 64 -export B.npy A.npy` (state O(ℓd)). "
                "Peer: numpy `G = A.T @ A; np.linalg.eigh(G)`, B = Λ₆₄^{1/2} V₆₄ᵀ (exact top-64; the Gram alone is d² floats). "
                "Issue 4's target: ≥ 10× faster than this peer, memory O(ℓd).",
                "Accuracy: ‖AᵀA − BᵀB‖₂ / ‖A − A₂₀‖²_F (lower is better; the exact top-64 gives σ₆₅²/‖A − A₂₀‖²_F).",
            ],
            "accuracy": "‖AᵀA−BᵀB‖₂/‖A−A₂₀‖²_F (↓)", "peers": ["numpy Gram+eigh"], "notes": ["tail"],
        },
    }


# ---- report ----

def _read_tsv(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                rows.append(line.split("\t"))
    return rows


def _parse_time(path):
    """Wall seconds, user+sys seconds and peak RSS (MB) from /usr/bin/time -v."""
    out = {"wall": None, "cpu": None, "rss": None}
    if not os.path.exists(path):
        return out
    user = sys_ = 0.0
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("User time"):
                user = float(line.split(":")[-1])
            elif line.startswith("System time"):
                sys_ = float(line.split(":")[-1])
            elif line.startswith("Elapsed (wall clock)"):
                t = line.split("): ")[-1].split(":")
                s = 0.0
                for part in t:
                    s = s * 60 + float(part)
                out["wall"] = s
            elif line.startswith("Maximum resident set size"):
                out["rss"] = float(line.split(":")[-1]) / 1024.0
    out["cpu"] = user + sys_
    return out


def _f(x, nd=2):
    if x is None:
        return "—"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.{nd}f}"


def _acc(x):
    if x is None or x == "NA":
        return "—"
    x = float(x)
    return f"{x:.6f}" if x < 10 else f"{x:.4g}"


def _ratio(peer, ours):
    if not peer or not ours:
        return None
    return peer / ours


def _speed_cell(r):
    """peer time ÷ linstream time, in words."""
    if r is None:
        return "—"
    if abs(r - 1) < 0.05:
        return f"{r:.2f}× (≈ even)"
    if r > 1:
        return f"**{r:.2f}×** faster"
    return f"{r:.2f}× — **slower** ({1 / r:.2f}× the time)"


def _mem_cell(r):
    """peer RSS ÷ linstream RSS, in words."""
    if r is None:
        return "—"
    if round(r, 1) == 1.0:
        return "even"
    if r > 1:
        return f"{r:.1f}× less"
    return f"{1 / r:.1f}× **more**"


def _compare(runs, task, cores, peer, asfound=None):
    """The fastest ok run of peer at this core count, and its run in the BLAS setting asfound."""
    prs = [(r, _parse_time(r[6])) for r in runs if r[0] == task and r[1] == cores and r[3] == peer and r[5] == "ok"]
    prs = [x for x in prs if x[1]["wall"]]
    if not prs:
        return None, None
    best = min(prs, key=lambda x: x[1]["wall"])
    found = next((x for x in prs if x[0][4] == asfound), None)
    return best, found


# Issue targets, checked at SCALE = 1 on one core: (task, linstream impl, peer or None, test, words).
TARGETS = [
    ("topeig", "topeig -method randorder", "numpy eigh(A.T@A)", lambda t, p: p / t >= 10,
     "issue 5: RandomOrder ≥ 10× faster than numpy eigh(A.T@A)"),
    ("topeig", "topeig -method oja", "numpy eigh(A.T@A)", lambda t, p: p / t >= 10,
     "issue 5: Oja ≥ 10× faster than numpy eigh(A.T@A)"),
    ("fd", "fdsketch -ell 64", "sklearn IncrementalPCA(20)", lambda t, p: t <= 3 and p / t >= 3.5,
     "issue 4: FD ℓ = 64 at most 3 s and ≥ 3.5× faster than IncrementalPCA"),
    ("fdwide", "fdsketch -ell 64", "numpy Gram+eigh", lambda t, p: p / t >= 10,
     "issue 4: FD on 20000×8192 ≥ 10× faster than numpy Gram + eigh"),
    ("lowrank", "lowrank -method randomized", "sklearn randomized_svd", lambda t, p: t <= p,
     "issue 6: randomized rank-20 no slower than randomized_svd (at equal or better error: see the accuracy column)"),
    ("lowrank", "lowrank -method gram", "sklearn randomized_svd", lambda t, p: p / t >= 3,
     "issue 6: Gram route ≥ 3× faster than randomized_svd"),
    ("principal", "principal -rank 64 -lora-rank 128", None, lambda t, p: t < 2,
     "issue 6: principal weights 4096×4096 under 2 s"),
]


def report(work):
    meta = json.load(open(os.path.join(work, "meta.json")))
    runs = _read_tsv(os.path.join(work, "runs.tsv"))
    scores, notes = {}, {}
    sp = os.path.join(work, "scores.tsv")
    if os.path.exists(sp):
        for line in open(sp):
            line = line.rstrip("\n")
            if line.startswith("#"):
                k, v = line[1:].split("\t", 1)
                notes.setdefault(k, []).append(v)
            elif "\t" in line:
                k, v = line.split("\t", 1)
                scores[k] = v
    table = _tasks(meta)
    tasks = []
    for tid in meta.get("tasks", []):
        if tid in table:
            t = dict(table[tid]); t["id"] = tid
            t["notes"] = [f"{tid}:{n}" for n in t.get("notes", [])]
            tasks.append(t)
    cores_list = meta["cores"]
    asfound = meta["blas_settings"][0]["name"]
    P = print

    P("# linstream against numpy, scikit-learn, OpenBLAS and gonum")
    P()
    P("Written by `bench/peers/run`. Every figure below comes from this one command, run from the")
    P("repository root on the commit named below:")
    P()
    P("```")
    P(meta["command"])
    P("```")
    P()
    if meta.get("partial"):
        P(f"**{meta['partial']}**")
        P()
    P(f"- commit `{meta['commit']}`" + (" (tools built from a snapshot of that commit: uncommitted work in the tree is not measured)"
                                        if meta.get("snapshot") else " (tools built from the working tree)"))
    P(f"- SCALE = {meta['scale']}; started {meta['start']}, finished {meta.get('end', '(not finished: partial results)')}")
    P(f"- machine: {meta['nproc']} cores, {meta['cpu']} (family {meta['cpu_family']}, model {meta['cpu_model']}; "
      f"{meta['cpu_flags']}), {meta['mem']} RAM")
    P(f"- load average at start {meta['load_start']}, at the last update {meta.get('load_end', '?')}: the machine is "
      "shared, so wall times are noisy; CPU time (user+sys) is the steadier measure and is reported beside them")
    P(f"- {meta['go']}; Python {meta['python']}, numpy {meta['numpy']}, scipy {meta['scipy']}, "
      f"scikit-learn {meta['sklearn']}, threadpoolctl {meta['threadpoolctl']}")
    P(f"- BLAS under numpy and scipy: {meta['blas_lib']}; the kernel OpenBLAS used, as threadpoolctl reports "
      "it after a computation, in each setting the peers ran in:")
    for st in meta["blas_settings"]:
        P(f"  - **{st['name']}** — environment `{st['env'] or '(as found)'}` → architecture `{st['arch']}`")
    if meta.get("blas_note"):
        P(f"- {meta['blas_note']}")
    P("- Each measurement is one whole process under `/usr/bin/time -v` (start-up, reading the .npy file, "
      "computing, writing the answer): wall time, CPU time and peak resident set size. A process that took "
      f"less than {meta.get('repeat_under', 10)} s was run up to 3 times and its fastest run is shown (same rule for "
      "both sides). Accuracy is scored afterwards, untimed, by `bench/peers/peers.py judge-*` against an exact "
      "numpy reference.")
    P("- **1 core**: linstream with `GOMAXPROCS=1`, peers with `OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1`. "
      f"**{meta['nproc']} cores**: `GOMAXPROCS` unset, peers with {meta['nproc']} BLAS threads.")
    P("- Ratios: *speed* = peer time ÷ linstream time (> 1: linstream is faster; within 5 % is called even), by wall time and by CPU time; "
      "*memory* = peer peak RSS ÷ linstream peak RSS. Each linstream run is set against the peer's fastest run "
      "at the same core count over the BLAS settings (the strongest peer); the per-task tables also give the "
      f"ratio against the setting as found ({asfound}). A weaker setting is run only when the strongest took at most "
      f"{meta.get('asfound_under', 60)} s (it can only make the peer slower; the kernels table compares the settings at every scale).")
    P()

    head = []
    for t in tasks:
        for o_impl in dict.fromkeys(r[3] for r in runs if r[0] == t["id"] and r[2] == "linstream"):
            for peer in t["peers"]:
                cells = []
                for cores in cores_list:
                    o = [r for r in runs if r[0] == t["id"] and r[1] == cores and r[3] == o_impl]
                    best, _ = _compare(runs, t["id"], cores, peer)
                    if not o or o[0][5] != "ok" or best is None:
                        cells.append(("—", "—", None, None)); continue
                    to = _parse_time(o[0][6])
                    cells.append((_speed_cell(_ratio(best[1]["wall"], to["wall"])),
                                  _mem_cell(_ratio(best[1]["rss"], to["rss"])), scores.get(o[0][7]), scores.get(best[0][7])))
                acc = next(((c[2], c[3]) for c in cells if c[2] is not None), (None, None))
                head.append((t, o_impl, peer, cells, acc))
    if head:
        P("## Headline ratios")
        P()
        P("| task | linstream | peer | " + " | ".join(f"speed, {c} core{'s' if c != '1' else ''}" for c in cores_list)
          + " | memory, 1 core | accuracy linstream / peer |")
        P("|---|---|---|" + "---|" * len(cores_list) + "---|---|")
        for t, o_impl, peer, cells, acc in head:
            P(f"| {t['title']} | `{o_impl}` | {peer} | " + " | ".join(c[0] for c in cells)
              + f" | {cells[0][1]} | {_acc(acc[0])} / {_acc(acc[1])} ({t['accuracy']}) |")
        P()

    kfile = os.path.join(work, "kernels.json")
    if os.path.exists(kfile):
        kr = json.load(open(kfile))["rows"]
        lines = []
        for name in ("GramUpdate", "GemmNT"):
            def pick(pred):
                c = [r for r in kr if r["kernel"] == name and pred(r) and r.get("gflops")]
                return max(c, key=lambda r: r["gflops"]) if c else None
            ours = pick(lambda r: r["impl"] == "linstream (Go)" and "GOMAXPROCS=1" in r["threads"])
            gon = pick(lambda r: r["impl"] == "gonum (Go)" and "GOMAXPROCS=1" in r["threads"])
            ob = pick(lambda r: r["impl"].startswith("OpenBLAS") and r["threads"] == "1")
            if ours and ob:
                lines.append(f"- **{name} {ours['shape']}**, one thread: linstream {ours['gflops']:.1f} GFLOPS "
                             f"({ours.get('cpu_gflops') or 0:.1f} per CPU-second), OpenBLAS {ob['impl'].split(' (')[0].replace('OpenBLAS ', '')} "
                             f"{ob['gflops']:.1f} ({ob.get('cpu_gflops') or 0:.1f}): **{ours['gflops'] / ob['gflops']:.2f}×** OpenBLAS"
                             + (f" (**{ours['cpu_gflops'] / ob['cpu_gflops']:.2f}×** per CPU-second)" if ours.get("cpu_gflops") and ob.get("cpu_gflops") else "")
                             + (f"; gonum {gon['gflops']:.1f} ({gon.get('cpu_gflops') or 0:.1f}): **{ours['gflops'] / gon['gflops']:.1f}×** gonum"
                                + (f" ({ours['cpu_gflops'] / gon['cpu_gflops']:.1f}× per CPU-second)" if ours.get("cpu_gflops") and gon.get("cpu_gflops") else "")
                                if gon else "") + ".")
        if lines:
            lines.append("- The machine was shared: where GFLOPS (wall) and the per-CPU-second figure differ, the process was "
                         "descheduled during the loop, and the per-CPU-second ratio is the one to trust.")
        if lines:
            P("Kernels (details in the last section):")
            P()
            for line in lines:
                P(line)
            P()

    if str(meta.get("scale")) in ("1", "1.0"):
        rows = []
        for task, impl, peer, test, words in TARGETS:
            o = [r for r in runs if r[0] == task and r[1] == "1" and r[3] == impl and r[5] == "ok"]
            if not o:
                continue
            to = _parse_time(o[0][6])
            tp = None
            if peer:
                best, _ = _compare(runs, task, "1", peer)
                if best is None:
                    continue
                tp = best[1]["wall"]
            ok = test(to["wall"], tp)
            fig = f"{to['wall']:.2f} s" + (f", peer {tp:.2f} s, {tp / to['wall']:.2f}×" if tp else "")
            rows.append(f"| {words} | {fig} | {'met' if ok else '**not met**'} |")
        o = [r for r in runs if r[0] == "fdwide" and r[1] == "1" and r[2] == "linstream" and r[5] == "ok"]
        if o:
            rss = _parse_time(o[0][6])["rss"]
            d = meta["sizes"]["wc"]
            state = 2 * 64 * d * 8 / 1e6
            gram = d * d * 8 / 1e6
            if rss:
                rows.append(f"| issue 4: FD on 20000×8192 in O(ℓd) resident memory (the 2ℓ×d buffer is {state:.1f} MB, "
                            f"a d×d Gram {gram:.0f} MB; checked here as: peak RSS below 10 % of the Gram) | "
                            f"peak RSS {rss:.1f} MB (whole process) | "
                            f"{'met' if rss < gram / 10 else '**not met**'} |")
        if rows:
            P("## Issue targets (one core, wall time, against the strongest peer)")
            P()
            P("The issues state these targets for in-memory benchmarks; here each side is a whole process that "
              "also starts up and reads its .npy file, which is the comparison a user makes.")
            P()
            P("| target | measured | verdict |")
            P("|---|---|---|")
            for r in rows:
                P(r)
            P()

    for t in tasks:
        P(f"## {t['title']}")
        P()
        for line in t.get("about", []):
            P(f"- {line}")
        for key in t.get("notes", []):
            for v in notes.get(key, []):
                P(f"- Reference: {v}.")
        P()
        trs = [r for r in runs if r[0] == t["id"]]
        if not trs:
            P("*Not run (see the note at the top).*")
            P()
            continue
        for cores in cores_list:
            rs = [r for r in trs if r[1] == cores]
            if not rs:
                continue
            P(f"### {cores} core{'s' if cores != '1' else ''}")
            P()
            P(f"| side | implementation | BLAS | wall s | CPU s | peak RSS MB | {t['accuracy']} |")
            P("|---|---|---|---|---|---|---|")
            for r in rs:
                tm = _parse_time(r[6])
                status = "" if r[5] == "ok" else f" (**{r[5]}**)"
                P(f"| {r[2]} | `{r[3]}`{status} | {r[4] or '—'} | {_f(tm['wall'])} | {_f(tm['cpu'])} | {_f(tm['rss'], 1)} | "
                  f"{_acc(scores.get(r[7]))} |")
            P()
            ours = [r for r in rs if r[2] == "linstream"]
            if ours and t["peers"]:
                P("| linstream | peer | speed (wall) | speed (CPU) | memory | speed vs the peer as found |")
                P("|---|---|---|---|---|---|")
                for o in ours:
                    to = _parse_time(o[6])
                    for peer in t["peers"]:
                        best, found = _compare(runs, t["id"], cores, peer, asfound)
                        if best is None or o[5] != "ok":
                            P(f"| `{o[3]}` | {peer} | — | — | — | — |"); continue
                        fcell = ("—" if found is None else "(the same run)" if found is best
                                 else _speed_cell(_ratio(found[1]["wall"], to["wall"])))
                        P(f"| `{o[3]}` | {peer} [{best[0][4]}] | {_speed_cell(_ratio(best[1]['wall'], to['wall']))} | "
                          f"{_speed_cell(_ratio(best[1]['cpu'], to['cpu']))} | {_mem_cell(_ratio(best[1]['rss'], to['rss']))} | {fcell} |")
                P()

    kfile = os.path.join(work, "kernels.json")
    if os.path.exists(kfile):
        k = json.load(open(kfile))
        P("## Kernels: GramUpdate and GemmNT")
        P()
        P("linstream's `internal/kernel` and gonum v0.17.0 from `" + k["go_command"] + "` "
          "(GFLOPS from wall time; cpuGFLOPS from the process's CPU time over the same loop, the steadier "
          "figure on a shared machine); OpenBLAS through `scipy.linalg.blas` (`dsyrk`, `dgemm`, handed the "
          "row-major operands as their Fortran transposes so nothing is copied) and through numpy's "
          "operators, from `peers.py kernels`, same shapes, same loop idea. "
          "GramUpdate 64x512: C(512×512, upper) += AᵀA for a 64×512 block, 64·512·513 flops; "
          "GemmNT 256x64x512: C(256×64) = X Pᵀ with X 256×512 and P 64×512. "
          "Go kernels are single-threaded whatever GOMAXPROCS is (gonum's Dgemm may start goroutines). "
          "Each figure is the best of 3 (`-count 3` for Go, 3 windows of 0.5 s for OpenBLAS).")
        P()
        P("| kernel | implementation | threads | GFLOPS | cpuGFLOPS | ÷ OpenBLAS 1 thread (fastest setting): GFLOPS | cpuGFLOPS |")
        P("|---|---|---|---|---|---|---|")
        krows = k["rows"]
        for name in ("GramUpdate", "GemmNT"):
            ob = [r for r in krows if r["kernel"] == name and r["impl"].startswith("OpenBLAS") and r["threads"] == "1"
                  and "numpy" not in r["impl"]]
            ref = max(ob, key=lambda r: r["gflops"] or 0, default=None)

            def kcell(x, y):
                if not x or not y:
                    return "—"
                q = x / y
                return f"{q:.2f}×" + (" (≈ even)" if abs(q - 1) < 0.05 else (" (**slower**)" if q < 1 else " (faster)"))
            for r in [r for r in krows if r["kernel"] == name or r["kernel"].startswith(name + "(")]:
                P(f"| {r['kernel']} {r['shape']} | {r['impl']} | {r['threads']} | {_f(r['gflops'], 1)} | "
                  f"{_f(r.get('cpu_gflops'), 1)} | {kcell(r['gflops'], ref and ref['gflops'])} | "
                  f"{kcell(r.get('cpu_gflops'), ref and ref.get('cpu_gflops'))} |")
            P()
        if k.get("error"):
            P(f"*Go kernel benchmark failed: {k['error']}*")
            P()

    P("## Files")
    P()
    P("`bench/peers/run` (the driver: builds the tools, generates the inputs with `matgen`, runs and times every "
      "process, calls the judges, writes this file) and `bench/peers/peers.py` (the peers, judges and this report). "
      "The raw `/usr/bin/time -v` outputs, tool logs and answers stay in the work directory the run prints "
      "(`KEEP=1` keeps it).")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    fn = globals().get(cmd.replace("-", "_"))
    if fn is None or cmd.startswith("_"):
        raise SystemExit(f"peers.py: unknown command {cmd}\n{__doc__}")
    fn(*args)
