// Causal depthwise conv1d with optional bias and fused SiLU (Mamba's short convolution), forward and
// backward. Reference: dev.jmamba.ssm.conv.CpuCausalConvKernels (float64 loops); checked against it by
// CausalConv1dGpuTest.
//
//   pre[b, d, l] = bias[d] + Σ_{k=0..K-1} w[d, k] · x[b, d, l − K + 1 + k]      (x = 0 left of l = 0)
//   y            = silu(pre) or pre
//
// Backward, runs path (K <= CONV_ROW_MAX_K, below): one launch. General path (three launches):
//   conv_grad_pre : gs = gy · silu'(pre), pre recomputed (skipped without SiLU: gs = gy)
//   conv_grad_x   : dx[b, d, i] = Σ_k w[d, k] · gs[b, d, i + K − 1 − k]  (a correlation; i + K − 1 − k < L)
//   conv_grad_w   : dw[d, k] = Σ_{b, l} gs[b, d, l] · x[b, d, l − K + 1 + k], dbias[d] = Σ_{b, l} gs[b, d, l];
//                   grid (D, chunks of B·L): each block sums its chunk for every k (and the bias) with a
//                   block reduction into one partial sum per (chunk, d, k).
//
// Determinism: dw and dbias are sums over many blocks. Float atomics would add the blocks' partial sums in the
// order the blocks happen to finish, so the last bits would change from run to run. Instead every block writes
// its partial sums to a scratch buffer part (P, D, K + 1) (slot K: the bias) and conv_wgrad_sum adds the P
// partials of each (d, k) in the fixed order p = 0 .. P-1, in float64; with one block per channel (P = 1) the
// block writes dw and dbias directly. The result is the same bit for bit on every run.
//
// x, y, gy, gs, dx: (B, D, L) in the layout below; w, dw: (D, K) (the (D, 1, K) weight); bias, dbias: (D) or null.
// T is float or double; the element-wise kernels are grid-stride with l fastest (coalesced).

__device__ __forceinline__ float exp_t(float v) { return expf(v); }
__device__ __forceinline__ double exp_t(double v) { return exp(v); }

// Element access of x and y: float and double as they are; bf16 (raw 16-bit patterns, autocast's activations) widened
// to float on load and rounded to nearest even on store with the recipe of jm_common.cuh's jm_float_to_bf16
// (DType.toBf16) — NVRTC compiles this file without that header. A bf16 call computes in float32 exactly what the
// float32 kernels compute from the same (bf16-representable) x, so y is their y rounded and dx, dw, dbias are their bits.
typedef unsigned short conv_bf16;
__device__ __forceinline__ float conv_ld(const float* p) { return *p; }
__device__ __forceinline__ double conv_ld(const double* p) { return *p; }
__device__ __forceinline__ float conv_ld(const conv_bf16* p) { return __uint_as_float(((unsigned int)*p) << 16); }
__device__ __forceinline__ void conv_st(float* p, float v) { *p = v; }
__device__ __forceinline__ void conv_st(double* p, double v) { *p = v; }
__device__ __forceinline__ void conv_st(conv_bf16* p, float v) {
    unsigned int bits = __float_as_uint(v);
    if ((bits & 0x7fffffffu) > 0x7f800000u) { *p = (conv_bf16)((bits >> 16) | 0x40u); return; }
    *p = (conv_bf16)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

// Layout: every (B, D, L) tensor of one call (x, y, gy, gs, dx) has element strides sB (batch) and sD
// (channel) with contiguous positions, so a (B, D, L) view of a (D, B·L) matrix needs no copy. With
// `reverse` the logical position l lives at memory column L-1-l: the conv of the flipped sequence
// (Vim's backward direction), flipped back, without either flip — an anti-causal conv in memory order.
struct ConvRows {
    long long sB, sD;
    int L, reverse;
    // pointer to logical position 0 of row (b, d) and the step between logical positions (+1 or -1)
    __device__ __forceinline__ long long row(int b, int d) const { return b * sB + d * sD + (reverse ? L - 1 : 0); }
    __device__ __forceinline__ int dir() const { return reverse ? -1 : 1; }
};

// Flat index i of the (b, d, l) loops → b, d, l; 32-bit division when i fits (the common case; 64-bit division costs
// several times more per element).
__device__ __forceinline__ void conv_split(size_t i, int L, int D, int& b, int& d, int& l) {
    if (i <= 0xffffffffu) {
        unsigned u = (unsigned)i, q = u / (unsigned)L, bq = q / (unsigned)D;
        l = (int)(u - q * (unsigned)L);
        b = (int)bq;
        d = (int)(q - bq * (unsigned)D);
    } else {
        size_t q = i / L;
        l = (int)(i - q * L);
        b = (int)(q / D);
        d = (int)(q - (size_t)b * D);
    }
}

template <typename T>
__device__ __forceinline__ T pre_activation(const T* xrow, int dir, const T* wrow, T bias, int l, int K) {
    T acc = bias;
    for (int k = max(0, K - 1 - l); k < K; k++) acc += wrow[k] * xrow[dir * (l - K + 1 + k)];
    return acc;
}

template <typename T>
__device__ void conv_fwd(const T* x, const T* w, const T* bias, T* y, int B, int D, int K, int silu, ConvRows r) {
    int L = r.L, dir = r.dir();
    size_t n = (size_t)B * D * L;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        int b, d, l;
        conv_split(i, L, D, b, d, l);
        long long row = r.row(b, d);
        T pre = pre_activation(x + row, dir, w + (size_t)d * K, bias ? bias[d] : (T)0, l, K);
        y[row + dir * l] = silu ? pre / ((T)1 + exp_t(-pre)) : pre;
    }
}

