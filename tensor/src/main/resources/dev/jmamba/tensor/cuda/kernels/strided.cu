// Element-wise kernels of the CUDA backend over arbitrary strided views (StridedKernels.java):
// copy with dtype conversion, fill, arange, unary, binary with broadcasting, where.
// Every kernel is a 1-D grid-stride loop over the output's n elements; element i is decoded
// into one offset per operand with jm_offset (shape and strides by value, at most 8 dims after
// the Java side merged contiguous dims). Arithmetic is done in double, like the CPU reference
// (UnaryOp.apply / BinaryOp.apply), except in the float4 contiguous float32 path.
#include "jm_common.cuh"

// Op codes are the ordinals of dev.jmamba.tensor.UnaryOp and BinaryOp.
enum JmUnary { U_NEG, U_EXP, U_LOG, U_SQRT, U_RSQRT, U_TANH, U_SIGMOID, U_SILU, U_GELU, U_GELU_TANH, U_SOFTPLUS,
               U_ABS, U_SIGN, U_CLAMP, U_RELU, U_SQUARE, U_RECIPROCAL, U_POW, U_SIN, U_COS, U_LOG1P, U_EXPM1,
               U_AFFINE, U_NONFINITE };
enum JmBinary { B_ADD, B_SUB, B_MUL, B_DIV, B_POW, B_MAX, B_MIN, B_EQ, B_NE, B_LT, B_LE, B_GT, B_GE };

