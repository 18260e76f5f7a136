// Convolution helpers of the CUDA backend (ConvKernels.java): im2col and col2im for one group
// of a chunk of images, and a plain float64 GEMM (float32 products go to cuBLAS; float64 is
// only used by tests and references, so a simple kernel is enough).
//
// Column layout: element (b, r, q) of a chunk, with b the image in the chunk, r = (c, ky, kx)
// the row of the unrolled kernel and q = (oy, ox) the output position, lives at
// b * sb + r * sr + q. "Image-major" is sb = rows * ohw, sr = ohw (one (rows, ohw) matrix per
// image); "row-major" is sb = ohw, sr = nb * ohw (one (rows, nb * ohw) matrix for the chunk).
#include "jm_common.cuh"

// JmConv, the geometry of a conv2d passed by value, is in jm_common.cuh (dw_silu.cu uses it too).

// cols[b, r, q] = x[n0 + b, group * cg + c, oy * sh - ph + ky * dh, ox * sw - pw + kx * dw] or 0 outside.
template <typename T>
__device__ void im2col(const T* x, T* cols, JmConv g, int n0, int nb, int group, long long sb, long long sr) {
    int cg = g.c / g.groups, ohw = g.oh * g.ow, kk = g.kh * g.kw, rows = cg * kk;
    // 32-bit index arithmetic: the columns hold < 2^31 elements (COLS_LIMIT); 64-bit divisions are emulated
    unsigned int total = (unsigned int)nb * rows * ohw, uohw = ohw, urows = rows, ukk = kk, ukw = g.kw, uow = g.ow;
    for (unsigned int e = jm_thread_index(); e < total; e += jm_thread_count()) {
        unsigned int br = e / uohw, q = e - br * uohw;
        unsigned int bq = br / urows, r = br - bq * urows;
        int b = (int)bq;
        unsigned int cq = r / ukk, kr = r - cq * ukk, kyq = kr / ukw;
        int c = (int)cq, ky = (int)kyq, kx = (int)(kr - kyq * ukw);
        unsigned int oyq = q / uow;
        int oy = (int)oyq, ox = (int)(q - oyq * uow);
        int iy = oy * g.sh - g.ph + ky * g.dh, ix = ox * g.sw - g.pw + kx * g.dw;
        T v = (T)0;
        if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) {
            v = x[(((long long)(n0 + b) * g.c + group * cg + c) * g.h + iy) * g.w + ix];
        }
        cols[b * sb + (long long)r * sr + q] = v;
    }
}

// dx[n0 + b, group * cg + c, iy, ix] = sum of the cols entries that im2col read from there.
// A gather over the input (each dx element written once), so no atomics and a fixed order.
template <typename T>
__device__ void col2im(const T* cols, T* dx, JmConv g, int n0, int nb, int group, long long sb, long long sr) {
    int cg = g.c / g.groups, kk = g.kh * g.kw;
    // 32-bit index arithmetic (dx holds < 2^31 elements; 64-bit divisions are emulated on the GPU)
    unsigned int total = (unsigned int)nb * cg * g.h * g.w, uw = g.w, uh = g.h, ucg = cg;
    for (unsigned int e = jm_thread_index(); e < total; e += jm_thread_count()) {
        unsigned int rest = e / uw;
        int ix = (int)(e - rest * uw);
        unsigned int rest2 = rest / uh;
        int iy = (int)(rest - rest2 * uh);
        unsigned int bq = rest2 / ucg;
        int c = (int)(rest2 - bq * ucg), b = (int)bq;
        double acc = 0;
        if (g.dh == 1 && g.dw == 1) {
            // undilated: only the taps with oy * sh + ky = iy + ph (and likewise in x) hit an output, i.e.
            // ky ≡ iy + ph (mod sh); visit those alone, in the same ascending (ky, kx) order as the general
            // loop below (the same sum, bit for bit), with one division per visited tap
            int ty0 = iy + g.ph, tx0 = ix + g.pw;
            for (int ky = ty0 % g.sh; ky < g.kh && ky <= ty0; ky += g.sh) {
                int oy = (ty0 - ky) / g.sh;
                if (oy >= g.oh) continue;
                for (int kx = tx0 % g.sw; kx < g.kw && kx <= tx0; kx += g.sw) {
                    int ox = (tx0 - kx) / g.sw;
                    if (ox >= g.ow) continue;
                    int r = c * kk + ky * g.kw + kx;
                    acc += (double)cols[b * sb + (long long)r * sr + oy * g.ow + ox];
                }
            }
            dx[(((long long)(n0 + b) * g.c + group * cg + c) * g.h + iy) * g.w + ix] = (T)acc;
            continue;
        }
        for (int ky = 0; ky < g.kh; ky++) {
            int ty = iy + g.ph - ky * g.dh;
            if (ty < 0 || ty % g.sh != 0) continue;
            int oy = ty / g.sh;
            if (oy >= g.oh) continue;
            for (int kx = 0; kx < g.kw; kx++) {
                int tx = ix + g.pw - kx * g.dw;
                if (tx < 0 || tx % g.sw != 0) continue;
                int ox = tx / g.sw;
                if (ox >= g.ow) continue;
                int r = c * kk + ky * g.kw + kx;
                acc += (double)cols[b * sb + r * sr + oy * g.ow + ox];
            }
        }
        dx[(((long long)(n0 + b) * g.c + group * cg + c) * g.h + iy) * g.w + ix] = (T)acc;
    }
}

