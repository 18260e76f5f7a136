// Pooling and interpolation of the CUDA backend (ResampleKernels.java), with the same taps as
// the CPU's ResampleCpu: out[oy][ox] = sum_a sum_b wy[oy][a] * wx[ox][b] * in[iy[oy][a]][ix[ox][b]],
// each axis described by a JmAxis. Forward: one thread per output element, a gather in double.
// Backward: one thread per gradient element, atomicAdd into a float64 buffer (the Java side
// converts it to the result dtype afterwards).
#include "jm_common.cuh"

enum JmTapKind { K_NEAREST, K_BILINEAR, K_BICUBIC, K_AVGPOOL, K_ADAPTIVE };

// One axis of a resampling (28 bytes): input and output sizes; kernel, stride and padding for
// average pooling; align_corners for interpolation.
struct JmAxis {
    int kind, in, out, k, stride, pad, align_corners;
};

__device__ __forceinline__ double jm_cubic1(double x) { return ((-0.75 + 2) * x - (-0.75 + 3)) * x * x + 1; }
__device__ __forceinline__ double jm_cubic2(double x) {
    const double a = -0.75;
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
}

__device__ __forceinline__ double jm_interp_scale(const JmAxis& a) {
    if (a.align_corners) return a.out > 1 ? (a.in - 1) / (double)(a.out - 1) : 0.0;
    return a.in / (double)a.out;
}

// Number of taps of output coordinate o.
__device__ int jm_tap_count(const JmAxis& a, int o) {
    switch (a.kind) {
        case K_NEAREST: return 1;
        case K_BILINEAR: return 2;
        case K_BICUBIC: return 4;
        case K_AVGPOOL: {
            int start = o * a.stride - a.pad;
            int lo = max(start, 0), hi = min(start + a.k, a.in);
            return max(0, hi - lo);
        }
        default: {
            int lo = (int)floor(o * (double)a.in / a.out), hi = (int)ceil((o + 1) * (double)a.in / a.out);
            return hi - lo;
        }
    }
}

// Input index and weight of tap j of output coordinate o.
__device__ void jm_tap(const JmAxis& a, int o, int j, int* index, double* weight) {
    switch (a.kind) {
        case K_NEAREST:
            *index = min((int)floor(o * (a.in / (double)a.out)), a.in - 1);
            *weight = 1.0;
            return;
        case K_BILINEAR: {
            double scale = jm_interp_scale(a);
            double src = a.align_corners ? o * scale : fmax(0.0, (o + 0.5) * scale - 0.5);
            int i0 = min((int)floor(src), a.in - 1);
            double l = src - i0;
            *index = j == 0 ? i0 : min(i0 + 1, a.in - 1);
            *weight = j == 0 ? 1 - l : l;
            return;
        }
        case K_BICUBIC: {
            double scale = jm_interp_scale(a);
            double src = a.align_corners ? o * scale : (o + 0.5) * scale - 0.5;
            int i = (int)floor(src);
            double t = src - i;
            *index = min(max(i - 1 + j, 0), a.in - 1);
            *weight = j == 0 ? jm_cubic2(t + 1) : j == 1 ? jm_cubic1(t) : j == 2 ? jm_cubic1(1 - t) : jm_cubic2(2 - t);
            return;
        }
        case K_AVGPOOL: {
            int start = o * a.stride - a.pad;
            *index = max(start, 0) + j;
            *weight = 1.0 / a.k;
            return;
        }
        default: {
            int lo = (int)floor(o * (double)a.in / a.out), hi = (int)ceil((o + 1) * (double)a.in / a.out);
            *index = lo + j;
            *weight = 1.0 / (hi - lo);
            return;
        }
    }
}

// x (planes, ay.in, ax.in) contiguous -> y (planes, ay.out, ax.out).
template <typename T>
__device__ void resample_forward(const T* x, T* y, int planes, JmAxis ay, JmAxis ax) {
    long long total = (long long)planes * ay.out * ax.out;
    for (long long e = jm_thread_index(); e < total; e += jm_thread_count()) {
        int ox = (int)(e % ax.out);
        long long rest = e / ax.out;
        int oy = (int)(rest % ay.out), plane = (int)(rest / ay.out);
        const T* img = x + (long long)plane * ay.in * ax.in;
        int ny = jm_tap_count(ay, oy), nx = jm_tap_count(ax, ox);
        double acc = 0;
        for (int a = 0; a < ny; a++) {
            int iy;
            double wy;
            jm_tap(ay, oy, a, &iy, &wy);
            for (int b = 0; b < nx; b++) {
                int ix;
                double wx;
                jm_tap(ax, ox, b, &ix, &wx);
                acc += wy * wx * (double)img[(long long)iy * ax.in + ix];
            }
        }
        y[e] = (T)acc;
    }
}

// gy (planes, ay.out, ax.out) contiguous; dx (planes, ay.in, ax.in) float64, zeroed by the caller.
template <typename T>
__device__ void resample_backward(const T* gy, double* dx, int planes, JmAxis ay, JmAxis ax) {
    long long total = (long long)planes * ay.out * ax.out;
    for (long long e = jm_thread_index(); e < total; e += jm_thread_count()) {
        int ox = (int)(e % ax.out);
        long long rest = e / ax.out;
        int oy = (int)(rest % ay.out), plane = (int)(rest / ay.out);
        double* img = dx + (long long)plane * ay.in * ax.in;
        double g = (double)gy[e];
        int ny = jm_tap_count(ay, oy), nx = jm_tap_count(ax, ox);
        for (int a = 0; a < ny; a++) {
            int iy;
            double wy;
            jm_tap(ay, oy, a, &iy, &wy);
            for (int b = 0; b < nx; b++) {
                int ix;
                double wx;
                jm_tap(ax, ox, b, &ix, &wx);
                atomicAdd(img + (long long)iy * ax.in + ix, wy * wx * g);
            }
        }
    }
}

#define JM_RESAMPLE(TN, T)                                                                                 \
    extern "C" __global__ void resample_forward_##TN(const T* x, T* y, int planes, JmAxis ay, JmAxis ax) {  \
        resample_forward<T>(x, y, planes, ay, ax);                                                         \
    }                                                                                                      \
    extern "C" __global__ void resample_backward_##TN(const T* gy, double* dx, int planes, JmAxis ay,      \
                                                      JmAxis ax) {                                         \
        resample_backward<T>(gy, dx, planes, ay, ax);                                                      \
    }
JM_RESAMPLE(f32, float)
JM_RESAMPLE(f64, double)
