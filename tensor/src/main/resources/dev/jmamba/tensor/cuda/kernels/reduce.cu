// Reductions of the CUDA backend (ReduceKernels.java). Two layouts:
//  - rows: the Java side moves the reduced axes last and makes the input contiguous, so the
//    kernel sees (outer, inner) rows: one block per row (blockDim a multiple of 32), or one
//    thread per row for short rows;
//  - columns: x read in place as (outer, rows, inner) with the inner dim contiguous and the rows
//    reduced (a sum over leading or middle axes, no transposing copy); see reduce_columns.
// Accumulation is in double; every combining order is fixed, so results are deterministic.
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

// ---- columns: x (outer, rows, inner), the rows reduced, inner contiguous ------------------------

// Threads per block of reduce_columns: blockDim.x * blockDim.y, both powers of two (the Java side's
// ColumnReducePlan.THREADS).
#define JM_COLUMN_THREADS 256

// Element (o, r, c) of x sits at o * outer_stride + r * row_stride + c. blockIdx.x = o * tiles +
// tile covers columns [tile * blockDim.x, + blockDim.x) of outer index o (consecutive threads own
// consecutive columns, so loads coalesce); blockIdx.y = split covers rows [split * rows_per_split,
// + rows_per_split). Thread (cx, ry) combines rows r0 + ry, r0 + ry + blockDim.y, ... of its column
// in double, then the blockDim.y row lanes are combined by a fixed tree in shared memory. With one
// split (gridDim.y == 1) the block writes the result (mean divided) into out (outer, inner);
// otherwise its partial into partial (splits, outer, inner), which reduce_splits combines in split
// order. Every order is fixed, so results are identical run to run.
template <typename T>
__device__ void reduce_columns(const T* x, T* out, double* partial, int outer, int rows, int inner,
                               long long outer_stride, long long row_stride, int rows_per_split, int tiles, int op) {
    __shared__ double lanes[JM_COLUMN_THREADS];
    int o = blockIdx.x / tiles, tile = blockIdx.x - o * tiles;
    int c = tile * blockDim.x + threadIdx.x;
    long long r0 = (long long)blockIdx.y * rows_per_split;
    long long r1 = min((long long)rows, r0 + rows_per_split);
    double acc = jm_reduce_identity(op);
    if (c < inner) {
        const T* column = x + (long long)o * outer_stride + c;
        long long step = blockDim.y;
        long long r = r0 + threadIdx.y;
        for (; r + 3 * step < r1; r += 4 * step) {  // four independent loads in flight, combined in row order
            double a = (double)column[r * row_stride], b = (double)column[(r + step) * row_stride];
            double d = (double)column[(r + 2 * step) * row_stride], e = (double)column[(r + 3 * step) * row_stride];
            acc = jm_reduce_combine(op, jm_reduce_combine(op, jm_reduce_combine(op, jm_reduce_combine(op, acc, a), b), d), e);
        }
        for (; r < r1; r += step) acc = jm_reduce_combine(op, acc, (double)column[r * row_stride]);
    }
    int lane = threadIdx.y * blockDim.x + threadIdx.x;
    lanes[lane] = acc;
    __syncthreads();
    for (int s = blockDim.y >> 1; s > 0; s >>= 1) {
        if (threadIdx.y < s) lanes[lane] = jm_reduce_combine(op, lanes[lane], lanes[lane + s * blockDim.x]);
        __syncthreads();
    }
    if (threadIdx.y == 0 && c < inner) {
        double v = lanes[threadIdx.x];
        long long at = (long long)o * inner + c;
        if (gridDim.y == 1) out[at] = (T)(op == R_MEAN ? v / rows : v);
        else partial[(long long)blockIdx.y * outer * inner + at] = v;
    }
}

// out[i] = the combination of partial[0][i], partial[1][i], ... in split order (mean divided by rows).
template <typename T>
__device__ void reduce_splits(const double* partial, T* out, int count, int splits, int rows, int op) {
    for (long long i = jm_thread_index(); i < count; i += jm_thread_count()) {
        double acc = partial[i];
        for (int s = 1; s < splits; s++) acc = jm_reduce_combine(op, acc, partial[(long long)s * count + i]);
        out[i] = (T)(op == R_MEAN ? acc / rows : acc);
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
    }                                                                                                       \
    extern "C" __global__ void reduce_columns_##TN(const T* x, T* out, double* partial, int outer, int rows, \
            int inner, long long outer_stride, long long row_stride, int rows_per_split, int tiles, int op) { \
        reduce_columns<T>(x, out, partial, outer, rows, inner, outer_stride, row_stride, rows_per_split, tiles, op); \
    }                                                                                                       \
    extern "C" __global__ void reduce_splits_##TN(const double* partial, T* out, int count, int splits,      \
            int rows, int op) {                                                                             \
        reduce_splits<T>(partial, out, count, splits, rows, op);                                            \
    }
JM_REDUCE(f32, float)
JM_REDUCE(f64, double)