#define JM_CONV(TN, T)                                                                                        \
    extern "C" __global__ void im2col_##TN(const T* x, T* cols, JmConv g, int n0, int nb, int group,         \
                                           long long sb, long long sr) {                                     \
        im2col<T>(x, cols, g, n0, nb, group, sb, sr);                                                         \
    }                                                                                                         \
    extern "C" __global__ void col2im_##TN(const T* cols, T* dx, JmConv g, int n0, int nb, int group,        \
                                           long long sb, long long sr) {                                     \
        col2im<T>(cols, dx, g, n0, nb, group, sb, sr);                                                        \
    }
JM_CONV(f32, float)
JM_CONV(f64, double)
// autocast's dense conv: bf16 columns (a copy, so the raw 16-bit patterns move as they are; 0 is +0.0)
extern "C" __global__ void im2col_bf16(const jm_bf16* x, jm_bf16* cols, JmConv g, int n0, int nb, int group,
                                       long long sb, long long sr) {
    im2col<jm_bf16>(x, cols, g, n0, nb, group, sb, sr);
}

// ---- channels-last dense convs (groups 1): x, y, dx stored (N, H, W, C) ----------------------------
// Columns are rows of the output positions: cols[m, k] with m = (b, oy, ox) over the chunk's images and
// k = (ky, kx, c), c fastest (the weight is used in that order, (O, kh, kw, C)). Then the forward is one
// GEMM y (M, O) = cols (M, K) · Wᵀ whose result is already channels-last, and both kernels walk C
// fastest: coalesced reads and writes. Index arithmetic in 32 bits (the buffers hold < 2^31 elements).

// cols[m, k] = x[n0 + b, oy * sh - ph + ky * dh, ox * sw - pw + kx * dw, c] or 0 outside.
template <typename T>
__device__ void im2col_cl(const T* x, T* cols, JmConv g, int n0, int nb) {
    unsigned int uc = g.c, ukw = g.kw, uow = g.ow, uoh = g.oh;
    unsigned int kdim = uc * g.kh * ukw, total = (unsigned int)nb * uoh * uow * kdim;
    for (unsigned int e = jm_thread_index(); e < total; e += jm_thread_count()) {
        unsigned int m = e / kdim, k = e - m * kdim;
        unsigned int kq = k / uc, c = k - kq * uc, ky = kq / ukw, kx = kq - ky * ukw;
        unsigned int t = m / uow, ox = m - t * uow, b = t / uoh, oy = t - b * uoh;
        int iy = (int)oy * g.sh - g.ph + (int)ky * g.dh, ix = (int)ox * g.sw - g.pw + (int)kx * g.dw;
        T v = (T)0;
        if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) {
            v = x[(((long long)(n0 + b) * g.h + iy) * g.w + ix) * g.c + c];
        }
        cols[e] = v;
    }
}

