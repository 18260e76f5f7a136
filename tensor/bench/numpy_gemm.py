"""Times numpy float32 matmul (OpenBLAS sgemm) like `jmamba bench gemm --json`: per shape a warm-up of at
least a second that goes on until the timings stop improving, then the median wall time of the repeats and
the mean process CPU time per call (counting OpenBLAS's worker threads, spinning included). One JSON line
per shape.
Usage: numpy_gemm.py N REPEATS [--info]            square (N, N) @ (N, N)
       numpy_gemm.py --repeats R M,N,K[,TA,TB] ...  C (M, N) = op(A) (M, K) @ op(B) (K, N); TA = 1: A stored (K, M)
The thread count is OpenBLAS's (set OPENBLAS_NUM_THREADS)."""
import ctypes, glob, json, os, sys, time

import numpy as np


def blas_info():
    try:
        from threadpoolctl import threadpool_info
        return "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} threads={i.get('num_threads')}"
                         for i in threadpool_info())
    except ImportError:
        pass
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs", "*openblas*"))
    for lib in libs:  # the OpenBLAS that numpy already loaded; ask which kernel it picked
        handle = ctypes.CDLL(lib)
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename"):
            if hasattr(handle, name):
                fn = getattr(handle, name)
                fn.restype = ctypes.c_char_p
                return f"threadpoolctl not installed; OpenBLAS core {fn().decode()} ({os.path.basename(lib)})"
    return "threadpoolctl not installed; BLAS kernel unknown"


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2


def time_shape(m, n, k, ta, tb, repeats):
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
    A, B = (a.T if ta else a), (b.T if tb else b)
    c = np.empty((m, n), dtype=np.float32)
    end = time.perf_counter() + 1.0
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
    # CPU time over a batch of at least the repeats and 200 ms, all threads (OpenBLAS's spinning included)
    c0, batch_start, calls = time.process_time(), time.perf_counter(), 0
    while calls < repeats or time.perf_counter() - batch_start < 0.2:
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
        print(json.dumps(time_shape(m, n, k, ta, tb, repeats), separators=(",", ":")), flush=True)


main()
