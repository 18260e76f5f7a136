// The fused depthwise conv2d + bias + SiLU of SS2D and its pre-activation gradient (DepthwiseSiluKernels.java).
#include "jm_common.cuh"

// Forward writes only y; the backward recomputes pre from x (kh·kw multiply-adds per output) and writes
// gpre = gy · silu'(pre), which the plain input/weight-gradient kernels then take. Sigmoid in T's precision.
template <typename T> __device__ __forceinline__ T dw_sigmoid(T v);
template <> __device__ __forceinline__ float dw_sigmoid<float>(float v) { return 1.0f / (1.0f + expf(-v)); }
template <> __device__ __forceinline__ double dw_sigmoid<double>(double v) { return 1.0 / (1.0 + exp(-v)); }

// pre-activation of output (oy, ox) of channel c from its input plane xp (h·w values, global or shared)
template <typename T>
__device__ __forceinline__ T dw_pre(const T* xp, const T* w, const T* bias, int c, int oy, int ox, JmConv g) {
    const T* wp = w + (long long)c * g.kh * g.kw;
    T acc = bias ? bias[c] : (T)0;
    for (int ky = 0; ky < g.kh; ky++) {
        int iy = oy * g.sh - g.ph + ky * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        for (int kx = 0; kx < g.kw; kx++) {
            int ix = ox * g.sw - g.pw + kx * g.dw;
            if (ix >= 0 && ix < g.w) acc += wp[ky * g.kw + kx] * xp[iy * g.w + ix];
        }
    }
    return acc;
}

// gy is null for the forward (writes silu(pre) to out) and set for the backward (writes gy · silu'(pre)).
template <typename T>
__device__ __forceinline__ T dw_silu_out(T pre, const T* gy, long long e) {
    T s = dw_sigmoid<T>(pre);
    return gy ? gy[e] * s * ((T)1 + pre * ((T)1 - s)) : pre * s;
}

// one thread per output, x read from global memory
template <typename T>
__device__ void dw_silu(const T* x, const T* w, const T* bias, const T* gy, T* out, JmConv g) {
    long long total = (long long)g.n * g.c * g.oh * g.ow;
    for (long long e = jm_thread_index(); e < total; e += jm_thread_count()) {
        int ox = (int)(e % g.ow);
        long long rest = e / g.ow;
        int oy = (int)(rest % g.oh);
        long long nc = rest / g.oh;
        int c = (int)(nc % g.c);
        out[e] = dw_silu_out<T>(dw_pre<T>(x + nc * g.h * g.w, w, bias, c, oy, ox, g), gy, e);
    }
}

// one block per (n, c) plane staged in shared memory (as dw_forward_plane)
template <typename T>
__device__ void dw_silu_plane(const T* x, const T* w, const T* bias, const T* gy, T* out, JmConv g) {
    extern __shared__ unsigned char dw_shared_bytes[];
    T* plane = reinterpret_cast<T*>(dw_shared_bytes);
    long long nc = blockIdx.x;
    int c = (int)(nc % g.c), hw = g.h * g.w, ohw = g.oh * g.ow;
    const T* xp = x + nc * hw;
    for (int i = threadIdx.x; i < hw; i += blockDim.x) plane[i] = xp[i];
    __syncthreads();
    for (int e = threadIdx.x; e < ohw; e += blockDim.x) {
        long long at = nc * ohw + e;
        out[at] = dw_silu_out<T>(dw_pre<T>(plane, w, bias, c, e / g.ow, e % g.ow, g), gy, at);
    }
}

