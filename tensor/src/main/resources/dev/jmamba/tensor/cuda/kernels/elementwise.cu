// Elementwise float32 kernels for jmamba's CUDA backend. Compiled at run time by NVRTC
// (no #include: NVRTC provides the CUDA built-ins) and, in CI, by `nvcc --ptx` as a syntax check.
//
// Launch convention (see CudaKernels.java): 1-D grid-stride loops, 256 threads per block,
// at most 8 blocks per SM. Sizes are `long long` so arrays past 2^31 elements work.
// Contiguous kernels use 16-byte float4 loads/stores when every pointer is 16-byte aligned
// (always true for allocator blocks at offset 0) and finish the tail one float at a time.

#define JM_MAX_DIMS 8

// Shape and element strides of a strided binary op, passed by value (200 bytes).
// Broadcasting: a stride of 0 repeats the operand along that dimension.
// The output is contiguous (row-major) in `shape`. Layout mirrored in CudaKernels.packShape.
struct StridedShape {
    int ndim;
    int unused;
    long long shape[JM_MAX_DIMS];
    long long stride_a[JM_MAX_DIMS];
    long long stride_b[JM_MAX_DIMS];
};

__device__ __forceinline__ long long jm_thread_index() {
    return (long long)blockIdx.x * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ long long jm_thread_count() {
    return (long long)gridDim.x * blockDim.x;
}

__device__ __forceinline__ bool jm_aligned16(const void* p) {
    return (reinterpret_cast<unsigned long long>(p) & 15ull) == 0;
}

// ---- binary operators ---------------------------------------------------------------------

struct AddOp { __device__ static float apply(float a, float b) { return a + b; } };
struct SubOp { __device__ static float apply(float a, float b) { return a - b; } };
struct MulOp { __device__ static float apply(float a, float b) { return a * b; } };
struct DivOp { __device__ static float apply(float a, float b) { return a / b; } };

// out may alias a or b (same index read then written), so no __restrict__.
template <typename Op>
__device__ void binary_contiguous(const float* a, const float* b, float* out, long long n) {
    long long first = jm_thread_index();
    long long step = jm_thread_count();
    long long done = 0;
    if (jm_aligned16(a) && jm_aligned16(b) && jm_aligned16(out)) {
        long long n4 = n >> 2;
        const float4* a4 = reinterpret_cast<const float4*>(a);
        const float4* b4 = reinterpret_cast<const float4*>(b);
        float4* out4 = reinterpret_cast<float4*>(out);
        for (long long i = first; i < n4; i += step) {
            float4 x = a4[i];
            float4 y = b4[i];
            float4 r;
            r.x = Op::apply(x.x, y.x);
            r.y = Op::apply(x.y, y.y);
            r.z = Op::apply(x.z, y.z);
            r.w = Op::apply(x.w, y.w);
            out4[i] = r;
        }
        done = n4 << 2;
    }
    for (long long i = done + first; i < n; i += step) out[i] = Op::apply(a[i], b[i]);
}

template <typename Op>
__device__ void binary_strided(const float* a, const float* b, float* out, long long n, const StridedShape& s) {
    for (long long i = jm_thread_index(); i < n; i += jm_thread_count()) {
        long long rest = i;
        long long offset_a = 0;
        long long offset_b = 0;
        for (int d = s.ndim - 1; d >= 0; --d) {
            long long index = rest % s.shape[d];
            rest /= s.shape[d];
            offset_a += index * s.stride_a[d];
            offset_b += index * s.stride_b[d];
        }
        out[i] = Op::apply(a[offset_a], b[offset_b]);
    }
}

#define JM_BINARY(NAME, OP)                                                                          \
    extern "C" __global__ void NAME##_f32(const float* a, const float* b, float* out, long long n) { \
        binary_contiguous<OP>(a, b, out, n);                                                         \
    }                                                                                                \
    extern "C" __global__ void NAME##_strided_f32(const float* a, const float* b, float* out,        \
                                                  long long n, StridedShape shape) {                 \
        binary_strided<OP>(a, b, out, n, shape);                                                     \
    }