template <typename T>
__device__ void conv_grad_pre(const T* x, const T* w, const T* bias, const T* gy, T* gs, int B, int D, int K, ConvRows r) {
    int L = r.L, dir = r.dir();
    size_t n = (size_t)B * D * L;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        int b, d, l;
        conv_split(i, L, D, b, d, l);
        long long row = r.row(b, d);
        T pre = pre_activation(x + row, dir, w + (size_t)d * K, bias ? bias[d] : (T)0, l, K);
        T sig = (T)1 / ((T)1 + exp_t(-pre));
        gs[row + dir * l] = gy[row + dir * l] * sig * ((T)1 + pre * ((T)1 - sig));
    }
}

template <typename T>
__device__ void conv_grad_x(const T* gs, const T* w, T* dx, int B, int D, int K, ConvRows r) {
    int L = r.L, dir = r.dir();
    size_t n = (size_t)B * D * L;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        int b, d, l;
        conv_split(i, L, D, b, d, l);
        long long row = r.row(b, d);
        const T* grow = gs + row;
        const T* wrow = w + (size_t)d * K;
        T acc = 0;
        for (int k = max(0, l + K - L); k < K; k++) acc += wrow[k] * grow[dir * (l + K - 1 - k)];
        dx[row + dir * l] = acc;
    }
}

// Sum of v over the block (blockDim.x a multiple of 32, at most 1024); the result is valid in thread 0.
template <typename T>
__device__ T block_sum(T v, T* partials) {
    for (int off = 16; off > 0; off >>= 1) v += __shfl_down_sync(0xffffffffu, v, off);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) partials[warp] = v;
    __syncthreads();
    T total = 0;
    if (threadIdx.x == 0)
        for (int i = 0; i < (int)(blockDim.x >> 5); i++) total += partials[i];
    __syncthreads();                         // partials may be reused by the next call
    return total;
}

// The block's sum for (d, k) (k == K: the bias): into partial row p of part (P, D, K + 1) when part is given,
// else (the only block of channel d) straight into dw or dbias. Called by thread 0.
template <typename T>
__device__ __forceinline__ void conv_put_wgrad(T total, T* part, int p, T* dw, T* dbias, int d, int D, int K, int k) {
    if (part) part[((size_t)p * D + d) * (K + 1) + k] = total;
    else if (k < K) dw[(size_t)d * K + k] = total;
    else if (dbias) dbias[d] = total;
}

// dw (D, K) and dbias (D) from the partials part (P, D, K + 1): one thread per (d, k), the P partials added in
// the order p = 0 .. P-1 in float64 (fixed order: the same bits every run; float64: no accuracy lost to the order).
template <typename T>
__device__ void conv_wgrad_sum(const T* part, int P, int D, int K, T* dw, T* dbias) {
    size_t n = (size_t)D * (K + 1);
    for (size_t e = (size_t)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (size_t)gridDim.x * blockDim.x) {
        double acc = 0;
        for (int p = 0; p < P; p++) acc += (double)part[(size_t)p * n + e];
        int d = (int)(e / (K + 1)), k = (int)(e - (size_t)d * (K + 1));
        if (k < K) dw[(size_t)d * K + k] = (T)acc;
        else if (dbias) dbias[d] = (T)acc;
    }
}

