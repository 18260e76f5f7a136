// The fused token ops of the vision backbones on the GPU (dev.jmamba.vision.tokenops).
// Reference: dev.jmamba.vision.tokenops.CpuTokenKernels; checked against it by CudaTokenKernelsGpuTest.
//
//   rotary:      out[b,l,2q]   = x[2q]·cos[l,2q] − x[2q+1]·sin[l,2q]
//                out[b,l,2q+1] = x[2q+1]·cos[l,2q+1] + x[2q]·sin[l,2q+1]           x (B, L, D), tables (L, D)
//                (adjoint: gx[2q] = g[2q]·cos[2q] + g[2q+1]·sin[2q+1], gx[2q+1] = g[2q+1]·cos[2q+1] − g[2q]·sin[2q])
//   token mean norm: per token (n, b, l) mean and rstd over C; xbar[n,b,c] = (1/L) Σ_l (y[n,c,b,l] − mean)·rstd
//                y (N, C, B, L); one block per (n, b): threads over l for the statistics, a warp per channel
//                for the token mean. Backward: a[c] = gxbar/L, A = Σ a, D[l] = Σ_c a[c]·x̂[c,l],
//                gy = rstd·(a[c] − A/C − x̂·D[l]/C); one thread per token, channels in a loop.
//   row scale:   out[r,l] = x[r,l]·g[r]; backward gx = gy·g and gg[r] = Σ_l gy·x, a warp per row.
//
// Sums are accumulated in double. All tensors are contiguous; flat indices are size_t.

__device__ __forceinline__ double warp_sum(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    return __shfl_sync(0xffffffffu, v, 0);
}

// The sum of v over the block (blockDim.x a multiple of 32, at most 1024), returned to every thread.
__device__ double block_sum(double v) {
    __shared__ double partial[32];
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    v = warp_sum(v);
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    double total = 0;
    for (int w = 0; w < warps; w++) total += partial[w];
    __syncthreads();
    return total;
}

template <typename T>
__device__ void rotary(const T* x, const T* cos, const T* sin, T* out, int B, int L, int D, int adjoint) {
    int half = D / 2;
    size_t pairs = (size_t)B * L * half;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < pairs; i += (size_t)gridDim.x * blockDim.x) {
        int q = (int)(i % half);
        size_t token = i / half;
        int l = (int)(token % L);
        size_t e = token * D + 2 * q, t = (size_t)l * D + 2 * q;
        T x0 = x[e], x1 = x[e + 1];
        if (adjoint) {
            out[e] = x0 * cos[t] + x1 * sin[t + 1];
            out[e + 1] = x1 * cos[t + 1] - x0 * sin[t];
        } else {
            out[e] = x0 * cos[t] - x1 * sin[t];
            out[e + 1] = x1 * cos[t + 1] + x0 * sin[t + 1];
        }
    }
}

// grid N·B, block a multiple of 32
template <typename T>
__device__ void token_mean_norm(const T* y, T* xbar, T* mean, T* rstd, int N, int C, int B, int L, float eps) {
    size_t nb = blockIdx.x;
    size_t n = nb / B, b = nb % B, rowStride = (size_t)B * L;
    const T* base = y + (n * C * B + b) * L;                 // y[n, 0, b, 0]
    T* mu = mean + nb * L;
    T* rs = rstd + nb * L;
    for (int l = threadIdx.x; l < L; l += blockDim.x) {
        double s = 0, ss = 0;
        for (int c = 0; c < C; c++) {
            double v = base[c * rowStride + l];
            s += v;
            ss += v * v;
        }
        double m = s / C, var = ss / C - m * m;
        mu[l] = (T)m;
        rs[l] = (T)(1.0 / sqrt((var > 0 ? var : 0.0) + (double)eps));
    }
    __syncthreads();                                         // the block's statistics are visible to all its threads
    int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
    for (int c = warp; c < C; c += warps) {
        const T* row = base + c * rowStride;
        double acc = 0;
        for (int l = lane; l < L; l += 32) acc += ((double)row[l] - (double)mu[l]) * (double)rs[l];
        acc = warp_sum(acc);
        if (lane == 0) xbar[nb * C + c] = (T)(acc / L);
    }
}