// dx[n0 + b, iy, ix, c] = sum of the dcols entries im2col_cl read from there, taps in ascending (ky, kx)
// order, in double (a gather: no atomics, a fixed order).
__device__ void col2im_cl(const float* dcols, float* dx, JmConv g, int n0, int nb) {
    unsigned int uc = g.c, uw = g.w, uh = g.h;
    unsigned int total = (unsigned int)nb * uh * uw * uc, kdim = uc * g.kh * g.kw;
    for (unsigned int e = jm_thread_index(); e < total; e += jm_thread_count()) {
        unsigned int p = e / uc, c = e - p * uc, t = p / uw, ix = p - t * uw, b = t / uh, iy = t - b * uh;
        double acc = 0;
        for (int ky = 0; ky < g.kh; ky++) {
            int ty = (int)iy + g.ph - ky * g.dh;
            if (ty < 0 || ty % g.sh != 0) continue;
            int oy = ty / g.sh;
            if (oy >= g.oh) continue;
            for (int kx = 0; kx < g.kw; kx++) {
                int tx = (int)ix + g.pw - kx * g.dw;
                if (tx < 0 || tx % g.sw != 0) continue;
                int ox = tx / g.sw;
                if (ox >= g.ow) continue;
                long long m = ((long long)b * g.oh + oy) * g.ow + ox;
                acc += (double)dcols[m * kdim + ((unsigned int)ky * g.kw + kx) * uc + c];
            }
        }
        dx[(long long)n0 * uh * uw * uc + e] = (float)acc;   // e walks (b, iy, ix, c) of the chunk
    }
}

extern "C" __global__ void im2col_cl_f32(const float* x, float* cols, JmConv g, int n0, int nb) { im2col_cl<float>(x, cols, g, n0, nb); }
extern "C" __global__ void im2col_cl_bf16(const jm_bf16* x, jm_bf16* cols, JmConv g, int n0, int nb) { im2col_cl<jm_bf16>(x, cols, g, n0, nb); }
extern "C" __global__ void col2im_cl_f32(const float* dcols, float* dx, JmConv g, int n0, int nb) { col2im_cl(dcols, dx, g, n0, nb); }

// ---- depthwise (groups == c == o): direct kernels, no columns ---------------------------------

// y[n, c, oy, ox] = Σ_{ky, kx} w[c, 0, ky, kx] · x[n, c, oy·sh − ph + ky·dh, ox·sw − pw + kx·dw]; one thread per output.
template <typename T>
__device__ void dw_forward(const T* x, const T* w, T* y, JmConv g) {
    long long total = (long long)g.n * g.c * g.oh * g.ow;
    for (long long e = jm_thread_index(); e < total; e += jm_thread_count()) {
        int ox = (int)(e % g.ow);
        long long rest = e / g.ow;
        int oy = (int)(rest % g.oh);
        long long nc = rest / g.oh;
        int c = (int)(nc % g.c);
        const T* xp = x + nc * g.h * g.w;
        const T* wp = w + (long long)c * g.kh * g.kw;
        T acc = (T)0;
        for (int ky = 0; ky < g.kh; ky++) {
            int iy = oy * g.sh - g.ph + ky * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (int kx = 0; kx < g.kw; kx++) {
                int ix = ox * g.sw - g.pw + kx * g.dw;
                if (ix >= 0 && ix < g.w) acc += wp[ky * g.kw + kx] * xp[iy * g.w + ix];
            }
        }
        y[e] = acc;
    }
}

// dx[n, c, iy, ix] = Σ over the outputs that read (iy, ix) of w · gy (a gather: each dx written once).
template <typename T>
__device__ void dw_input_grad(const T* gy, const T* w, T* dx, JmConv g) {
    long long total = (long long)g.n * g.c * g.h * g.w;
    for (long long e = jm_thread_index(); e < total; e += jm_thread_count()) {
        int ix = (int)(e % g.w);
        long long rest = e / g.w;
        int iy = (int)(rest % g.h);
        long long nc = rest / g.h;
        int c = (int)(nc % g.c);
        const T* gp = gy + nc * g.oh * g.ow;
        const T* wp = w + (long long)c * g.kh * g.kw;
        T acc = (T)0;
        for (int ky = 0; ky < g.kh; ky++) {
            int ty = iy + g.ph - ky * g.dh;
            if (ty < 0 || ty % g.sh != 0 || ty / g.sh >= g.oh) continue;
            for (int kx = 0; kx < g.kw; kx++) {
                int tx = ix + g.pw - kx * g.dw;
                if (tx < 0 || tx % g.sw != 0 || tx / g.sw >= g.ow) continue;
                acc += wp[ky * g.kw + kx] * gp[(ty / g.sh) * g.ow + tx / g.sw];
            }
        }
        dx[e] = acc;
    }
}