// grid (D, P = ceil(B·L / chunk)); block: a multiple of 32 threads. part: (P, D, K + 1) partials, or null when P = 1.
template <typename T>
__device__ void conv_grad_w(const T* gs, const T* x, T* dw, T* dbias, T* part, int B, int D, int K, int chunk, ConvRows r) {
    __shared__ T partials[32];
    int d = blockIdx.x, L = r.L, dir = r.dir();
    size_t total = (size_t)B * L, begin = (size_t)blockIdx.y * chunk;
    size_t end = begin + chunk < total ? begin + chunk : total;
    for (int k = 0; k <= K; k++) {           // k == K: the bias
        if (k == K && !dbias) break;
        T acc = 0;
        for (size_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
            int b, l;
            if (i <= 0xffffffffu) { unsigned q = (unsigned)i / (unsigned)L; b = (int)q; l = (int)((unsigned)i - q * (unsigned)L); }
            else { b = (int)(i / L); l = (int)(i - (size_t)b * L); }
            long long row = r.row(b, d);
            if (k == K) acc += gs[row + dir * l];
            else if (l - K + 1 + k >= 0) acc += gs[row + dir * l] * x[row + dir * (l - K + 1 + k)];
        }
        T sum = block_sum(acc, partials);
        if (threadIdx.x == 0) conv_put_wgrad(sum, part, blockIdx.y, dw, dbias, d, D, K, k);
    }
}

// ---- backward in runs (K <= CONV_ROW_MAX_K, the path the launcher takes): one block per channel d and group of
// rowsPerBlock batches; the block's (row, run of CONV_BWD_RUN positions) items are spread over its threads. An item
// loads its x window (the run and K - 1 on each side) and gy (the run and K - 1 to the right) into registers,
// recomputes gs = gy · silu'(pre) for the run and its right halo, writes dx for the run and adds the run's dweight and
// dbias terms to the thread's K + 1 sums, reduced over the block at the end into one partial per (batch group, d, k)
// (summed by conv_wgrad_sum in a fixed order, see the top). One launch, no gs round trip through global memory and
// no block-wide barriers per row: every load of every item is independent, so the kernel runs at memory speed (the
// tiled row kernel it replaces staged each 197-long row in shared memory behind three barriers: Vim-T, H200, ncu
// 0.17 ms per call). dx adds the same products in the same order as before (pre and gs include the zero taps left
// of l = 0 and right of L - 1, as the tiled kernel's zero-padded tiles did).
// part: (P, D, K + 1) with P = ceil(B / rowsPerBlock) batch groups, or null when P = 1 (dw, dbias written directly).
#define CONV_ROW_MAX_K 8
#define CONV_BWD_RUN 4

template <typename T, typename TX>
__device__ __forceinline__ T conv_at(const TX* row, int dir, int l, int L) { return l >= 0 && l < L ? (T)conv_ld(row + dir * l) : (T)0; }