// 3×3, stride 1, padding 1, dilation 1 (SS2D's conv in VMamba and FractalMamba): the plane is staged with a zero
// border ((h + 2)·(w + 2) values) so no tap needs a bounds check, and the 9 weights sit in registers. The taps are
// added in dw_pre's order with the same fused multiply-adds; a tap on the border adds w·0, which leaves the sum
// unchanged, so the results are dw_silu_plane's bits (up to the sign of an exact zero).
template <typename T>
__device__ void dw3_silu_plane(const T* x, const T* w, const T* bias, const T* gy, T* out, JmConv g) {
    extern __shared__ unsigned char dw_shared_bytes[];
    T* plane = reinterpret_cast<T*>(dw_shared_bytes);
    long long nc = blockIdx.x;
    int c = (int)(nc % g.c), width = g.w, pw = g.w + 2, hw = g.h * g.w, padded = (g.h + 2) * pw;
    const T* xp = x + nc * hw;
    for (int i = threadIdx.x; i < padded; i += blockDim.x) {
        int py = i / pw, px = i - py * pw;
        plane[i] = (py >= 1 && py <= g.h && px >= 1 && px <= width) ? xp[(py - 1) * width + px - 1] : (T)0;
    }
    const T* wp = w + (long long)c * 9;
    T k0 = wp[0], k1 = wp[1], k2 = wp[2], k3 = wp[3], k4 = wp[4], k5 = wp[5], k6 = wp[6], k7 = wp[7], k8 = wp[8];
    T b = bias ? bias[c] : (T)0;
    __syncthreads();
    for (int e = threadIdx.x; e < hw; e += blockDim.x) {
        int oy = e / width, ox = e - oy * width;
        const T* p = plane + oy * pw + ox;
        T acc = b;
        acc += k0 * p[0];
        acc += k1 * p[1];
        acc += k2 * p[2];
        acc += k3 * p[pw];
        acc += k4 * p[pw + 1];
        acc += k5 * p[pw + 2];
        acc += k6 * p[2 * pw];
        acc += k7 * p[2 * pw + 1];
        acc += k8 * p[2 * pw + 2];
        long long at = nc * hw + e;
        out[at] = dw_silu_out<T>(acc, gy, at);
    }
}

#define JM_DW_SILU(TN, T)                                                                                     \
    extern "C" __global__ void dw_silu_##TN(const T* x, const T* w, const T* bias, const T* gy, T* out,       \
                                            JmConv g) {                                                       \
        dw_silu<T>(x, w, bias, gy, out, g);                                                                   \
    }                                                                                                         \
    extern "C" __global__ void dw_silu_plane_##TN(const T* x, const T* w, const T* bias, const T* gy, T* out, \
                                                  JmConv g) {                                                 \
        dw_silu_plane<T>(x, w, bias, gy, out, g);                                                             \
    }                                                                                                         \
    extern "C" __global__ void dw3_silu_plane_##TN(const T* x, const T* w, const T* bias, const T* gy, T* out,\
                                                   JmConv g) {                                                \
        dw3_silu_plane<T>(x, w, bias, gy, out, g);                                                            \
    }
JM_DW_SILU(f32, float)
JM_DW_SILU(f64, double)

// ---- 3×3 stride-1 padding-1 on groups of planes: forward, and the whole backward in one pass ---------------------
// A block of 8 warps takes `per` = 8 / group consecutive (n, c) planes, `group` warps per plane: one block per plane
// on 56×56 (group 8), eight planes per block on 14×14 and 7×7 (group 1), where a block per plane would leave most of
// its threads idle (dw3_silu_plane has 256 threads for 49 outputs there). Each plane is staged in shared memory with
// a zero border as in dw3_silu_plane, and pre is summed in its order, so y is dw3_silu_plane's bits. TX is the type
// of x and y: float, or bf16 (autocast's activations; float inside, y rounded once).
//
// The backward keeps everything of one plane on chip: gpre = gy · silu'(pre) (pre recomputed, dw_silu_out's
// formula) goes to a second bordered plane; then gx = the conv of gpre with the kernel rotated by 180° (the taps in
// dw3_tiled_f32's flip order: gx is the composition's bits) and the weight and bias sums
// Σ gpre · x(shifted), Σ gpre (float per thread, then double: warp butterfly and the plane's warps in order).
// They go to partial[(c · 9 + tap) · n + image] and partial[9 · c_total · n + c · n + image], which
// dw3_tile_sum_f32 (conv.cu) adds over the images in order. So gpre is never written to global memory, and x and gy
// are each read once (the composition reads gpre three times and x twice).
__device__ __forceinline__ float dw_f(float v) { return v; }
__device__ __forceinline__ float dw_f(jm_bf16 v) { return jm_bf16_to_float(v); }
__device__ __forceinline__ void dw_put(float* p, float v) { *p = v; }
__device__ __forceinline__ void dw_put(jm_bf16* p, float v) { *p = jm_float_to_bf16(v); }