// Threads per block of dw_weight_grad and dw_weight_grad_chunks (a power of two: their trees halve it);
// ConvKernels.DW_WEIGHT_THREADS launches exactly this many (KernelConstantsTest checks the two agree).
#define JM_DW_WEIGHT_THREADS 256

// dw[c, 0, ky, kx] = Σ_{n, oy, ox} gy[n, c, oy, ox] · x[n, c, iy, ix]: one block of JM_DW_WEIGHT_THREADS per
// (c, ky, kx), summed in double with a fixed tree (deterministic).
template <typename T>
__device__ void dw_weight_grad(const T* gy, const T* x, T* dw, JmConv g) {
    __shared__ double part[JM_DW_WEIGHT_THREADS];
    int ck = blockIdx.x, kk = g.kh * g.kw;
    int c = ck / kk, ky = (ck % kk) / g.kw, kx = ck % g.kw;
    long long total = (long long)g.n * g.oh * g.ow;
    double acc = 0;
    for (long long e = threadIdx.x; e < total; e += blockDim.x) {
        int ox = (int)(e % g.ow);
        long long rest = e / g.ow;
        int oy = (int)(rest % g.oh);
        long long n = rest / g.oh;
        int iy = oy * g.sh - g.ph + ky * g.dh, ix = ox * g.sw - g.pw + kx * g.dw;
        if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
        long long nc = n * g.c + c;
        acc += (double)gy[(nc * g.oh + oy) * g.ow + ox] * (double)x[(nc * g.h + iy) * g.w + ix];
    }
    part[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) dw[ck] = (T)part[0];
}

// Depthwise forward and input gradient with the whole (n, c) plane in shared memory: one block per
// plane stages its input (forward: x, h·w values; input gradient: gy, oh·ow values) with coalesced
// loads, then every output reads its kh·kw taps from shared memory instead of global memory. Used
// when the plane fits (ConvKernels.DW_PLANE_LIMIT values); the per-output kernels above otherwise.
template <typename T>
__device__ void dw_forward_plane(const T* x, const T* w, T* y, JmConv g) {
    extern __shared__ unsigned char dw_shared_bytes[];
    T* plane = reinterpret_cast<T*>(dw_shared_bytes);
    long long nc = blockIdx.x;
    int c = (int)(nc % g.c), hw = g.h * g.w, ohw = g.oh * g.ow;
    const T* xp = x + nc * hw;
    for (int i = threadIdx.x; i < hw; i += blockDim.x) plane[i] = xp[i];
    __syncthreads();
    const T* wp = w + (long long)c * g.kh * g.kw;
    T* yp = y + nc * ohw;
    for (int e = threadIdx.x; e < ohw; e += blockDim.x) {
        int oy = e / g.ow, ox = e % g.ow;
        T acc = (T)0;
        for (int ky = 0; ky < g.kh; ky++) {
            int iy = oy * g.sh - g.ph + ky * g.dh;
            if (iy < 0 || iy >= g.h) continue;
            for (int kx = 0; kx < g.kw; kx++) {
                int ix = ox * g.sw - g.pw + kx * g.dw;
                if (ix >= 0 && ix < g.w) acc += wp[ky * g.kw + kx] * plane[iy * g.w + ix];
            }
        }
        yp[e] = acc;
    }
}