__device__ __forceinline__ double jm_sigmoid(double x) {
    if (x >= 0) return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

__device__ double jm_unary(int op, double x, double p0, double p1) {
    switch (op) {
        case U_NEG: return -x;
        case U_EXP: return exp(x);
        case U_LOG: return log(x);
        case U_SQRT: return sqrt(x);
        case U_RSQRT: return 1.0 / sqrt(x);
        case U_TANH: return tanh(x);
        case U_SIGMOID: return jm_sigmoid(x);
        case U_SILU: return x * jm_sigmoid(x);
        case U_GELU: return 0.5 * x * (1.0 + erf(x * 0.70710678118654752440));
        case U_GELU_TANH: return 0.5 * x * (1.0 + tanh(0.79788456080286535588 * (x + 0.044715 * x * x * x)));
        case U_SOFTPLUS: return (x * p0 > p1) ? x : log1p(exp(x * p0)) / p0;
        case U_ABS: return fabs(x);
        case U_SIGN: return x > 0 ? 1.0 : (x < 0 ? -1.0 : x);  // keeps 0, -0 and NaN, like Math.signum
        case U_CLAMP: return isnan(x) ? x : fmin(fmax(x, p0), p1);
        case U_RELU: return x > 0 ? x : 0.0;
        case U_SQUARE: return x * x;
        case U_RECIPROCAL: return 1.0 / x;
        case U_POW: return pow(x, p0);
        case U_SIN: return sin(x);
        case U_COS: return cos(x);
        case U_LOG1P: return log1p(x);
        case U_EXPM1: return expm1(x);
        case U_AFFINE: return x * p0 + p1;
        default: return isfinite(x) ? 0.0 : 1.0;  // U_NONFINITE
    }
}

// d op(x)/dx for the smooth activations (UnaryOp.derivative): the fused activation backward.
__device__ double jm_unary_grad(int op, double x, double p0, double p1) {
    switch (op) {
        case U_TANH: { double t = tanh(x); return 1.0 - t * t; }
        case U_SIGMOID: { double s = jm_sigmoid(x); return s * (1.0 - s); }
        case U_SILU: { double s = jm_sigmoid(x); return s * (1.0 + x * (1.0 - s)); }
        case U_GELU: return 0.5 * (1.0 + erf(x * 0.70710678118654752440)) + x * exp(-0.5 * x * x) * 0.39894228040143267794;
        case U_GELU_TANH: {
            double t = tanh(0.79788456080286535588 * (x + 0.044715 * x * x * x));
            return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * 0.79788456080286535588 * (1.0 + 3.0 * 0.044715 * x * x);
        }
        default: return (x * p0 > p1) ? 1.0 : jm_sigmoid(x * p0);  // U_SOFTPLUS (the Java side admits no other op)
    }
}

__device__ double jm_binary(int op, double a, double b) {
    switch (op) {
        case B_ADD: return a + b;
        case B_SUB: return a - b;
        case B_MUL: return a * b;
        case B_DIV: return a / b;
        case B_POW: return pow(a, b);
        case B_MAX: return (isnan(a) || isnan(b)) ? a + b : fmax(a, b);  // NaN propagates, like Math.max
        case B_MIN: return (isnan(a) || isnan(b)) ? a + b : fmin(a, b);
        case B_EQ: return a == b ? 1.0 : 0.0;
        case B_NE: return a != b ? 1.0 : 0.0;
        case B_LT: return a < b ? 1.0 : 0.0;
        case B_LE: return a <= b ? 1.0 : 0.0;
        case B_GT: return a > b ? 1.0 : 0.0;
        default: return a >= b ? 1.0 : 0.0;  // B_GE
    }
}

// float arithmetic for the contiguous float32 path (each op correctly rounded; POW via double)
__device__ __forceinline__ float jm_binary_f(int op, float a, float b) {
    switch (op) {
        case B_ADD: return a + b;
        case B_SUB: return a - b;
        case B_MUL: return a * b;
        case B_DIV: return a / b;
        default: return (float)jm_binary(op, (double)a, (double)b);
    }
}

// ---- copy ---------------------------------------------------------------------------------

// Same dtype: moves raw words of 2, 4 or 8 bytes.
template <typename W>
__device__ void copy_same(const W* src, JmStrides ss, W* dst, JmStrides ds, JmShape shape, int n) {
    for (long long i = jm_thread_index(); i < n; i += jm_thread_count()) {
        dst[jm_offset(i, shape, ds)] = src[jm_offset(i, shape, ss)];
    }
}

// Different dtypes: through double, with the CPU's rounding and truncation rules.
template <typename S, typename D>
__device__ void copy_convert(const S* src, JmStrides ss, D* dst, JmStrides ds, JmShape shape, int n) {
    for (long long i = jm_thread_index(); i < n; i += jm_thread_count()) {
        jm_store(dst + jm_offset(i, shape, ds), jm_load(src + jm_offset(i, shape, ss)));
    }
}

#define JM_COPY_SAME(NAME, W)                                                                             \
    extern "C" __global__ void NAME(const W* src, JmStrides ss, W* dst, JmStrides ds, JmShape shape, int n) { \
        copy_same<W>(src, ss, dst, ds, shape, n);                                                         \
    }
JM_COPY_SAME(copy_b2, unsigned short)
JM_COPY_SAME(copy_b4, unsigned int)
JM_COPY_SAME(copy_b8, unsigned long long)

#define JM_COPY(SN, S, DN, D)                                                                                    \
    extern "C" __global__ void copy_##SN##_##DN(const S* src, JmStrides ss, D* dst, JmStrides ds, JmShape shape, \
                                               int n) {                                                          \
        copy_convert<S, D>(src, ss, dst, ds, shape, n);                                                          \
    }
#define JM_COPY_FROM(SN, S)                                       \
    JM_COPY(SN, S, f32, float) JM_COPY(SN, S, f64, double)        \
    JM_COPY(SN, S, i32, int) JM_COPY(SN, S, i64, long long)       \
    JM_COPY(SN, S, bf16, jm_bf16)
JM_COPY_FROM(f32, float)
JM_COPY_FROM(f64, double)
JM_COPY_FROM(i32, int)
JM_COPY_FROM(i64, long long)
JM_COPY_FROM(bf16, jm_bf16)