// MK: the largest K the instance takes (4 or CONV_ROW_MAX_K): the register arrays are sized by it.
template <typename T, int MK, typename TX>
__device__ void conv_row_bwd(const TX* x, const T* w, const T* bias, const T* gy, T* dx, T* dw, T* dbias, T* part,
                             int B, int D, int K, int silu, int rowsPerBlock, ConvRows r) {
    const int R = CONV_BWD_RUN;
    int L = r.L, dir = r.dir(), runs = (L + R - 1) / R;
    int d = blockIdx.x % D, b0 = (blockIdx.x / D) * rowsPerBlock, b1 = min(B, b0 + rowsPerBlock);
    T wk[MK], wr[MK], acc[MK + 1];                                 // wr[m] = w[K - 1 - m]: every register index constant
    #pragma unroll
    for (int k = 0; k < MK; k++) {
        wk[k] = k < K ? w[(size_t)d * K + k] : (T)0;
        wr[k] = k < K ? w[(size_t)d * K + K - 1 - k] : (T)0;
        acc[k] = 0;
    }
    acc[MK] = 0;
    T bv = bias ? bias[d] : (T)0;
    unsigned items = (unsigned)(b1 - b0) * (unsigned)runs;
    for (unsigned item = threadIdx.x; item < items; item += blockDim.x) {
        unsigned rowIndex = item / (unsigned)runs;
        int l0 = (int)(item - rowIndex * (unsigned)runs) * R;
        long long row = r.row(b0 + (int)rowIndex, d);
        const TX* xr = x + row;
        const T* gr = gy + row;
        // xw[j] = x at l0 - K + 1 + j (j < R + 2K - 2); gsv[j] = gs at l0 + j (j < R + K - 1), zero past L
        T xw[R + 2 * MK - 2], gsv[R + MK - 1];
        #pragma unroll
        for (int j = 0; j < R + 2 * MK - 2; j++) xw[j] = j < R + 2 * K - 2 ? conv_at<T>(xr, dir, l0 - K + 1 + j, L) : (T)0;
        #pragma unroll
        for (int j = 0; j < R + MK - 1; j++) {
            T g = 0;
            int l = l0 + j;
            if (j < R + K - 1 && l < L) {
                g = gr[dir * l];
                if (silu) {
                    T pre = bv;
                    #pragma unroll
                    for (int k = 0; k < MK; k++) if (k < K) pre += wk[k] * xw[j + k];
                    T sig = (T)1 / ((T)1 + exp_t(-pre));
                    g *= sig * ((T)1 + pre * ((T)1 - sig));
                }
            }
            gsv[j] = g;
        }
        #pragma unroll
        for (int j = 0; j < R; j++) {
            int l = l0 + j;
            if (l >= L) break;
            T acc_x = 0, g = gsv[j];
            #pragma unroll
            for (int m = MK - 1; m >= 0; m--) {                    // dx[l] = Σ_k w[k] · gs[l + K − 1 − k], k = K − 1 − m
                if (m < K) acc_x += wr[m] * gsv[j + m];            // in the order k = 0 .. K − 1
            }
            #pragma unroll
            for (int k = 0; k < MK; k++) if (k < K) acc[k] += g * xw[j + k];   // dw[k] += gs[l] · x[l − K + 1 + k]
            acc[MK] += g;
            dx[row + dir * l] = acc_x;
        }
    }
    __shared__ T partials[32];
    #pragma unroll
    for (int k = 0; k <= MK; k++) {                                // slot MK holds the bias sum
        if (k >= K && k < MK) continue;                            // uniform: the whole block skips it
        T total = block_sum(acc[k], partials);
        if (threadIdx.x == 0) conv_put_wgrad(total, part, blockIdx.x / D, dw, dbias, d, D, K, k < MK ? k : K);
    }
}

// ---- forward in runs (K <= CONV_ROW_MAX_K, the path the launcher takes): one thread per CONV_RUN consecutive
// positions of a row, one index split and one weight load per run, and the run's inputs with their left halo
// (K - 1 + CONV_RUN values) loaded once into registers instead of K loads per output. Each output adds the same
// products in the same order as conv_fwd (taps left of l = 0 skipped, not added as zeros): the same bits.
#define CONV_RUN 4

template <typename T, typename TX>
__device__ void conv_fwd_runs(const TX* x, const T* w, const T* bias, TX* y, int B, int D, int K, int silu, ConvRows r) {
    int L = r.L, dir = r.dir(), runs = (L + CONV_RUN - 1) / CONV_RUN;
    size_t n = (size_t)B * D * runs;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        int b, d, run;
        conv_split(i, runs, D, b, d, run);
        int l0 = run * CONV_RUN;
        long long row = r.row(b, d);
        const TX* xr = x + row;
        T wk[CONV_ROW_MAX_K], win[CONV_ROW_MAX_K - 1 + CONV_RUN];   // win[j] = x at l0 - K + 1 + j
        #pragma unroll
        for (int k = 0; k < CONV_ROW_MAX_K; k++) wk[k] = k < K ? w[(size_t)d * K + k] : (T)0;
        #pragma unroll
        for (int j = 0; j < CONV_ROW_MAX_K - 1 + CONV_RUN; j++) win[j] = j < K - 1 + CONV_RUN ? conv_at<T>(xr, dir, l0 - K + 1 + j, L) : (T)0;
        T bv = bias ? bias[d] : (T)0;
        #pragma unroll
        for (int j = 0; j < CONV_RUN; j++) {
            int l = l0 + j;
            if (l >= L) break;
            T acc = bv;
            #pragma unroll
            for (int k = 0; k < CONV_ROW_MAX_K; k++) if (k < K && l - K + 1 + k >= 0) acc += wk[k] * win[j + k];
            conv_st(y + row + dir * l, silu ? acc / ((T)1 + exp_t(-acc)) : acc);
        }
    }
}

