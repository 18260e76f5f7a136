"""Times numpy float32 (n, n) @ (n, n) (OpenBLAS sgemm): warm-up, then the median of the repeats.
Prints one JSON line like `jmamba bench gemm --json`. Usage: numpy_gemm.py N REPEATS [--info]"""
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


def main():
    n, repeats = int(sys.argv[1]), int(sys.argv[2])
    if "--info" in sys.argv:
        print(f"numpy {np.__version__}: {blas_info()}", file=sys.stderr)
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    c = np.empty((n, n), dtype=np.float32)
    end = time.perf_counter() + 1.0
    warm = 0
    while warm < 3 or time.perf_counter() < end:
        np.matmul(a, b, out=c)
        warm += 1
    ms = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    med = ms[len(ms) // 2] if len(ms) % 2 else (ms[len(ms) // 2 - 1] + ms[len(ms) // 2]) / 2
    print(json.dumps({"case": "gemm", "n": n, "device": "numpy", "ms": round(med, 4),
                      "gflops": round(2 * n ** 3 / (med * 1e-3) / 1e9, 2)}, separators=(",", ":")))


main()