template <typename T>
__device__ void dw_input_grad_plane(const T* gy, const T* w, T* dx, JmConv g) {
    extern __shared__ unsigned char dw_shared_bytes[];
    T* plane = reinterpret_cast<T*>(dw_shared_bytes);
    long long nc = blockIdx.x;
    int c = (int)(nc % g.c), hw = g.h * g.w, ohw = g.oh * g.ow;
    const T* gp = gy + nc * ohw;
    for (int i = threadIdx.x; i < ohw; i += blockDim.x) plane[i] = gp[i];
    __syncthreads();
    const T* wp = w + (long long)c * g.kh * g.kw;
    T* dp = dx + nc * hw;
    for (int e = threadIdx.x; e < hw; e += blockDim.x) {
        int iy = e / g.w, ix = e % g.w;
        T acc = (T)0;
        for (int ky = 0; ky < g.kh; ky++) {
            int ty = iy + g.ph - ky * g.dh;
            if (ty < 0 || ty % g.sh != 0 || ty / g.sh >= g.oh) continue;
            for (int kx = 0; kx < g.kw; kx++) {
                int tx = ix + g.pw - kx * g.dw;
                if (tx < 0 || tx % g.sw != 0 || tx / g.sw >= g.ow) continue;
                acc += wp[ky * g.kw + kx] * plane[(ty / g.sh) * g.ow + tx / g.sw];
            }
        }
        dp[e] = acc;
    }
}

// dw by chunks, for kernels of at most JM_DW_TAPS taps: block (c, chunk) reads its share of the
// n·oh·ow outputs of channel c once and accumulates every tap (kh·kw) in registers, in double; the
// block's per-tap sums go to partial[(c · chunks + chunk) · kk + tap]. dw_tap_sum then adds the
// chunks in order (deterministic). Each gy and x element is read from memory about once, instead
// of once per tap as in dw_weight_grad.
#define JM_DW_TAPS 9
template <typename T>
__device__ void dw_weight_grad_chunks(const T* gy, const T* x, double* partial, JmConv g, int chunks) {
    __shared__ double part[JM_DW_WEIGHT_THREADS];
    int c = blockIdx.x / chunks, chunk = blockIdx.x % chunks, kk = g.kh * g.kw;
    long long total = (long long)g.n * g.oh * g.ow;
    long long per = (total + chunks - 1) / chunks, first = (long long)chunk * per;
    long long last = first + per < total ? first + per : total;
    double acc[JM_DW_TAPS];
    for (int t = 0; t < JM_DW_TAPS; t++) acc[t] = 0;
    for (long long e = first + threadIdx.x; e < last; e += blockDim.x) {
        int ox = (int)(e % g.ow);
        long long rest = e / g.ow;
        int oy = (int)(rest % g.oh);
        long long nc = (rest / g.oh) * g.c + c;
        double gv = (double)gy[(nc * g.oh + oy) * g.ow + ox];
        const T* xp = x + nc * g.h * g.w;
#pragma unroll
        for (int t = 0; t < JM_DW_TAPS; t++) {
            if (t >= kk) break;
            int ky = t / g.kw, kx = t % g.kw;
            int iy = oy * g.sh - g.ph + ky * g.dh, ix = ox * g.sw - g.pw + kx * g.dw;
            if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) acc[t] += gv * (double)xp[iy * g.w + ix];
        }
    }
    for (int t = 0; t < kk; t++) {
        part[threadIdx.x] = acc[t];
        __syncthreads();
        for (int s = blockDim.x / 2; s > 0; s >>= 1) {
            if (threadIdx.x < s) part[threadIdx.x] += part[threadIdx.x + s];
            __syncthreads();
        }
        if (threadIdx.x == 0) partial[((long long)c * chunks + chunk) * kk + t] = part[0];
        __syncthreads();
    }
}

// dw[c · kk + t] = Σ_chunk partial[(c · chunks + chunk) · kk + t], chunks in order; one thread per weight.
template <typename T>
__device__ void dw_tap_sum(const double* partial, T* dw, int weights, int kk, int chunks) {
    for (long long i = jm_thread_index(); i < weights; i += jm_thread_count()) {
        int c = (int)(i / kk), t = (int)(i % kk);
        double s = 0;
        for (int k = 0; k < chunks; k++) s += partial[((long long)c * chunks + k) * kk + t];
        dw[i] = (T)s;
    }
}

