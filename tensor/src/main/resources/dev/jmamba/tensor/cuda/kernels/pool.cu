// Pooling and interpolation of the CUDA backend (ResampleKernels.java), with the same taps as
// the CPU's ResampleCpu: out[oy][ox] = sum_a sum_b wy[oy][a] * wx[ox][b] * in[iy[oy][a]][ix[ox][b]],
// each axis described by a JmAxis. Forward: one thread per output element, a gather in double.
// Backward: also a gather, one thread per input element: dx[iy][ix] = sum over the outputs (oy, ox)
// that have iy and ix among their taps of wy·wx·gy[oy][ox], in double, in increasing (oy, ox) order.
// No atomics, so the same bits on every run (a scatter with atomicAdd adds in thread order). The
// outputs reaching input i form a range found by binary search: for every kind the smallest and the
// largest tap index of output o never decrease as o grows (jm_tap_span). The tap helpers are also
// __host__ so that ResampleTapsHostTest can check them on the CPU against a brute-force scatter.
#include "jm_common.cuh"

enum JmTapKind { K_NEAREST, K_BILINEAR, K_BICUBIC, K_AVGPOOL, K_ADAPTIVE };

// One axis of a resampling (28 bytes): input and output sizes; kernel, stride and padding for
// average pooling; align_corners for interpolation.
struct JmAxis {
    int kind, in, out, k, stride, pad, align_corners;
};

__host__ __device__ __forceinline__ double jm_cubic1(double x) { return ((-0.75 + 2) * x - (-0.75 + 3)) * x * x + 1; }
__host__ __device__ __forceinline__ double jm_cubic2(double x) {
    const double a = -0.75;
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
}

__host__ __device__ __forceinline__ double jm_interp_scale(const JmAxis& a) {
    if (a.align_corners) return a.out > 1 ? (a.in - 1) / (double)(a.out - 1) : 0.0;
    return a.in / (double)a.out;
}

// Number of taps of output coordinate o.
__host__ __device__ int jm_tap_count(const JmAxis& a, int o) {
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
__host__ __device__ void jm_tap(const JmAxis& a, int o, int j, int* index, double* weight) {
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

// Smallest and largest input index among the taps of output o (the taps of one output are in
// increasing index order). An average-pooling window entirely in the padding has no taps: hi = lo - 1.
__host__ __device__ void jm_tap_span(const JmAxis& a, int o, int* lo, int* hi) {
    double w;
    jm_tap(a, o, 0, lo, &w);
    jm_tap(a, o, jm_tap_count(a, o) - 1, hi, &w);
}

// The outputs o0 .. o1 whose tap spans contain input i (o1 < o0: none): the first o with
// hi(o) >= i and the last with lo(o) <= i, by binary search over the nondecreasing spans.
__host__ __device__ void jm_outputs_reaching(const JmAxis& a, int i, int* o0, int* o1) {
    int lo, hi, first = 0, past = a.out;                   // first o with hi(o) >= i
    while (first < past) {
        int mid = (first + past) >> 1;
        jm_tap_span(a, mid, &lo, &hi);
        if (hi >= i) past = mid; else first = mid + 1;
    }
    int end = first, stop = a.out;                         // first o with lo(o) > i
    while (end < stop) {
        int mid = (end + stop) >> 1;
        jm_tap_span(a, mid, &lo, &hi);
        if (lo > i) stop = mid; else end = mid + 1;
    }
    *o0 = first;
    *o1 = end - 1;
}

// The weight output o gives input i (its taps at i summed: clamped taps may repeat an index);
// false when no tap of o is at i.
__host__ __device__ bool jm_weight_to(const JmAxis& a, int o, int i, double* weight) {
    int n = jm_tap_count(a, o);
    bool hit = false;
    double w = 0;
    for (int j = 0; j < n; j++) {
        int index;
        double wj;
        jm_tap(a, o, j, &index, &wj);
        if (index == i) { w += wj; hit = true; }
    }
    *weight = w;
    return hit;
}

// gy (planes, ay.out, ax.out) contiguous -> dx (planes, ay.in, ax.in) contiguous, every element written.
template <typename T>
__device__ void resample_backward(const T* gy, T* dx, int planes, JmAxis ay, JmAxis ax) {
    long long total = (long long)planes * ay.in * ax.in;
    for (long long e = jm_thread_index(); e < total; e += jm_thread_count()) {
        int ix = (int)(e % ax.in);
        long long rest = e / ax.in;
        int iy = (int)(rest % ay.in), plane = (int)(rest / ay.in);
        const T* g = gy + (long long)plane * ay.out * ax.out;
        int oy0, oy1, ox0, ox1;
        jm_outputs_reaching(ay, iy, &oy0, &oy1);
        jm_outputs_reaching(ax, ix, &ox0, &ox1);
        double acc = 0;
        for (int oy = oy0; oy <= oy1; oy++) {
            double wy;
            if (!jm_weight_to(ay, oy, iy, &wy)) continue;
            for (int ox = ox0; ox <= ox1; ox++) {
                double wx;
                if (jm_weight_to(ax, ox, ix, &wx)) acc += wy * wx * (double)g[(long long)oy * ax.out + ox];
            }
        }
        dx[e] = (T)acc;
    }
}

#define JM_RESAMPLE(TN, T)                                                                                 \
    extern "C" __global__ void resample_forward_##TN(const T* x, T* y, int planes, JmAxis ay, JmAxis ax) {  \
        resample_forward<T>(x, y, planes, ay, ax);                                                         \
    }                                                                                                      \
    extern "C" __global__ void resample_backward_##TN(const T* gy, T* dx, int planes, JmAxis ay,           \
                                                      JmAxis ax) {                                         \
        resample_backward<T>(gy, dx, planes, ay, ax);                                                      \
    }
JM_RESAMPLE(f32, float)
JM_RESAMPLE(f64, double)
