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