// ---- depthwise 3×3, stride 1, padding 1, float32, any layout: tiled through shared memory ---------
// One block of 256 threads per (n, 8 output rows × 32 output columns, 32 channels). The input tile
// (10 × 34 × 32 with its halo, zero outside the image) is loaded with the lanes along whichever of
// c or w has stride 1 in x (coalesced for NCHW and for channels-last NHWC views alike), and the
// outputs are written with the lanes along whichever of c or w has stride 1 in y. So a channels-last
// input is read without a transposing copy, and the output can take either layout. The channel
// dim of the tile is padded to 33 so that both lane directions are free of bank conflicts.
// flip = 1 uses the kernel rotated by 180°: the input gradient of this convolution (stride 1, pad 1).
// Strides are in elements; bias may be null.
#define JM_DWT_TC 32
#define JM_DWT_TH 8
#define JM_DWT_TW 32
extern "C" __global__ void dw3_tiled_f32(const float* x, long long xsn, long long xsc, long long xsh, long long xsw,
                                         const float* w, const float* bias, float* y,
                                         long long ysn, long long ysc, long long ysh, long long ysw,
                                         int C, int H, int W, int flip) {
    __shared__ float tile[JM_DWT_TH + 2][JM_DWT_TW + 2][JM_DWT_TC + 1];
    __shared__ float wt[JM_DWT_TC][9];
    int tilesW = (W + JM_DWT_TW - 1) / JM_DWT_TW;
    int x0 = (blockIdx.x % tilesW) * JM_DWT_TW, y0 = (blockIdx.x / tilesW) * JM_DWT_TH, c0 = blockIdx.y * JM_DWT_TC;
    const float* xn = x + (long long)blockIdx.z * xsn;
    float* yn = y + (long long)blockIdx.z * ysn;
    const int rows = JM_DWT_TH + 2, cols = JM_DWT_TW + 2;
    bool laneC = xsc == 1;
    for (int i = threadIdx.x; i < rows * cols * JM_DWT_TC; i += blockDim.x) {
        int c, col, row;
        if (laneC) { c = i % JM_DWT_TC; int r = i / JM_DWT_TC; col = r % cols; row = r / cols; }
        else { col = i % cols; int r = i / cols; c = r % JM_DWT_TC; row = r / JM_DWT_TC; }
        int iy = y0 - 1 + row, ix = x0 - 1 + col, cc = c0 + c;
        tile[row][col][c] = (iy >= 0 && iy < H && ix >= 0 && ix < W && cc < C) ? xn[cc * xsc + iy * xsh + ix * xsw] : 0.0f;
    }
    for (int i = threadIdx.x; i < JM_DWT_TC * 9; i += blockDim.x) {
        int c = i / 9, t = i % 9, cc = c0 + c;
        wt[c][t] = cc < C ? w[cc * 9 + (flip ? 8 - t : t)] : 0.0f;
    }
    __syncthreads();
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;   // 8 warps
    bool outLaneC = ysc == 1;
    for (int j = 0; j < JM_DWT_TC; j++) {
        int c, oy, ox;
        if (outLaneC) { c = lane; int p = warp + 8 * j; ox = p % JM_DWT_TW; oy = p / JM_DWT_TW; }
        else { ox = lane; oy = warp; c = j; }
        int gy = y0 + oy, gx = x0 + ox, cc = c0 + c;
        if (gy >= H || gx >= W || cc >= C) continue;
        float acc = bias != 0 ? bias[cc] : 0.0f;
#pragma unroll
        for (int ky = 0; ky < 3; ky++)
#pragma unroll
            for (int kx = 0; kx < 3; kx++) acc += wt[c][ky * 3 + kx] * tile[oy + ky][ox + kx][c];
        yn[cc * ysc + gy * ysh + gx * ysw] = acc;
    }
}