// Stages planes first .. first + per - 1 (those < planes) of x into dst with a zero border: the block zeroes dst, then
// its threads copy the planes' h·w values (contiguous in x) with consecutive threads on consecutive values, so every
// lane has work even on 7×7 planes (a warp per row left 23 of 32 lanes idle there), four loads in flight per thread.
// A thread's (plane, row, column) advances by the block size with one carry per coordinate instead of divisions.
template <typename TX>
__device__ __forceinline__ void dw3_stage(const TX* __restrict__ x, float* dst, long long first, int per, long long planes,
                                          int h, int w) {
    int pw = w + 2, padded = (h + 2) * pw, hw = h * w, step = blockDim.x;
    for (int i = threadIdx.x; i < per * padded; i += step) dst[i] = 0.0f;
    __syncthreads();
    long long avail = planes - first;
    int count = (int)(avail < per ? avail : per) * hw;
    int s = threadIdx.x / hw, rest = threadIdx.x - s * hw, oy = rest / w, ox = rest - oy * w;
    int ds = step / hw, dy = (step - ds * hw) / w, dx = step - ds * hw - dy * w;
    const TX* src = x + first * hw;
#pragma unroll 4
    for (int i = threadIdx.x; i < count; i += step) {
        dst[s * padded + (oy + 1) * pw + ox + 1] = dw_f(src[i]);
        ox += dx;
        if (ox >= w) { ox -= w; oy++; }
        oy += dy;
        if (oy >= h) { oy -= h; s++; }
        s += ds;
    }
}

// pre of the output whose 3×3 window starts at p (bordered plane of row pitch pw), taps in dw3_silu_plane's order
__device__ __forceinline__ float dw3_window(const float* p, int pw, const float* k, float acc) {
    acc += k[0] * p[0];
    acc += k[1] * p[1];
    acc += k[2] * p[2];
    acc += k[3] * p[pw];
    acc += k[4] * p[pw + 1];
    acc += k[5] * p[pw + 2];
    acc += k[6] * p[2 * pw];
    acc += k[7] * p[2 * pw + 1];
    acc += k[8] * p[2 * pw + 2];
    return acc;
}

template <typename TX>
__device__ void dw3_planes_forward(const TX* __restrict__ x, const float* __restrict__ w, const float* __restrict__ bias,
                                   TX* __restrict__ y, long long planes, int c, int h, int wd, int group) {
    extern __shared__ float dw3_shared[];
    int per = 8 / group, pw = wd + 2, padded = (h + 2) * pw, hw = h * wd;
    long long first = (long long)blockIdx.x * per;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, slot = warp / group, part = warp - slot * group;
    long long plane = first + slot;
    bool live = plane < planes;
    // the plane's weights are loaded before the staging, so their latency overlaps the plane's loads
    int ch = live ? (int)((unsigned int)plane % (unsigned int)c) : 0;   // planes < 2^31: a 32-bit remainder
    float k[9];
#pragma unroll
    for (int t = 0; t < 9; t++) k[t] = live ? w[ch * 9 + t] : 0.0f;
    float b = live && bias ? bias[ch] : 0.0f;
    dw3_stage<TX>(x, dw3_shared, first, per, planes, h, wd);
    __syncthreads();
    if (!live) return;
    // this lane's outputs e0, e0 + step, ...: (row, column) advanced by step with one carry, not a division each
    int step = group * 32, e0 = part * 32 + lane, oy0 = e0 / wd, ox0 = e0 - oy0 * wd, dy = step / wd, dx = step - dy * wd;
    const float* pl = dw3_shared + slot * padded;
#pragma unroll 4
    for (int e = e0, oy = oy0, ox = ox0; e < hw; e += step) {
        float pre = dw3_window(pl + oy * pw + ox, pw, k, b);
        dw_put(y + plane * hw + e, pre * dw_sigmoid<float>(pre));   // dw_silu_out's forward
        ox += dx;
        if (ox >= wd) { ox -= wd; oy++; }
        oy += dy;
    }
}

