// Fused in-place optimizer updates (OptimKernels.java): one grid-stride kernel per parameter.
// The factors arrive in double and are rounded once to the element type; every operation uses
// the round-to-nearest intrinsics, which the compiler never contracts into a fused multiply-add
// (NVRTC contracts plain a*b + c by default), so results match the CPU backend bit for bit.
#include "jm_common.cuh"

__device__ __forceinline__ float jm_mul(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ float jm_add(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ float jm_sub(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ float jm_div(float a, float b) { return __fdiv_rn(a, b); }
__device__ __forceinline__ float jm_sqrt(float a) { return __fsqrt_rn(a); }
__device__ __forceinline__ double jm_mul(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ double jm_add(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ double jm_sub(double a, double b) { return __dsub_rn(a, b); }
__device__ __forceinline__ double jm_div(double a, double b) { return __ddiv_rn(a, b); }
__device__ __forceinline__ double jm_sqrt(double a) { return __dsqrt_rn(a); }

// AdamW: m = m*b1 + g*(1-b1); v = v*b2 + (g*g)*(1-b2); p = p*decay - (m / (sqrt(v)*inv_sqrt_bias2 + eps)) * step_size.
template <typename T>
__device__ void jm_adamw(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ v, int n,
                         double decay_d, double beta1_d, double one_minus_beta1_d, double beta2_d, double one_minus_beta2_d,
                         double inv_sqrt_bias2_d, double eps_d, double step_size_d) {
    const T decay = (T)decay_d, beta1 = (T)beta1_d, one_minus_beta1 = (T)one_minus_beta1_d;
    const T beta2 = (T)beta2_d, one_minus_beta2 = (T)one_minus_beta2_d;
    const T inv_sqrt_bias2 = (T)inv_sqrt_bias2_d, eps = (T)eps_d, step_size = (T)step_size_d;
    for (long long i = jm_thread_index(); i < n; i += jm_thread_count()) {
        T gi = g[i];
        T mi = jm_add(jm_mul(m[i], beta1), jm_mul(gi, one_minus_beta1));
        T vi = jm_add(jm_mul(v[i], beta2), jm_mul(jm_mul(gi, gi), one_minus_beta2));
        T denom = jm_add(jm_mul(jm_sqrt(vi), inv_sqrt_bias2), eps);
        m[i] = mi;
        v[i] = vi;
        p[i] = jm_sub(jm_mul(p[i], decay), jm_mul(jm_div(mi, denom), step_size));
    }
}

extern "C" __global__ void adamw_update_f32(float* p, const float* g, float* m, float* v, int n, double decay, double beta1,
                                            double one_minus_beta1, double beta2, double one_minus_beta2,
                                            double inv_sqrt_bias2, double eps, double step_size) {
    jm_adamw<float>(p, g, m, v, n, decay, beta1, one_minus_beta1, beta2, one_minus_beta2, inv_sqrt_bias2, eps, step_size);
}

extern "C" __global__ void adamw_update_f64(double* p, const double* g, double* m, double* v, int n, double decay, double beta1,
                                            double one_minus_beta1, double beta2, double one_minus_beta2,
                                            double inv_sqrt_bias2, double eps, double step_size) {
    jm_adamw<double>(p, g, m, v, n, decay, beta1, one_minus_beta1, beta2, one_minus_beta2, inv_sqrt_bias2, eps, step_size);
}

// The same AdamW step with its eight factors read from device memory, f = (decay, beta1, 1-beta1, beta2,
// 1-beta2, inv_sqrt_bias2, eps, step_size) in double: a CUDA graph replays fixed kernel arguments, so
// per-step values (lr, bias corrections) are written into f before each replay instead. A NaN step size
// means the step was called off on the device (e.g. a non-finite gradient): p, m and v stay as they are.
extern "C" __global__ void adamw_update_dev_f32(float* p, const float* g, float* m, float* v, int n, const double* f) {
    if (isnan(f[7])) return;
    jm_adamw<float>(p, g, m, v, n, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
}

extern "C" __global__ void adamw_update_dev_f64(double* p, const double* g, double* m, double* v, int n, const double* f) {
    if (isnan(f[7])) return;
    jm_adamw<double>(p, g, m, v, n, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
}

// Up to JM_ADAMW_LIST AdamW steps in one launch (grid (x, count): blockIdx.y picks the tensor, the x blocks stride
// over its elements), each exactly as adamw_update / adamw_update_dev: the same element-wise operations, so the same
// bits. Tensor t is F64 when f64[t], else F32; its factors are sets[set[t]] (host factors) or, with on_device,
// the 8 doubles at f[t] (a NaN step size there calls that tensor's step off). The list travels by value
// (3840 bytes, under the 4 KB parameter limit), so a captured graph replays it as it is.
#define JM_ADAMW_LIST 64
#define JM_ADAMW_SETS 8
struct JmAdamwList {
    unsigned long long p[JM_ADAMW_LIST], g[JM_ADAMW_LIST], m[JM_ADAMW_LIST], v[JM_ADAMW_LIST], f[JM_ADAMW_LIST];
    int n[JM_ADAMW_LIST];
    int set[JM_ADAMW_LIST];
    int f64[JM_ADAMW_LIST];
    double sets[JM_ADAMW_SETS][8];
};

extern "C" __global__ void adamw_update_list(JmAdamwList list, int on_device) {
    const int t = blockIdx.y;
    const double* f = on_device ? (const double*)list.f[t] : list.sets[list.set[t]];
    if (on_device && isnan(f[7])) return;
    if (list.f64[t]) {
        jm_adamw<double>((double*)list.p[t], (const double*)list.g[t], (double*)list.m[t], (double*)list.v[t], list.n[t],
                         f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
    } else {
        jm_adamw<float>((float*)list.p[t], (const float*)list.g[t], (float*)list.m[t], (float*)list.v[t], list.n[t],
                        f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
    }
}

// Flags of sgd_update (OptimKernels.java packs them the same way).
#define JM_SGD_DECAYED 1
#define JM_SGD_NESTEROV 2
#define JM_SGD_FIRST 4

// SGD: d = g (+ p*wd); buf = first ? d : buf*mu + d*(1-dampening); d = nesterov ? d + buf*mu : buf; p = p - d*lr.
// buf is null without momentum.
template <typename T>
__device__ void jm_sgd(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ buf, int n, double lr_d, double momentum_d,
                       double one_minus_dampening_d, double weight_decay_d, int flags) {
    const T lr = (T)lr_d, momentum = (T)momentum_d, one_minus_dampening = (T)one_minus_dampening_d, weight_decay = (T)weight_decay_d;
    const bool decayed = flags & JM_SGD_DECAYED, nesterov = flags & JM_SGD_NESTEROV, first = flags & JM_SGD_FIRST;
    for (long long i = jm_thread_index(); i < n; i += jm_thread_count()) {
        T pi = p[i];
        T d = decayed ? jm_add(g[i], jm_mul(pi, weight_decay)) : g[i];
        if (buf != nullptr) {
            T bi = first ? d : jm_add(jm_mul(buf[i], momentum), jm_mul(d, one_minus_dampening));
            buf[i] = bi;
            d = nesterov ? jm_add(d, jm_mul(bi, momentum)) : bi;
        }
        p[i] = jm_sub(pi, jm_mul(d, lr));
    }
}

extern "C" __global__ void sgd_update_f32(float* p, const float* g, float* buf, int n, double lr, double momentum,
                                          double one_minus_dampening, double weight_decay, int flags) {
    jm_sgd<float>(p, g, buf, n, lr, momentum, one_minus_dampening, weight_decay, flags);
}

extern "C" __global__ void sgd_update_f64(double* p, const double* g, double* buf, int n, double lr, double momentum,
                                          double one_minus_dampening, double weight_decay, int flags) {
    jm_sgd<double>(p, g, buf, n, lr, momentum, one_minus_dampening, weight_decay, flags);
}

// The same SGD step with its four factors read from device memory, f = (lr, momentum, 1-dampening, weight decay).
// A NaN lr calls the step off (p and buf stay as they are).
extern "C" __global__ void sgd_update_dev_f32(float* p, const float* g, float* buf, int n, const double* f, int flags) {
    if (isnan(f[0])) return;
    jm_sgd<float>(p, g, buf, n, f[0], f[1], f[2], f[3], flags);
}

extern "C" __global__ void sgd_update_dev_f64(double* p, const double* g, double* buf, int n, const double* f, int flags) {
    if (isnan(f[0])) return;
    jm_sgd<double>(p, g, buf, n, f[0], f[1], f[2], f[3], flags);
}

// Sums of squares of up to JM_SUMSQ_LIST contiguous tensors in one launch, for the global gradient norm
// without a squared copy of each gradient: block t squares and sums tensor t in double (f64[t] says
// whether it holds doubles or floats) and writes out[base + t]; blockDim.x a multiple of 32. The block
// reduction has a fixed order, so a run repeats its bits (the CPU backend sums sequentially).
// The list travels by value as a kernel argument (1 KB), so no pointer table is uploaded and a captured
// graph keeps working.
#define JM_SUMSQ_LIST 64
struct JmSumSqList {
    unsigned long long ptr[JM_SUMSQ_LIST];
    int n[JM_SUMSQ_LIST];
    int f64[JM_SUMSQ_LIST];
};

extern "C" __global__ void sum_squares_list(JmSumSqList list, double* out, int base) {
    __shared__ double shared[32];
    const int t = blockIdx.x, n = list.n[t];
    double s = 0.0;
    if (list.f64[t]) {
        const double* x = (const double*)list.ptr[t];
        for (int i = threadIdx.x; i < n; i += blockDim.x) s = __dadd_rn(s, __dmul_rn(x[i], x[i]));
    } else {
        const float* x = (const float*)list.ptr[t];
        for (int i = threadIdx.x; i < n; i += blockDim.x) {
            double v = (double)x[i];
            s = __dadd_rn(s, __dmul_rn(v, v));
        }
    }
    s = jm_block_sum(s, shared);
    if (threadIdx.x == 0) out[base + t] = s;
}