// Same dtype, a transposing copy: dst's innermost dim has stride 1 but src steps through it with a
// larger stride, and src's innermost dim is dim k (stride 1 in src). The plain copy above would read
// (or write) one element per 32-byte sector; here a block moves a 32×32 tile through shared memory,
// reading along dim k and writing along the last dim, both coalesced. The other dims (the "outer"
// index) are decoded once per tile. Block: 256 threads = 32 lanes × 8 rows.
template <typename W>
__device__ void copy_transpose(const W* src, JmStrides ss, W* dst, JmStrides ds, JmShape shape, int k) {
    __shared__ W tile[32][33];
    int last = shape.ndim - 1;
    int sizeA = shape.size[k], sizeB = shape.size[last];
    long long strideAs = ss.stride[k], strideBs = ss.stride[last], strideAd = ds.stride[k];
    int tilesA = (sizeA + 31) >> 5, tilesB = (sizeB + 31) >> 5;
    long long outer = 1;
    for (int d = 0; d < last; d++) if (d != k) outer *= shape.size[d];
    long long tiles = outer * tilesA * tilesB;
    int lane = threadIdx.x & 31, row = threadIdx.x >> 5;
    for (long long t = blockIdx.x; t < tiles; t += gridDim.x) {
        int tb = (int)(t % tilesB);
        long long rest = t / tilesB;
        int ta = (int)(rest % tilesA);
        long long o = rest / tilesA;
        long long soff = ss.offset, doff = ds.offset;
        for (int d = last - 1; d >= 0; d--) {
            if (d == k) continue;
            long long q = o / shape.size[d];
            int idx = (int)(o - q * shape.size[d]);
            soff += idx * ss.stride[d];
            doff += idx * ds.stride[d];
            o = q;
        }
        int a0 = ta << 5, b0 = tb << 5;
        for (int j = row; j < 32; j += 8) {     // read: lanes walk dim k (stride 1 in src)
            int a = a0 + lane, b = b0 + j;
            if (a < sizeA && b < sizeB) tile[j][lane] = src[soff + a * strideAs + b * strideBs];
        }
        __syncthreads();
        for (int j = row; j < 32; j += 8) {     // write: lanes walk the last dim (stride 1 in dst)
            int a = a0 + j, b = b0 + lane;
            if (a < sizeA && b < sizeB) dst[doff + a * strideAd + b] = tile[lane][j];
        }
        __syncthreads();
    }
}

#define JM_COPY_TRANSPOSE(NAME, W)                                                                      \
    extern "C" __global__ void NAME(const W* src, JmStrides ss, W* dst, JmStrides ds, JmShape shape, int k) { \
        copy_transpose<W>(src, ss, dst, ds, shape, k);                                                  \
    }
JM_COPY_TRANSPOSE(copy_transpose_b2, unsigned short)
JM_COPY_TRANSPOSE(copy_transpose_b4, unsigned int)
JM_COPY_TRANSPOSE(copy_transpose_b8, unsigned long long)

// Contiguous float32 <-> bf16 casts (autocast's operand casts), 4 elements per thread and step when
// the pointers allow 16-byte float4 and 8-byte ushort4 moves; the same rounding as jm_store.
extern "C" __global__ void cast_contig_f32_bf16(const float* src, jm_bf16* dst, int n) {
    long long first = jm_thread_index(), step = jm_thread_count(), done = 0;
    if ((reinterpret_cast<unsigned long long>(src) & 15ull) == 0 && (reinterpret_cast<unsigned long long>(dst) & 7ull) == 0) {
        long long n4 = n >> 2;
        const float4* s4 = reinterpret_cast<const float4*>(src);
        ushort4* d4 = reinterpret_cast<ushort4*>(dst);
        for (long long i = first; i < n4; i += step) {
            float4 v = s4[i];
            d4[i] = make_ushort4(jm_float_to_bf16(v.x), jm_float_to_bf16(v.y), jm_float_to_bf16(v.z), jm_float_to_bf16(v.w));
        }
        done = n4 << 2;
    }
    for (long long i = done + first; i < n; i += step) dst[i] = jm_float_to_bf16(src[i]);
}