template <typename TX>
__device__ void dw3_planes_backward(const float* __restrict__ gy, const TX* __restrict__ x, const float* __restrict__ w,
                                    const float* __restrict__ bias, float* __restrict__ gx, double* __restrict__ partial,
                                    long long planes, int c, int h, int wd, int group) {
    extern __shared__ float dw3_shared[];
    __shared__ double red[8][10];
    int per = 8 / group, pw = wd + 2, padded = (h + 2) * pw, hw = h * wd;
    float* xs = dw3_shared;
    float* gs = dw3_shared + per * padded;
    long long first = (long long)blockIdx.x * per;
    int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, slot = warp / group, part = warp - slot * group;
    long long plane = first + slot;
    bool live = plane < planes;
    int ch = live ? (int)((unsigned int)plane % (unsigned int)c) : 0;   // 32-bit: planes < 2^31
    float k[9];   // loaded before the staging (latencies overlap)
#pragma unroll
    for (int t = 0; t < 9; t++) k[t] = live ? w[ch * 9 + t] : 0.0f;
    float b = live && bias ? bias[ch] : 0.0f;
    dw3_stage<TX>(x, xs, first, per, planes, h, wd);
    for (int i = threadIdx.x; i < per * padded; i += blockDim.x) gs[i] = 0.0f;   // the border stays zero
    __syncthreads();
    // this lane's outputs e0, e0 + step, ...: (row, column) advanced by step with one carry, not a division each
    int step = group * 32, e0 = part * 32 + lane, oy0 = e0 / wd, ox0 = e0 - oy0 * wd, dy = step / wd, dx = step - dy * wd;
    const float* xp = xs + slot * padded;
    float* gp = gs + slot * padded;
    float acc[10];
#pragma unroll
    for (int t = 0; t < 10; t++) acc[t] = 0.0f;
    if (live) {
#pragma unroll 4
        for (int e = e0, oy = oy0, ox = ox0; e < hw; e += step) {
            float g = dw_silu_out<float>(dw3_window(xp + oy * pw + ox, pw, k, b), gy, plane * hw + e);
            gp[(oy + 1) * pw + ox + 1] = g;
            acc[9] += g;
            ox += dx;
            if (ox >= wd) { ox -= wd; oy++; }
            oy += dy;
        }
    }
    __syncthreads();
    if (live) {
        float flip[9];
#pragma unroll
        for (int t = 0; t < 9; t++) flip[t] = k[8 - t];
        for (int e = e0, oy = oy0, ox = ox0; e < hw; e += step) {
            const float* q = gp + oy * pw + ox;
            if (gx) gx[plane * hw + e] = dw3_window(q, pw, flip, 0.0f);
            float g = q[pw + 1];
            const float* p = xp + oy * pw + ox;
            acc[0] += g * p[0];
            acc[1] += g * p[1];
            acc[2] += g * p[2];
            acc[3] += g * p[pw];
            acc[4] += g * p[pw + 1];
            acc[5] += g * p[pw + 2];
            acc[6] += g * p[2 * pw];
            acc[7] += g * p[2 * pw + 1];
            acc[8] += g * p[2 * pw + 2];
            ox += dx;
            if (ox >= wd) { ox -= wd; oy++; }
            oy += dy;
        }
    }
    if (partial == 0) return;
#pragma unroll
    for (int t = 0; t < 10; t++) {
        double v = acc[t];
        for (int d = 16; d > 0; d >>= 1) v += __shfl_xor_sync(0xffffffffu, v, d);
        if (lane == 0) red[warp][t] = v;
    }
    __syncthreads();
    if (threadIdx.x < per * 10) {
        int s = threadIdx.x / 10, t = threadIdx.x - s * 10;
        long long pl = first + s;
        if (pl < planes) {
            double sum = 0;
            for (int q = 0; q < group; q++) sum += red[s * group + q][t];
            unsigned int n = (unsigned int)planes / (unsigned int)c, image = (unsigned int)pl / (unsigned int)c;
            int cc = (int)((unsigned int)pl - image * (unsigned int)c);
            long long row = t < 9 ? (long long)cc * 9 + t : 9LL * c + cc;
            partial[row * n + image] = sum;
        }
    }
}

#define JM_DW3_PLANES(TN, TX)                                                                                        \
    extern "C" __global__ void dw3_planes_forward_##TN(const TX* x, const float* w,                                  \
            const float* bias, TX* y, long long planes, int c, int h, int wd, int group) {                           \
        dw3_planes_forward<TX>(x, w, bias, y, planes, c, h, wd, group);                                              \
    }                                                                                                                \
    extern "C" __global__ void __launch_bounds__(256) dw3_planes_backward_##TN(const float* gy, const TX* x,         \
            const float* w, const float* bias, float* gx, double* partial, long long planes, int c, int h, int wd,   \
            int group) {                                                                                             \
        dw3_planes_backward<TX>(gy, x, w, bias, gx, partial, planes, c, h, wd, group);                               \
    }
JM_DW3_PLANES(f32, float)
JM_DW3_PLANES(bf16, jm_bf16)