// grid N·B, block a multiple of 32, dynamic shared memory C doubles
template <typename T>
__device__ void token_mean_norm_backward(const T* gxbar, const T* y, const T* mean, const T* rstd, T* gy,
                                         int N, int C, int B, int L) {
    extern __shared__ double a[];                            // a[c] = gxbar[n, b, c] / L
    size_t nb = blockIdx.x;
    size_t n = nb / B, b = nb % B, rowStride = (size_t)B * L;
    double local = 0;
    for (int c = threadIdx.x; c < C; c += blockDim.x) {
        double v = (double)gxbar[nb * C + c] / L;
        a[c] = v;
        local += v;
    }
    double total = block_sum(local);                         // also orders the writes of a[] before the reads below
    const T* base = y + (n * C * B + b) * L;
    T* out = gy + (n * C * B + b) * L;
    for (int l = threadIdx.x; l < L; l += blockDim.x) {
        double m = mean[nb * L + l], r = rstd[nb * L + l], dot = 0;
        for (int c = 0; c < C; c++) dot += a[c] * ((double)base[c * rowStride + l] - m);
        dot *= r;                                            // D[l] = Σ_c a[c]·x̂[c, l]
        for (int c = 0; c < C; c++) {
            double xhat = ((double)base[c * rowStride + l] - m) * r;
            out[c * rowStride + l] = (T)(r * (a[c] - total / C - xhat * dot / C));
        }
    }
}

template <typename T>
__device__ void row_scale(const T* x, const T* g, T* out, long long R, int L) {
    size_t n = (size_t)R * L;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        out[i] = x[i] * g[i / L];
    }
}

// a warp per row; gx or gg may be null (not wanted)
template <typename T>
__device__ void row_scale_backward(const T* gy, const T* x, const T* g, T* gx, T* gg, long long R, int L) {
    size_t warps = (size_t)gridDim.x * blockDim.x / 32;
    int lane = threadIdx.x % 32;
    for (size_t r = ((size_t)blockIdx.x * blockDim.x + threadIdx.x) / 32; r < (size_t)R; r += warps) {
        const T* grow = gy + r * L;
        T s = g[r];
        double acc = 0;
        for (int l = lane; l < L; l += 32) {
            T v = grow[l];
            if (gx) gx[r * L + l] = v * s;
            if (gg) acc += (double)v * (double)x[r * L + l];
        }
        if (gg) {
            acc = warp_sum(acc);
            if (lane == 0) gg[r] = (T)acc;
        }
    }
}

#define TOKEN_OPS(T, SUFFIX) \
    extern "C" __global__ void rotary_##SUFFIX(const T* x, const T* cos, const T* sin, T* out, int B, int L, int D, int adjoint) \
    { rotary<T>(x, cos, sin, out, B, L, D, adjoint); } \
    extern "C" __global__ void token_mean_norm_##SUFFIX(const T* y, T* xbar, T* mean, T* rstd, int N, int C, int B, int L, float eps) \
    { token_mean_norm<T>(y, xbar, mean, rstd, N, C, B, L, eps); } \
    extern "C" __global__ void token_mean_norm_backward_##SUFFIX(const T* gxbar, const T* y, const T* mean, const T* rstd, T* gy, \
                                                                 int N, int C, int B, int L) \
    { token_mean_norm_backward<T>(gxbar, y, mean, rstd, gy, N, C, B, L); } \
    extern "C" __global__ void row_scale_##SUFFIX(const T* x, const T* g, T* out, long long R, int L) \
    { row_scale<T>(x, g, out, R, L); } \
    extern "C" __global__ void row_scale_backward_##SUFFIX(const T* gy, const T* x, const T* g, T* gx, T* gg, long long R, int L) \
    { row_scale_backward<T>(gy, x, g, gx, gg, R, L); }

TOKEN_OPS(float, f32)
TOKEN_OPS(double, f64)
