// Row reductions of the CUDA backend (ReduceKernels.java). The Java side moves the reduced axes
// last and makes the input contiguous, so every kernel sees (outer, inner) rows: one block per
// row (blockDim a multiple of 32), or one thread per row for short rows. Accumulation is in
// double; the order of a block's partial sums is fixed, so results are deterministic.
#include "jm_common.cuh"

// Op codes are the ordinals of dev.jmamba.tensor.ReduceOp.
enum JmReduce { R_SUM, R_MEAN, R_MAX, R_MIN };

__device__ __forceinline__ double jm_reduce_identity(int op) {
    return op == R_MAX ? -jm_inf() : (op == R_MIN ? jm_inf() : 0.0);
}

// NaN wins (and stays), as in the CPU loops.
__device__ __forceinline__ double jm_reduce_combine(int op, double a, double b) {
    if (op == R_SUM || op == R_MEAN) return a + b;
    if (isnan(a)) return a;
    if (isnan(b)) return b;
    return op == R_MAX ? fmax(a, b) : fmin(a, b);
}

__device__ double jm_block_combine(int op, double v, double* shared) {
    for (int o = 16; o > 0; o >>= 1) v = jm_reduce_combine(op, v, __shfl_down_sync(0xffffffffu, v, o));
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    v = lane < warps ? shared[lane] : jm_reduce_identity(op);
    if (warp == 0) for (int o = 16; o > 0; o >>= 1) v = jm_reduce_combine(op, v, __shfl_down_sync(0xffffffffu, v, o));
    if (threadIdx.x == 0) shared[0] = v;
    __syncthreads();
    return shared[0];
}

template <typename T>
__device__ void reduce_block(const T* x, T* out, int outer, int inner, int op) {
    __shared__ double shared[32];
    int row = blockIdx.x;
    if (row >= outer) return;
    const T* r = x + (long long)row * inner;
    double acc = jm_reduce_identity(op);
    for (int i = threadIdx.x; i < inner; i += blockDim.x) acc = jm_reduce_combine(op, acc, (double)r[i]);
    acc = jm_block_combine(op, acc, shared);
    if (threadIdx.x == 0) out[row] = (T)(op == R_MEAN ? acc / inner : acc);
}

template <typename T>
__device__ void reduce_thread(const T* x, T* out, int outer, int inner, int op) {
    for (long long row = jm_thread_index(); row < outer; row += jm_thread_count()) {
        const T* r = x + row * inner;
        double acc = jm_reduce_identity(op);
        for (int i = 0; i < inner; i++) acc = jm_reduce_combine(op, acc, (double)r[i]);
        out[row] = (T)(op == R_MEAN ? acc / inner : acc);
    }
}

// ---- arg max / arg min: (value, index) pairs under a total order -----------------------------

// True when (va, ia) should be kept over (vb, ib): NaN first, then the larger (max) or smaller
// value, then the lower index. A total order, so any reduction tree gives the CPU's answer
// (the first NaN, else the first extreme value).
__device__ __forceinline__ bool jm_arg_better(bool max, double va, int ia, double vb, int ib) {
    bool na = isnan(va), nb = isnan(vb);
    if (na || nb) return na && nb ? ia < ib : na;
    if (va != vb) return max ? va > vb : va < vb;
    return ia < ib;
}

template <typename T>
__device__ void arg_block(const T* x, long long* out, int outer, int inner, int max) {
    __shared__ double values[32];
    __shared__ int indices[32];
    int row = blockIdx.x;
    if (row >= outer) return;
    const T* r = x + (long long)row * inner;
    double best = 0;
    int at = 0x7fffffff;  // "none yet": loses every comparison against a real index
    for (int i = threadIdx.x; i < inner; i += blockDim.x) {
        double v = (double)r[i];
        if (at == 0x7fffffff || jm_arg_better(max, v, i, best, at)) { best = v; at = i; }
    }
    for (int o = 16; o > 0; o >>= 1) {
        double v = __shfl_down_sync(0xffffffffu, best, o);
        int i = __shfl_down_sync(0xffffffffu, at, o);
        if (i != 0x7fffffff && (at == 0x7fffffff || jm_arg_better(max, v, i, best, at))) { best = v; at = i; }
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { values[warp] = best; indices[warp] = at; }
    __syncthreads();
    if (warp == 0) {
        int warps = blockDim.x >> 5;
        best = lane < warps ? values[lane] : 0;
        at = lane < warps ? indices[lane] : 0x7fffffff;
        for (int o = 16; o > 0; o >>= 1) {
            double v = __shfl_down_sync(0xffffffffu, best, o);
            int i = __shfl_down_sync(0xffffffffu, at, o);
            if (i != 0x7fffffff && (at == 0x7fffffff || jm_arg_better(max, v, i, best, at))) { best = v; at = i; }
        }
        if (lane == 0) out[row] = at == 0x7fffffff ? 0 : at;
    }
}

// ---- softmax / log-softmax along the last (contiguous) axis ----------------------------------

template <typename T>
__device__ void softmax_block(const T* x, T* y, int outer, int inner, int log_softmax) {
    __shared__ double shared[32];
    int row = blockIdx.x;
    if (row >= outer) return;
    const T* r = x + (long long)row * inner;
    T* w = y + (long long)row * inner;
    double m = -jm_inf();
    for (int i = threadIdx.x; i < inner; i += blockDim.x) m = jm_reduce_combine(R_MAX, m, (double)r[i]);
    m = jm_block_combine(R_MAX, m, shared);
    double s = 0;
    for (int i = threadIdx.x; i < inner; i += blockDim.x) s += exp((double)r[i] - m);
    s = jm_block_sum(s, shared);
    double lse = log(s);
    for (int i = threadIdx.x; i < inner; i += blockDim.x) {
        double z = (double)r[i] - m;
        w[i] = (T)(log_softmax ? z - lse : exp(z) / s);
    }
}

#define JM_REDUCE(TN, T)                                                                                    \
    extern "C" __global__ void reduce_block_##TN(const T* x, T* out, int outer, int inner, int op) {        \
        reduce_block<T>(x, out, outer, inner, op);                                                          \
    }                                                                                                       \
    extern "C" __global__ void reduce_thread_##TN(const T* x, T* out, int outer, int inner, int op) {       \
        reduce_thread<T>(x, out, outer, inner, op);                                                         \
    }                                                                                                       \
    extern "C" __global__ void arg_block_##TN(const T* x, long long* out, int outer, int inner, int max) {  \
        arg_block<T>(x, out, outer, inner, max);                                                            \
    }                                                                                                       \
    extern "C" __global__ void softmax_block_##TN(const T* x, T* y, int outer, int inner, int log_softmax) { \
        softmax_block<T>(x, y, outer, inner, log_softmax);                                                  \
    }
JM_REDUCE(f32, float)
JM_REDUCE(f64, double)