extern "C" __global__ void cast_contig_bf16_f32(const jm_bf16* src, float* dst, int n) {
    long long first = jm_thread_index(), step = jm_thread_count(), done = 0;
    if ((reinterpret_cast<unsigned long long>(src) & 7ull) == 0 && (reinterpret_cast<unsigned long long>(dst) & 15ull) == 0) {
        long long n4 = n >> 2;
        const ushort4* s4 = reinterpret_cast<const ushort4*>(src);
        float4* d4 = reinterpret_cast<float4*>(dst);
        for (long long i = first; i < n4; i += step) {
            ushort4 v = s4[i];
            d4[i] = make_float4(jm_bf16_to_float(v.x), jm_bf16_to_float(v.y), jm_bf16_to_float(v.z), jm_bf16_to_float(v.w));
        }
        done = n4 << 2;
    }
    for (long long i = done + first; i < n; i += step) dst[i] = jm_bf16_to_float(src[i]);
}

// ---- fill and arange ----------------------------------------------------------------------

#define JM_FILL(DN, D)                                                                                      \
    extern "C" __global__ void fill_##DN(D* dst, JmStrides ds, JmShape shape, int n, double value) {        \
        D v;                                                                                                \
        jm_store(&v, value);                                                                                \
        for (long long i = jm_thread_index(); i < n; i += jm_thread_count()) dst[jm_offset(i, shape, ds)] = v; \
    }                                                                                                       \
    extern "C" __global__ void arange_##DN(D* dst, int n, double start, double step) {                     \
        for (long long i = jm_thread_index(); i < n; i += jm_thread_count()) jm_store(dst + i, start + i * step); \
    }
JM_FILL(f32, float)
JM_FILL(f64, double)
JM_FILL(i32, int)
JM_FILL(i64, long long)
JM_FILL(bf16, jm_bf16)

// ---- unary, binary, where (compute types float and double; output contiguous) ---------------

#define JM_ARITH(TN, T)                                                                                   \
    extern "C" __global__ void unary_##TN(const T* x, JmStrides xs, T* y, JmShape shape, int n, int op,   \
                                          double p0, double p1) {                                         \
        for (long long i = jm_thread_index(); i < n; i += jm_thread_count())                              \
            y[i] = (T)jm_unary(op, (double)x[jm_offset(i, shape, xs)], p0, p1);                           \
    }                                                                                                     \
    extern "C" __global__ void unary_grad_##TN(const T* x, JmStrides xs, const T* gy, JmStrides gs, T* out, \
                                               JmShape shape, int n, int op, double p0, double p1) {      \
        for (long long i = jm_thread_index(); i < n; i += jm_thread_count())                              \
            out[i] = (T)((double)gy[jm_offset(i, shape, gs)]                                              \
                         * jm_unary_grad(op, (double)x[jm_offset(i, shape, xs)], p0, p1));                \
    }                                                                                                     \
    extern "C" __global__ void binary_##TN(const T* a, JmStrides as, const T* b, JmStrides bs, T* out,    \
                                           JmShape shape, int n, int op) {                                \
        for (long long i = jm_thread_index(); i < n; i += jm_thread_count())                              \
            out[i] = (T)jm_binary(op, (double)a[jm_offset(i, shape, as)], (double)b[jm_offset(i, shape, bs)]); \
    }
JM_ARITH(f32, float)
JM_ARITH(f64, double)

// ---- contiguous float32 activations in float arithmetic -----------------------------------
// The strided kernels above compute in double (bit-for-bit the CPU reference's formulas); for the
// large contiguous float32 tensors of a training step that double arithmetic (erf, exp) is the
// bottleneck, not memory. These kernels compute in float with CUDA's single-precision functions
// (max errors from the CUDA C Programming Guide: expf 2 ulp, erfcf 4 ulp, tanhf 2 ulp, log1pf 1 ulp)
// in forms that avoid cancellation (erfc for the GELU CDF, sigmoid from exp(−|x|), sech² from
// exp(−2|x|)). Ops without a float form here go through the double formulas.
__device__ __forceinline__ float jm_sigmoid_f(float x) {
    float e = expf(-fabsf(x));                 // in (0, 1]: no overflow
    float s = 1.0f / (1.0f + e);
    return x >= 0.0f ? s : e * s;
}