// The weight gradient of dw3_tiled: dw[c, t] = Σ_{n, oy, ox} gy[n, c, oy, ox] · x[n, c, oy − 1 + ky, ox − 1 + kx].
// One block per (n, 8 × 32 outputs, 16 channels) stages x (with halo) and gy in shared memory (lanes along
// the unit-stride dim of each), each thread sums 16 pixels of one channel for all 9 taps in float, the block
// adds its 16 pixel groups in a fixed order and writes one double per (channel, tap) to
// partial[(c · 9 + tap) · tiles + tile]; dw3_tile_sum adds the tiles (deterministic).
#define JM_DWG_TC 16
extern "C" __global__ void dw3_tiled_wgrad_f32(const float* gy, long long gsn, long long gsc, long long gsh, long long gsw,
                                               const float* x, long long xsn, long long xsc, long long xsh, long long xsw,
                                               double* partial, int C, int H, int W, int tiles) {
    __shared__ float xt[JM_DWT_TH + 2][JM_DWT_TW + 2][JM_DWG_TC + 1];
    __shared__ float gt[JM_DWT_TH][JM_DWT_TW][JM_DWG_TC + 1];
    int tilesW = (W + JM_DWT_TW - 1) / JM_DWT_TW, tilesHW = tilesW * ((H + JM_DWT_TH - 1) / JM_DWT_TH);
    int x0 = (blockIdx.x % tilesW) * JM_DWT_TW, y0 = (blockIdx.x / tilesW) * JM_DWT_TH, c0 = blockIdx.y * JM_DWG_TC;
    const float* xn = x + (long long)blockIdx.z * xsn;
    const float* gn = gy + (long long)blockIdx.z * gsn;
    const int rows = JM_DWT_TH + 2, cols = JM_DWT_TW + 2;
    bool laneC = xsc == 1;
    for (int i = threadIdx.x; i < rows * cols * JM_DWG_TC; i += blockDim.x) {
        int c, col, row;
        if (laneC) { c = i % JM_DWG_TC; int r = i / JM_DWG_TC; col = r % cols; row = r / cols; }
        else { col = i % cols; int r = i / cols; c = r % JM_DWG_TC; row = r / JM_DWG_TC; }
        int iy = y0 - 1 + row, ix = x0 - 1 + col, cc = c0 + c;
        xt[row][col][c] = (iy >= 0 && iy < H && ix >= 0 && ix < W && cc < C) ? xn[cc * xsc + iy * xsh + ix * xsw] : 0.0f;
    }
    bool gLaneC = gsc == 1;
    for (int i = threadIdx.x; i < JM_DWT_TH * JM_DWT_TW * JM_DWG_TC; i += blockDim.x) {
        int c, col, row;
        if (gLaneC) { c = i % JM_DWG_TC; int r = i / JM_DWG_TC; col = r % JM_DWT_TW; row = r / JM_DWT_TW; }
        else { col = i % JM_DWT_TW; int r = i / JM_DWT_TW; c = r % JM_DWG_TC; row = r / JM_DWG_TC; }
        int oy = y0 + row, ox = x0 + col, cc = c0 + c;
        gt[row][col][c] = (oy < H && ox < W && cc < C) ? gn[cc * gsc + oy * gsh + ox * gsw] : 0.0f;
    }
    __syncthreads();
    int c = threadIdx.x % JM_DWG_TC, group = threadIdx.x / JM_DWG_TC;   // 16 groups of pixels
    float acc[9];
#pragma unroll
    for (int t = 0; t < 9; t++) acc[t] = 0.0f;
    for (int p = group; p < JM_DWT_TH * JM_DWT_TW; p += 16) {
        int oy = p / JM_DWT_TW, ox = p % JM_DWT_TW;
        float g = gt[oy][ox][c];
#pragma unroll
        for (int t = 0; t < 9; t++) acc[t] += g * xt[oy + t / 3][ox + t % 3][c];
    }
    __syncthreads();                                  // xt is read by all: reuse it for the block's sums
    float* red = &xt[0][0][0];                        // red[(t · 16 + group) · 16 + c]
#pragma unroll
    for (int t = 0; t < 9; t++) red[(t * 16 + group) * JM_DWG_TC + c] = acc[t];
    __syncthreads();
    if (threadIdx.x < JM_DWG_TC * 9) {
        int cc = threadIdx.x % JM_DWG_TC, t = threadIdx.x / JM_DWG_TC;
        float s = 0.0f;
        for (int g = 0; g < 16; g++) s += red[(t * 16 + g) * JM_DWG_TC + cc];
        int ch = c0 + cc;
        long long tile = (long long)blockIdx.z * tilesHW + blockIdx.x;
        if (ch < C) partial[((long long)ch * 9 + t) * tiles + tile] = (double)s;
    }
}

