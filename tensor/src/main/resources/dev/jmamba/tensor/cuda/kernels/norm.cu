// Layer norm and RMS norm over the last dim (NormKernels.java): one block per row of a
// contiguous (rows, c) input, statistics in double with a fixed reduction order (two passes
// over the row for the variance, like the CPU). weight and bias may be null.
#include "jm_common.cuh"

template <typename T>
__device__ void layer_norm(const T* x, const T* weight, const T* bias, T* y, T* mean_out, T* rstd_out,
                           int rows, int c, double eps) {
    __shared__ double shared[32];
    int row = blockIdx.x;
    if (row >= rows) return;
    const T* r = x + (long long)row * c;
    T* w = y + (long long)row * c;
    double s = 0;
    for (int i = threadIdx.x; i < c; i += blockDim.x) s += (double)r[i];
    double m = jm_block_sum(s, shared) / c;
    double v = 0;
    for (int i = threadIdx.x; i < c; i += blockDim.x) {
        double d = (double)r[i] - m;
        v += d * d;
    }
    double rs = 1.0 / sqrt(jm_block_sum(v, shared) / c + eps);
    for (int i = threadIdx.x; i < c; i += blockDim.x) {
        double o = ((double)r[i] - m) * rs;
        if (weight) o *= (double)weight[i];
        if (bias) o += (double)bias[i];
        w[i] = (T)o;
    }
    if (threadIdx.x == 0) {
        mean_out[row] = (T)m;
        rstd_out[row] = (T)rs;
    }
}

template <typename T>
__device__ void rms_norm(const T* x, const T* weight, T* y, T* rstd_out, int rows, int c, double eps) {
    __shared__ double shared[32];
    int row = blockIdx.x;
    if (row >= rows) return;
    const T* r = x + (long long)row * c;
    T* w = y + (long long)row * c;
    double ss = 0;
    for (int i = threadIdx.x; i < c; i += blockDim.x) {
        double v = (double)r[i];
        ss += v * v;
    }
    double rs = 1.0 / sqrt(jm_block_sum(ss, shared) / c + eps);
    for (int i = threadIdx.x; i < c; i += blockDim.x) {
        double o = (double)r[i] * rs;
        if (weight) o *= (double)weight[i];
        w[i] = (T)o;
    }
    if (threadIdx.x == 0) rstd_out[row] = (T)rs;
}

#define JM_NORM(TN, T)                                                                                     \
    extern "C" __global__ void layer_norm_##TN(const T* x, const T* weight, const T* bias, T* y, T* mean,  \
                                               T* rstd, int rows, int c, double eps) {                     \
        layer_norm<T>(x, weight, bias, y, mean, rstd, rows, c, eps);                                       \
    }                                                                                                      \
    extern "C" __global__ void rms_norm_##TN(const T* x, const T* weight, T* y, T* rstd, int rows, int c,  \
                                             double eps) {                                                 \
        rms_norm<T>(x, weight, y, rstd, rows, c, eps);                                                     \
    }
JM_NORM(f32, float)
JM_NORM(f64, double)