__device__ __forceinline__ float jm_unary_f(int op, float x, float p0, float p1) {
    switch (op) {
        case U_NEG: return -x;
        case U_EXP: return expf(x);
        case U_TANH: return tanhf(x);
        case U_SIGMOID: return jm_sigmoid_f(x);
        case U_SILU: return x * jm_sigmoid_f(x);
        case U_GELU: return 0.5f * x * erfcf(-0.70710678118654752440f * x);
        case U_GELU_TANH:                            // ½x(1 + tanh u) = x · sigmoid(2u)
            return x * jm_sigmoid_f(1.59576912160573071176f * (x + 0.044715f * x * x * x));
        case U_SOFTPLUS: return (x * p0 > p1) ? x : log1pf(expf(x * p0)) / p0;
        case U_RELU: return x > 0.0f ? x : 0.0f;
        case U_SQUARE: return x * x;
        case U_AFFINE: return x * p0 + p1;
        default: return (float)jm_unary(op, (double)x, (double)p0, (double)p1);
    }
}

// d op(x)/dx in float for the ops of unary_grad (tanh, sigmoid, silu, gelu, gelu_tanh, softplus).
__device__ __forceinline__ float jm_unary_grad_f(int op, float x, float p0, float p1) {
    switch (op) {
        case U_TANH: {                               // sech²(x) = 4e / (1 + e)², e = exp(−2|x|)
            float e = expf(-2.0f * fabsf(x)), d = 1.0f + e;
            return 4.0f * e / (d * d);
        }
        case U_SIGMOID: {                            // s(1 − s) = e / (1 + e)², e = exp(−|x|)
            float e = expf(-fabsf(x)), d = 1.0f + e;
            return e / (d * d);
        }
        case U_SILU: {                               // s · (1 + x · s(−x))
            float s = jm_sigmoid_f(x), sn = jm_sigmoid_f(-x);
            return s * (1.0f + x * sn);
        }
        case U_GELU:                                 // Φ(x) + x · φ(x)
            return 0.5f * erfcf(-0.70710678118654752440f * x) + x * expf(-0.5f * x * x) * 0.39894228040143267794f;
        case U_GELU_TANH: {
            float u = 0.79788456080286535588f * (x + 0.044715f * x * x * x);
            float e = expf(-2.0f * fabsf(u)), d = 1.0f + e, sech2 = 4.0f * e / (d * d);
            return jm_sigmoid_f(2.0f * u) + 0.5f * x * sech2 * 0.79788456080286535588f * (1.0f + 3.0f * 0.044715f * x * x);
        }
        default: return (x * p0 > p1) ? 1.0f : jm_sigmoid_f(x * p0);   // U_SOFTPLUS
    }
}

// y[i] = op(x[i]) over n contiguous floats; float4 moves when both pointers are 16-byte aligned.
extern "C" __global__ void unary_contig_f32(const float* x, float* y, int n, int op, double p0d, double p1d) {
    float p0 = (float)p0d, p1 = (float)p1d;
    long long first = jm_thread_index(), step = jm_thread_count(), done = 0;
    if (((reinterpret_cast<unsigned long long>(x) | reinterpret_cast<unsigned long long>(y)) & 15ull) == 0) {
        long long n4 = n >> 2;
        const float4* x4 = reinterpret_cast<const float4*>(x);
        float4* y4 = reinterpret_cast<float4*>(y);
        for (long long i = first; i < n4; i += step) {
            float4 v = x4[i], r;
            r.x = jm_unary_f(op, v.x, p0, p1);
            r.y = jm_unary_f(op, v.y, p0, p1);
            r.z = jm_unary_f(op, v.z, p0, p1);
            r.w = jm_unary_f(op, v.w, p0, p1);
            y4[i] = r;
        }
        done = n4 << 2;
    }
    for (long long i = done + first; i < n; i += step) y[i] = jm_unary_f(op, x[i], p0, p1);
}