JM_BINARY(add, AddOp)
JM_BINARY(sub, SubOp)
JM_BINARY(mul, MulOp)
JM_BINARY(div, DivOp)

// ---- unary operators ----------------------------------------------------------------------

struct ExpOp { __device__ static float apply(float x) { return expf(x); } };
struct LogOp { __device__ static float apply(float x) { return logf(x); } };
struct TanhOp { __device__ static float apply(float x) { return tanhf(x); } };
struct SigmoidOp { __device__ static float apply(float x) { return 1.0f / (1.0f + expf(-x)); } };
struct SiluOp { __device__ static float apply(float x) { return x / (1.0f + expf(-x)); } };
// exact GELU (erf form), as torch.nn.functional.gelu's default
struct GeluOp { __device__ static float apply(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); } };
// softplus with PyTorch's threshold: linear above 20 where log1p(exp(x)) == x in float
struct SoftplusOp { __device__ static float apply(float x) { return x > 20.0f ? x : log1pf(expf(x)); } };

template <typename Op>
__device__ void unary_contiguous(const float* x, float* y, long long n) {
    long long first = jm_thread_index();
    long long step = jm_thread_count();
    long long done = 0;
    if (jm_aligned16(x) && jm_aligned16(y)) {
        long long n4 = n >> 2;
        const float4* x4 = reinterpret_cast<const float4*>(x);
        float4* y4 = reinterpret_cast<float4*>(y);
        for (long long i = first; i < n4; i += step) {
            float4 v = x4[i];
            float4 r;
            r.x = Op::apply(v.x);
            r.y = Op::apply(v.y);
            r.z = Op::apply(v.z);
            r.w = Op::apply(v.w);
            y4[i] = r;
        }
        done = n4 << 2;
    }
    for (long long i = done + first; i < n; i += step) y[i] = Op::apply(x[i]);
}

#define JM_UNARY(NAME, OP)                                                                     \
    extern "C" __global__ void unary_##NAME##_f32(const float* x, float* y, long long n) {     \
        unary_contiguous<OP>(x, y, n);                                                         \
    }

JM_UNARY(exp, ExpOp)
JM_UNARY(log, LogOp)
JM_UNARY(tanh, TanhOp)
JM_UNARY(sigmoid, SigmoidOp)
JM_UNARY(silu, SiluOp)
JM_UNARY(gelu, GeluOp)
JM_UNARY(softplus, SoftplusOp)

// ---- fill ---------------------------------------------------------------------------------

extern "C" __global__ void fill_f32(float* out, float value, long long n) {
    long long first = jm_thread_index();
    long long step = jm_thread_count();
    long long done = 0;
    if (jm_aligned16(out)) {
        long long n4 = n >> 2;
        float4* out4 = reinterpret_cast<float4*>(out);
        float4 v = make_float4(value, value, value, value);
        for (long long i = first; i < n4; i += step) out4[i] = v;
        done = n4 << 2;
    }
    for (long long i = done + first; i < n; i += step) out[i] = value;
}

// ---- sum reduction ------------------------------------------------------------------------

// partial[blockIdx.x] = sum of the elements this block visits (grid-stride). Run it twice:
// once over x with G blocks into G partials, then with one block over the G partials.
// No atomics, so the result is the same on every run. blockDim.x must be a multiple of 32.
extern "C" __global__ void sum_partial_f32(const float* x, float* partial, long long n) {
    __shared__ float warp_sums[32];
    float acc = 0.0f;
    for (long long i = jm_thread_index(); i < n; i += jm_thread_count()) acc += x[i];
    for (int offset = 16; offset > 0; offset >>= 1) acc += __shfl_down_sync(0xffffffffu, acc, offset);
    int lane = threadIdx.x & 31;
    int warp = threadIdx.x >> 5;
    if (lane == 0) warp_sums[warp] = acc;
    __syncthreads();
    if (warp == 0) {
        int warps = (blockDim.x + 31) >> 5;
        acc = lane < warps ? warp_sums[lane] : 0.0f;
        for (int offset = 16; offset > 0; offset >>= 1) acc += __shfl_down_sync(0xffffffffu, acc, offset);
        if (lane == 0) partial[blockIdx.x] = acc;
    }
}