// out[i] = Σ_tile partial[i · tiles + tile] for i < weights: one block of 256 threads per weight, thread j adds
// tiles j, j + 256, ... in order (coalesced reads), then a fixed tree over the 256 sums (deterministic).
extern "C" __global__ void dw3_tile_sum_f32(const double* partial, float* out, int weights, int tiles) {
    __shared__ double part[256];
    int i = blockIdx.x;
    if (i >= weights) return;
    const double* p = partial + (long long)i * tiles;
    double s = 0;
    for (int k = threadIdx.x; k < tiles; k += blockDim.x) s += p[k];
    part[threadIdx.x] = s;
    __syncthreads();
    for (int h = blockDim.x / 2; h > 0; h >>= 1) {
        if (threadIdx.x < h) part[threadIdx.x] += part[threadIdx.x + h];
        __syncthreads();
    }
    if (threadIdx.x == 0) out[i] = (float)part[0];
}
// ---- depthwise conv + bias + SiLU fused (DepthwiseConvSilu): y = silu(pre), pre = Σ w · x + bias[c] ----------------
// The fused depthwise conv + bias + SiLU kernels are in dw_silu.cu (DepthwiseSiluKernels.java).

#define JM_DW(TN, T)                                                                                          \
    extern "C" __global__ void dw_forward_##TN(const T* x, const T* w, T* y, JmConv g) { dw_forward<T>(x, w, y, g); } \
    extern "C" __global__ void dw_input_grad_##TN(const T* gy, const T* w, T* dx, JmConv g) {                 \
        dw_input_grad<T>(gy, w, dx, g);                                                                       \
    }                                                                                                         \
    extern "C" __global__ void dw_weight_grad_##TN(const T* gy, const T* x, T* dw, JmConv g) {                \
        dw_weight_grad<T>(gy, x, dw, g);                                                                      \
    }                                                                                                         \
    extern "C" __global__ void dw_weight_grad_chunks_##TN(const T* gy, const T* x, double* partial, JmConv g,  \
                                                          int chunks) {                                       \
        dw_weight_grad_chunks<T>(gy, x, partial, g, chunks);                                                  \
    }                                                                                                         \
    extern "C" __global__ void dw_forward_plane_##TN(const T* x, const T* w, T* y, JmConv g) {               \
        dw_forward_plane<T>(x, w, y, g);                                                                      \
    }                                                                                                         \
    extern "C" __global__ void dw_input_grad_plane_##TN(const T* gy, const T* w, T* dx, JmConv g) {           \
        dw_input_grad_plane<T>(gy, w, dx, g);                                                                 \
    }                                                                                                         \
    extern "C" __global__ void dw_tap_sum_##TN(const double* partial, T* dw, int weights, int kk, int chunks) { \
        dw_tap_sum<T>(partial, dw, weights, kk, chunks);                                                      \
    }
JM_DW(f32, float)
JM_DW(f64, double)

// c[t] (m, n, row-major, batch stride c_bs) = a[t] (m, k) @ b[t] (k, n) + beta * c[t], where
// a[t][i][p] = a[t * a_bs + i * a_rs + p * a_cs] and likewise for b: any strides, so transposed
// and broadcast operands need no copy. One thread per output element, k-loop in double.
extern "C" __global__ void gemm_f64(int batch, int m, int n, int k,
                                    const double* a, long long a_bs, long long a_rs, long long a_cs,
                                    const double* b, long long b_bs, long long b_rs, long long b_cs,
                                    double* c, long long c_bs, double beta) {
    long long total = (long long)batch * m * n;
    for (long long e = jm_thread_index(); e < total; e += jm_thread_count()) {
        int j = (int)(e % n);
        long long ti = e / n;
        int i = (int)(ti % m), t = (int)(ti / m);
        const double* ar = a + t * a_bs + i * a_rs;
        const double* bc = b + t * b_bs + j * b_cs;
        double acc = 0;
        for (int p = 0; p < k; p++) acc += ar[p * a_cs] * bc[p * b_rs];
        double* out = c + t * c_bs + (long long)i * n + j;
        *out = beta == 0.0 ? acc : acc + beta * *out;
    }
}