// out[i] = gy[i] · op'(x[i]) over n contiguous floats.
extern "C" __global__ void unary_grad_contig_f32(const float* x, const float* gy, float* out, int n, int op,
                                                 double p0d, double p1d) {
    float p0 = (float)p0d, p1 = (float)p1d;
    long long first = jm_thread_index(), step = jm_thread_count(), done = 0;
    if (((reinterpret_cast<unsigned long long>(x) | reinterpret_cast<unsigned long long>(gy)
          | reinterpret_cast<unsigned long long>(out)) & 15ull) == 0) {
        long long n4 = n >> 2;
        const float4* x4 = reinterpret_cast<const float4*>(x);
        const float4* g4 = reinterpret_cast<const float4*>(gy);
        float4* o4 = reinterpret_cast<float4*>(out);
        for (long long i = first; i < n4; i += step) {
            float4 v = x4[i], g = g4[i], r;
            r.x = g.x * jm_unary_grad_f(op, v.x, p0, p1);
            r.y = g.y * jm_unary_grad_f(op, v.y, p0, p1);
            r.z = g.z * jm_unary_grad_f(op, v.z, p0, p1);
            r.w = g.w * jm_unary_grad_f(op, v.w, p0, p1);
            o4[i] = r;
        }
        done = n4 << 2;
    }
    for (long long i = done + first; i < n; i += step) out[i] = gy[i] * jm_unary_grad_f(op, x[i], p0, p1);
}

// ---- the autocast MLP's activation (Backend.biasActivationBf16 / activationGradBf16) ----------------------
// Over rows of n contiguous columns: pre = bf16(x + bias[col]) and act = bf16(op(pre)) — the bias add, the
// activation and both roundings in one pass, the activation taken of the rounded pre-activation (as PyTorch under
// autocast applies it to a bf16 Linear output). x is float32 with a bias, or the bf16 pre-activation itself (bias
// and pre null: the backward's recomputation). vec (the launcher's check: n a multiple of 4, pointers aligned):
// four columns per step (a row never splits a quad; one vector load of x and of bias, 8-byte bf16 stores);
// total < 2^31 (the launcher checks).
__device__ __forceinline__ float jm_widen(float v) { return v; }
__device__ __forceinline__ float jm_widen(jm_bf16 v) { return jm_bf16_to_float(v); }

template <typename T>
__device__ __forceinline__ void jm_bias_act_one(const T* x, const float* bias, jm_bf16* pre, jm_bf16* act, int i, int n,
                                                int op) {
    float v = jm_widen(x[i]);
    if (bias) v += bias[i % n];
    jm_bf16 p = jm_float_to_bf16(v);
    if (pre) pre[i] = p;
    act[i] = jm_float_to_bf16(jm_unary_f(op, jm_bf16_to_float(p), 0.f, 0.f));
}

__device__ __forceinline__ void jm_load4(const float* x, float (&v)[4]) {
    float4 f = *reinterpret_cast<const float4*>(x);
    v[0] = f.x; v[1] = f.y; v[2] = f.z; v[3] = f.w;
}
__device__ __forceinline__ void jm_load4(const jm_bf16* x, float (&v)[4]) {
    ushort4 u = *reinterpret_cast<const ushort4*>(x);
    v[0] = jm_bf16_to_float(u.x); v[1] = jm_bf16_to_float(u.y); v[2] = jm_bf16_to_float(u.z); v[3] = jm_bf16_to_float(u.w);
}

template <typename T>
__device__ void jm_bias_act(const T* x, const float* bias, jm_bf16* pre, jm_bf16* act, int total, int n, int op, int vec) {
    long long first = jm_thread_index(), step = jm_thread_count();
    if (vec) {
        for (long long q = first; q < total / 4; q += step) {
            int i = (int)q * 4;
            float v[4];
            jm_load4(x + i, v);
            if (bias) {
                float4 b = *reinterpret_cast<const float4*>(bias + i % n);
                v[0] += b.x; v[1] += b.y; v[2] += b.z; v[3] += b.w;
            }
            jm_bf16 p[4], a[4];
            #pragma unroll
            for (int j = 0; j < 4; j++) {
                p[j] = jm_float_to_bf16(v[j]);
                a[j] = jm_float_to_bf16(jm_unary_f(op, jm_bf16_to_float(p[j]), 0.f, 0.f));
            }
            if (pre) *reinterpret_cast<ushort4*>(pre + i) = make_ushort4(p[0], p[1], p[2], p[3]);
            *reinterpret_cast<ushort4*>(act + i) = make_ushort4(a[0], a[1], a[2], a[3]);
        }
        return;
    }
    for (long long i = first; i < total; i += step) jm_bias_act_one(x, bias, pre, act, (int)i, n, op);
}