#define CONV_KERNELS(T, SUFFIX)                                                                                    \
    extern "C" __global__ void causal_conv_fwd_##SUFFIX(const T* x, const T* w, const T* bias, T* y,                \
                                                         int B, int D, int K, int silu, ConvRows r)                 \
    { conv_fwd<T>(x, w, bias, y, B, D, K, silu, r); }                                                               \
    extern "C" __global__ void causal_conv_fwd_runs_##SUFFIX(const T* x, const T* w, const T* bias, T* y,           \
                                                              int B, int D, int K, int silu, ConvRows r)            \
    { conv_fwd_runs<T, T>(x, w, bias, y, B, D, K, silu, r); }                                                       \
    extern "C" __global__ void causal_conv_grad_pre_##SUFFIX(const T* x, const T* w, const T* bias, const T* gy,   \
                                                              T* gs, int B, int D, int K, ConvRows r)               \
    { conv_grad_pre<T>(x, w, bias, gy, gs, B, D, K, r); }                                                           \
    extern "C" __global__ void causal_conv_grad_x_##SUFFIX(const T* gs, const T* w, T* dx, int B, int D, int K,    \
                                                            ConvRows r)                                             \
    { conv_grad_x<T>(gs, w, dx, B, D, K, r); }                                                                      \
    extern "C" __global__ void causal_conv_grad_w_##SUFFIX(const T* gs, const T* x, T* dw, T* dbias, T* part,      \
                                                            int B, int D, int K, int chunk, ConvRows r)             \
    { conv_grad_w<T>(gs, x, dw, dbias, part, B, D, K, chunk, r); }                                                  \
    extern "C" __global__ void causal_conv_row_bwd_##SUFFIX(const T* x, const T* w, const T* bias, const T* gy,    \
                                                             T* dx, T* dw, T* dbias, T* part, int B, int D, int K,  \
                                                             int silu, int rowsPerBlock, ConvRows r)                \
    { conv_row_bwd<T, CONV_ROW_MAX_K, T>(x, w, bias, gy, dx, dw, dbias, part, B, D, K, silu, rowsPerBlock, r); }    \
    extern "C" __global__ void causal_conv_row_bwd_k4_##SUFFIX(const T* x, const T* w, const T* bias, const T* gy, \
                                                                T* dx, T* dw, T* dbias, T* part, int B, int D, int K, \
                                                                int silu, int rowsPerBlock, ConvRows r)             \
    { conv_row_bwd<T, 4, T>(x, w, bias, gy, dx, dw, dbias, part, B, D, K, silu, rowsPerBlock, r); }                 \
    extern "C" __global__ void causal_conv_wgrad_sum_##SUFFIX(const T* part, int P, int D, int K, T* dw, T* dbias) \
    { conv_wgrad_sum<T>(part, P, D, K, dw, dbias); }

CONV_KERNELS(float, f32)
CONV_KERNELS(double, f64)

// bf16 x and y (autocast's activations; K <= CONV_ROW_MAX_K): weights, bias, gy, dx, dw, dbias and the arithmetic
// float32 — the f32 kernels' operations on the widened x (their dw and dbias partials are summed by
// causal_conv_wgrad_sum_f32)
extern "C" __global__ void causal_conv_fwd_runs_bf16(const conv_bf16* x, const float* w, const float* bias, conv_bf16* y,
                                                     int B, int D, int K, int silu, ConvRows r)
{ conv_fwd_runs<float, conv_bf16>(x, w, bias, y, B, D, K, silu, r); }
extern "C" __global__ void causal_conv_row_bwd_bf16(const conv_bf16* x, const float* w, const float* bias, const float* gy,
                                                    float* dx, float* dw, float* dbias, float* part, int B, int D, int K,
                                                    int silu, int rowsPerBlock, ConvRows r)
{ conv_row_bwd<float, CONV_ROW_MAX_K, conv_bf16>(x, w, bias, gy, dx, dw, dbias, part, B, D, K, silu, rowsPerBlock, r); }
extern "C" __global__ void causal_conv_row_bwd_k4_bf16(const conv_bf16* x, const float* w, const float* bias, const float* gy,
                                                       float* dx, float* dw, float* dbias, float* part, int B, int D, int K,
                                                       int silu, int rowsPerBlock, ConvRows r)
{ conv_row_bwd<float, 4, conv_bf16>(x, w, bias, gy, dx, dw, dbias, part, B, D, K, silu, rowsPerBlock, r); }
