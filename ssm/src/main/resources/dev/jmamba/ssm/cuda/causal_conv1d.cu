// Causal depthwise conv1d with optional bias and fused SiLU (Mamba's short convolution), forward and
// backward. Reference: dev.jmamba.ssm.conv.CpuCausalConvKernels (float64 loops); checked against it by
// CausalConv1dGpuTest.
//
//   pre[b, d, l] = bias[d] + Σ_{k=0..K-1} w[d, k] · x[b, d, l − K + 1 + k]      (x = 0 left of l = 0)
//   y            = silu(pre) or pre
//
// Backward (three launches):
//   conv_grad_pre : gs = gy · silu'(pre), pre recomputed (skipped without SiLU: gs = gy)
//   conv_grad_x   : dx[b, d, i] = Σ_k w[d, k] · gs[b, d, i + K − 1 − k]  (a correlation; i + K − 1 − k < L)
//   conv_grad_w   : dw[d, k] = Σ_{b, l} gs[b, d, l] · x[b, d, l − K + 1 + k], dbias[d] = Σ_{b, l} gs[b, d, l];
//                   grid (D, chunks of B·L): each block sums its chunk for every k (and the bias) with a
//                   block reduction, then thread 0 adds it with one atomicAdd (dw, dbias zeroed by the launcher).
//
// x, y, gy, gs, dx: (B, D, L); w, dw: (D, K) (the (D, 1, K) weight); bias, dbias: (D) or null.
// T is float or double; the element-wise kernels are grid-stride with l fastest (coalesced).

__device__ __forceinline__ float exp_t(float v) { return expf(v); }
__device__ __forceinline__ double exp_t(double v) { return exp(v); }

template <typename T>
__device__ __forceinline__ T pre_activation(const T* xrow, const T* wrow, T bias, int l, int K) {
    T acc = bias;
    for (int k = max(0, K - 1 - l); k < K; k++) acc += wrow[k] * xrow[l - K + 1 + k];
    return acc;
}

template <typename T>
__device__ void conv_fwd(const T* x, const T* w, const T* bias, T* y, int B, int D, int L, int K, int silu) {
    size_t n = (size_t)B * D * L;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        int l = (int)(i % L);
        size_t row = i / L;                  // (b, d)
        int d = (int)(row % D);
        T pre = pre_activation(x + row * L, w + (size_t)d * K, bias ? bias[d] : (T)0, l, K);
        y[i] = silu ? pre / ((T)1 + exp_t(-pre)) : pre;
    }
}

template <typename T>
__device__ void conv_grad_pre(const T* x, const T* w, const T* bias, const T* gy, T* gs, int B, int D, int L, int K) {
    size_t n = (size_t)B * D * L;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        int l = (int)(i % L);
        size_t row = i / L;
        int d = (int)(row % D);
        T pre = pre_activation(x + row * L, w + (size_t)d * K, bias ? bias[d] : (T)0, l, K);
        T sig = (T)1 / ((T)1 + exp_t(-pre));
        gs[i] = gy[i] * sig * ((T)1 + pre * ((T)1 - sig));
    }
}

template <typename T>
__device__ void conv_grad_x(const T* gs, const T* w, T* dx, int B, int D, int L, int K) {
    size_t n = (size_t)B * D * L;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        int l = (int)(i % L);
        size_t row = i / L;
        int d = (int)(row % D);
        const T* grow = gs + row * L;
        const T* wrow = w + (size_t)d * K;
        T acc = 0;
        for (int k = max(0, l + K - L); k < K; k++) acc += wrow[k] * grow[l + K - 1 - k];
        dx[i] = acc;
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

// grid (D, ceil(B·L / chunk)); block: a multiple of 32 threads
template <typename T>
__device__ void conv_grad_w(const T* gs, const T* x, T* dw, T* dbias, int B, int D, int L, int K, int chunk) {
    __shared__ T partials[32];
    int d = blockIdx.x;
    size_t total = (size_t)B * L, begin = (size_t)blockIdx.y * chunk;
    size_t end = begin + chunk < total ? begin + chunk : total;
    for (int k = 0; k <= K; k++) {           // k == K: the bias
        if (k == K && !dbias) break;
        T acc = 0;
        for (size_t i = begin + threadIdx.x; i < end; i += blockDim.x) {
            int b = (int)(i / L), l = (int)(i % L);
            size_t row = ((size_t)b * D + d) * L;
            if (k == K) acc += gs[row + l];
            else if (l - K + 1 + k >= 0) acc += gs[row + l] * x[row + l - K + 1 + k];
        }
        T sum = block_sum(acc, partials);
        if (threadIdx.x == 0) atomicAdd(k == K ? dbias + d : dw + (size_t)d * K + k, sum);
    }
}

#define CONV_KERNELS(T, SUFFIX)                                                                                    \
    extern "C" __global__ void causal_conv_fwd_##SUFFIX(const T* x, const T* w, const T* bias, T* y,                \
                                                         int B, int D, int L, int K, int silu)                      \
    { conv_fwd<T>(x, w, bias, y, B, D, L, K, silu); }                                                               \
    extern "C" __global__ void causal_conv_grad_pre_##SUFFIX(const T* x, const T* w, const T* bias, const T* gy,   \
                                                              T* gs, int B, int D, int L, int K)                    \
    { conv_grad_pre<T>(x, w, bias, gy, gs, B, D, L, K); }                                                           \
    extern "C" __global__ void causal_conv_grad_x_##SUFFIX(const T* gs, const T* w, T* dx, int B, int D, int L, int K) \
    { conv_grad_x<T>(gs, w, dx, B, D, L, K); }                                                                      \
    extern "C" __global__ void causal_conv_grad_w_##SUFFIX(const T* gs, const T* x, T* dw, T* dbias,               \
                                                            int B, int D, int L, int K, int chunk)                  \
    { conv_grad_w<T>(gs, x, dw, dbias, B, D, L, K, chunk); }

CONV_KERNELS(float, f32)
CONV_KERNELS(double, f64)