extern "C" __global__ void bias_act_f32_bf16(const float* x, const float* bias, jm_bf16* pre, jm_bf16* act, int total,
                                             int n, int op, int vec) {
    jm_bias_act(x, bias, pre, act, total, n, op, vec);
}

extern "C" __global__ void bias_act_bf16_bf16(const jm_bf16* x, const float* bias, jm_bf16* pre, jm_bf16* act, int total,
                                              int n, int op, int vec) {
    jm_bias_act(x, bias, pre, act, total, n, op, vec);
}

// out = gy · op'(pre) in float32 for a bf16 pre-activation and a float32 gradient (contiguous, same length).
extern "C" __global__ void act_grad_bf16(const jm_bf16* pre, const float* gy, float* out, int total, int op) {
    for (long long i = jm_thread_index(); i < total; i += jm_thread_count())
        out[i] = gy[i] * jm_unary_grad_f(op, jm_bf16_to_float(pre[i]), 0.f, 0.f);
}

// Backend.residualAdd: out = x + (y + bias[i % c]) · scale[i / per_sample], each step rounded to float (__fadd_rn /
// __fmul_rn: no contraction into a fused multiply-add, so the bits of the separate add, mul and add kernels).
extern "C" __global__ void residual_add_f32(const float* x, const float* y, const float* bias, const float* scale,
                                            float* out, int total, int per_sample, int c) {
    for (long long at = jm_thread_index(); at < total; at += jm_thread_count()) {
        int i = (int)at;   // total < 2^31: 32-bit index arithmetic
        float v = y[i];
        if (bias) v = __fadd_rn(v, bias[i % c]);
        if (scale) v = __fmul_rn(v, scale[i / per_sample]);
        out[i] = __fadd_rn(x[i], v);
    }
}

// Contiguous float32 binary op, 16-byte float4 loads and stores when all three pointers are
// 16-byte aligned (allocator blocks at offset 0 are), the tail one element at a time.
// out may alias a or b (each index is read before it is written), so no __restrict__.
// OP >= 0 is a compile-time op (the switch folds away); OP < 0 reads the op at run time.
template <int OP>
__device__ __forceinline__ void binary_contig_loop(const float* a, const float* b, float* out, int n, int op) {
    const int o = OP >= 0 ? OP : op;
    long long first = jm_thread_index(), step = jm_thread_count(), done = 0;
    bool aligned = ((reinterpret_cast<unsigned long long>(a) | reinterpret_cast<unsigned long long>(b)
                     | reinterpret_cast<unsigned long long>(out)) & 15ull) == 0;
    if (aligned) {
        long long n4 = n >> 2;
        const float4* a4 = reinterpret_cast<const float4*>(a);
        const float4* b4 = reinterpret_cast<const float4*>(b);
        float4* o4 = reinterpret_cast<float4*>(out);
        for (long long i = first; i < n4; i += step) {
            float4 x = a4[i], y = b4[i], r;
            r.x = jm_binary_f(o, x.x, y.x);
            r.y = jm_binary_f(o, x.y, y.y);
            r.z = jm_binary_f(o, x.z, y.z);
            r.w = jm_binary_f(o, x.w, y.w);
            o4[i] = r;
        }
        done = n4 << 2;
    }
    for (long long i = done + first; i < n; i += step) out[i] = jm_binary_f(o, a[i], b[i]);
}

