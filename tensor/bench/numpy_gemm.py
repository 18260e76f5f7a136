"""Times numpy float32 matmul (OpenBLAS sgemm) like `jmamba bench gemm --json`: per shape a warm-up of at
least a second that goes on until the timings stop improving, then the median wall time of the repeats and
the mean process CPU time per call (counting OpenBLAS's worker threads, spinning included). One JSON line
per shape.
Usage: numpy_gemm.py N REPEATS [--info]            square (N, N) @ (N, N)
       numpy_gemm.py --repeats R M,N,K[,TA,TB] ...  C (M, N) = op(A) (M, K) @ op(B) (K, N); TA = 1: A stored (K, M)
Options anywhere: --warmup-ms MS (minimum warm-up per shape, default 1000), --cpu-ms MS (minimum length of the
CPU-time batch, default 200), --info (prints numpy's version and the BLAS it loaded, with OpenBLAS's kernel, to stderr).
The thread count is OpenBLAS's (set OPENBLAS_NUM_THREADS; OMP_NUM_THREADS for an OpenMP build).
numpy must use OpenBLAS for OPENBLAS_CORETYPE (the AVX2 emulation) to mean anything: --info says which BLAS it is."""
import ctypes, glob, json, os, re, sys, time

import numpy as np


def loaded_blas():
    """Paths of the BLAS libraries this process has mapped (numpy's, whichever wheel or system package it came from)."""
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "/" in line}
    except OSError:
        paths = set(glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "*openblas*")))
    return sorted(p for p in paths if re.search(r"openblas|mkl_rt|mkl_core|blis|flexiblas|libblas|libcblas", os.path.basename(p)))


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        return "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} threads={i.get('num_threads')}"
                         for i in threadpool_info())
    except ImportError:
        pass
    libs = loaded_blas()
    for lib in libs:  # the OpenBLAS that numpy already loaded; ask which kernel it picked
        if "openblas" not in os.path.basename(lib):
            continue
        handle = ctypes.CDLL(lib)
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename64_",
                     "openblas_get_corename"):
            if hasattr(handle, name):
                fn = getattr(handle, name)
                fn.restype = ctypes.c_char_p
                return f"threadpoolctl not installed; OpenBLAS core {fn().decode()} ({os.path.basename(lib)})"
    names = ", ".join(os.path.basename(p) for p in libs) or "none found in /proc/self/maps"
    return f"threadpoolctl not installed; BLAS kernel unknown (not OpenBLAS? loaded: {names})"


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def time_shape(m, n, k, ta, tb, repeats, warmup_s=1.0, cpu_s=0.2):
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
    A, B = (a.T if ta else a), (b.T if tb else b)
    c = np.empty((m, n), dtype=np.float32)
    end = time.perf_counter() + warmup_s
    warm = 0
    while warm < 3 or time.perf_counter() < end:
        np.matmul(A, B, out=c)
        warm += 1
    previous = float("inf")
    for _ in range(20):  # windows of >= 100 ms until a window's median is no longer 3% faster
        window_end = time.perf_counter() + 0.1
        ms = []
        for _ in range(max(5, repeats // 2)):
            t0 = time.perf_counter()
            np.matmul(A, B, out=c)
            ms.append((time.perf_counter() - t0) * 1e3)
        while time.perf_counter() < window_end:
            np.matmul(A, B, out=c)
        med = median(ms)
        if med > 0.97 * previous:
            break
        previous = med
    ms = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(A, B, out=c)
        ms.append((time.perf_counter() - t0) * 1e3)
    med = median(ms)
    # CPU time over a batch of at least the repeats and cpu_s, all threads (OpenBLAS's spinning included)
    c0, batch_start, calls = time.process_time(), time.perf_counter(), 0
    while calls < repeats or time.perf_counter() - batch_start < cpu_s:
        np.matmul(A, B, out=c)
        calls += 1
    cpu_med = (time.process_time() - c0) * 1e3 / calls
    flop = 2 * m * n * k
    return {"case": "gemm", "n": n, "m": m, "k": k, "ta": int(ta), "tb": int(tb), "device": "numpy",
            "threads": int(os.environ.get("OPENBLAS_NUM_THREADS", "0") or 0), "ms": round(med, 4),
            "gflops": round(flop / (med * 1e-3) / 1e9, 2), "cpu_ms": round(cpu_med, 4),
            "cpu_gflops": round(flop / (cpu_med * 1e-3) / 1e9, 2) if cpu_med > 0 else 0.0}


def main():
    args = sys.argv[1:]
    if "--info" in args:
        print(f"numpy {np.__version__}: {blas_info()}", file=sys.stderr)
        args.remove("--info")
    opts = {"--warmup-ms": 1000.0, "--cpu-ms": 200.0}
    for name in opts:
        while name in args:
            i = args.index(name)
            opts[name] = float(args[i + 1])
            del args[i:i + 2]
    if args and args[0] == "--repeats":
        repeats, specs = int(args[1]), args[2:]
        shapes = []
        for s in specs:
            v = [int(x) for x in s.split(",")]
            shapes.append((v[0], v[1], v[2], len(v) == 5 and v[3] == 1, len(v) == 5 and v[4] == 1))
    else:
        n, repeats = int(args[0]), int(args[1])
        shapes = [(n, n, n, False, False)]
    for m, n, k, ta, tb in shapes:
        print(json.dumps(time_shape(m, n, k, ta, tb, repeats, opts["--warmup-ms"] / 1e3, opts["--cpu-ms"] / 1e3),
                         separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