extern "C" __global__ void binary_contig_f32(const float* a, const float* b, float* out, int n, int op) {
    switch (op) {   // the four arithmetic ops get loops without a per-element switch
        case B_ADD: binary_contig_loop<B_ADD>(a, b, out, n, op); return;
        case B_SUB: binary_contig_loop<B_SUB>(a, b, out, n, op); return;
        case B_MUL: binary_contig_loop<B_MUL>(a, b, out, n, op); return;
        case B_DIV: binary_contig_loop<B_DIV>(a, b, out, n, op); return;
        default: binary_contig_loop<-1>(a, b, out, n, op);
    }
}

// Float32 binary op over a loop of at most three merged dims (d0, d1, d2), out contiguous: operand
// element (i, j, k) at off + i * s0 + j * s1 + k * s2 (stride 0 broadcasts). Two 32-bit divisions per
// element instead of jm_offset's per-dim divisions for each operand, and float arithmetic (the same
// bits: each op is correctly rounded either way): a Linear's bias add ((N, C) + (C)), a conv's bias
// ((N, O, HW) + (1, O, 1)), drop path's per-sample scale ((B, L) * (B, 1)), transposes. out may alias a or b.
struct JmStrides3 {
    long long off, s0, s1, s2;
};

template <int OP>
__device__ __forceinline__ void binary_3d_loop(const float* a, JmStrides3 as, const float* b, JmStrides3 bs,
                                               float* out, int d1, int d2, int n, int op) {
    const int o = OP >= 0 ? OP : op;
    const unsigned int u1 = (unsigned int)d1, u2 = (unsigned int)d2;
    for (long long e = jm_thread_index(); e < n; e += jm_thread_count()) {
        unsigned int ue = (unsigned int)e, q = ue / u2, k = ue - q * u2, i = q / u1, j = q - i * u1;
        out[e] = jm_binary_f(o, a[as.off + (long long)i * as.s0 + (long long)j * as.s1 + (long long)k * as.s2],
                                b[bs.off + (long long)i * bs.s0 + (long long)j * bs.s1 + (long long)k * bs.s2]);
    }
}

extern "C" __global__ void binary_3d_f32(const float* a, JmStrides3 as, const float* b, JmStrides3 bs,
                                         float* out, int d1, int d2, int n, int op) {
    switch (op) {
        case B_ADD: binary_3d_loop<B_ADD>(a, as, b, bs, out, d1, d2, n, op); return;
        case B_SUB: binary_3d_loop<B_SUB>(a, as, b, bs, out, d1, d2, n, op); return;
        case B_MUL: binary_3d_loop<B_MUL>(a, as, b, bs, out, d1, d2, n, op); return;
        case B_DIV: binary_3d_loop<B_DIV>(a, as, b, bs, out, d1, d2, n, op); return;
        default: binary_3d_loop<-1>(a, as, b, bs, out, d1, d2, n, op);
    }
}

// Contiguous float32 copy with float4 moves (used for dtype-preserving contiguous copies whose
// pointers are 16-byte aligned; cuMemcpyDtoDAsync covers the others).
extern "C" __global__ void copy_contig_f32(const float* src, float* dst, int n) {
    long long first = jm_thread_index(), step = jm_thread_count();
    long long n4 = n >> 2;
    const float4* s4 = reinterpret_cast<const float4*>(src);
    float4* d4 = reinterpret_cast<float4*>(dst);
    for (long long i = first; i < n4; i += step) d4[i] = s4[i];
    for (long long i = (n4 << 2) + first; i < n; i += step) dst[i] = src[i];
}

#define JM_WHERE(CN, C, TN, T)                                                                             \
    extern "C" __global__ void where_##CN##_##TN(const C* cond, JmStrides cs, const T* a, JmStrides as,    \
                                                 const T* b, JmStrides bs, T* out, JmShape shape, int n) { \
        for (long long i = jm_thread_index(); i < n; i += jm_thread_count())                               \
            out[i] = cond[jm_offset(i, shape, cs)] != (C)0 ? a[jm_offset(i, shape, as)] : b[jm_offset(i, shape, bs)]; \
    }
JM_WHERE(f32, float, f32, float)
JM_WHERE(f64, double, f32, float)
JM_WHERE(f64, double, f64, double)
