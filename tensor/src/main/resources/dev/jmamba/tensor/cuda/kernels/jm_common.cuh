// Shared definitions of the CUDA backend's kernel files. Each .cu file includes this header;
// nvcc finds it beside the file, and the Java side (CudaSources) pastes it in before NVRTC
// compiles the file (NVRTC gets no include path). Only built-ins, no system headers.
//
// Conventions: element counts and sizes are int (jmamba tensors hold < 2^31 elements);
// offsets are long long (strides may be negative). Strides are in elements.
#pragma once

#define JM_MAX_DIMS 8

// The shape of an element-wise loop after the Java side merged contiguous dims (36 bytes).
struct JmShape {
    int ndim;
    int size[JM_MAX_DIMS];
};

// One operand's element offset and strides over a JmShape (72 bytes); stride 0 broadcasts.
struct JmStrides {
    long long offset;
    long long stride[JM_MAX_DIMS];
};

// +infinity as a double (NVRTC has no <math.h>, so no INFINITY macro)
__device__ __forceinline__ double jm_inf() { return __longlong_as_double(0x7ff0000000000000LL); }

__device__ __forceinline__ long long jm_thread_index() { return (long long)blockIdx.x * blockDim.x + threadIdx.x; }
__device__ __forceinline__ long long jm_thread_count() { return (long long)gridDim.x * blockDim.x; }

// Element offset of linear (row-major) index i of `shape` for an operand with strides `t`.
__device__ __forceinline__ long long jm_offset(long long i, const JmShape& shape, const JmStrides& t) {
    long long off = t.offset;
    unsigned int rest = (unsigned int)i;
    for (int d = shape.ndim - 1; d >= 0; --d) {
        unsigned int n = (unsigned int)shape.size[d];
        unsigned int q = rest / n;
        off += (long long)(rest - q * n) * t.stride[d];
        rest = q;
    }
    return off;
}

// ---- bf16 (stored as raw 16-bit patterns) ---------------------------------------------------

__device__ __forceinline__ float jm_bf16_to_float(unsigned short b) { return __uint_as_float(((unsigned int)b) << 16); }

// Round to nearest even; NaN stays NaN (the same bit recipe as DType.toBf16).
__device__ __forceinline__ unsigned short jm_float_to_bf16(float f) {
    unsigned int bits = __float_as_uint(f);
    if ((bits & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((bits >> 16) | 0x40u);
    unsigned int rounding = 0x7fffu + ((bits >> 16) & 1u);
    return (unsigned short)((bits + rounding) >> 16);
}

typedef unsigned short jm_bf16;

// ---- loads and stores through double (the CPU backend's conversion semantics) ---------------

__device__ __forceinline__ double jm_load(const float* p) { return (double)*p; }
__device__ __forceinline__ double jm_load(const double* p) { return *p; }
__device__ __forceinline__ double jm_load(const int* p) { return (double)*p; }
__device__ __forceinline__ double jm_load(const long long* p) { return (double)*p; }
__device__ __forceinline__ double jm_load(const jm_bf16* p) { return (double)jm_bf16_to_float(*p); }

// Integer targets truncate toward zero and saturate, NaN -> 0 (like Java's casts).
__device__ __forceinline__ void jm_store(float* p, double v) { *p = (float)v; }
__device__ __forceinline__ void jm_store(double* p, double v) { *p = v; }
__device__ __forceinline__ void jm_store(int* p, double v) { *p = __double2int_rz(v); }
__device__ __forceinline__ void jm_store(long long* p, double v) { *p = __double2ll_rz(v); }
__device__ __forceinline__ void jm_store(jm_bf16* p, double v) { *p = jm_float_to_bf16((float)v); }

// ---- block reductions (blockDim.x a multiple of 32, at most 1024) ---------------------------

// Sum over the block; every thread gets the result. `shared` holds 32 doubles.
__device__ __forceinline__ double jm_block_sum(double v, double* shared) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    __syncthreads();
    if (lane == 0) shared[warp] = v;
    __syncthreads();
    int warps = blockDim.x >> 5;
    v = lane < warps ? shared[lane] : 0.0;
    if (warp == 0) for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    if (threadIdx.x == 0) shared[0] = v;
    __syncthreads();
    return shared[0];
}

// Sums each of v[0 .. V) over the 32 lanes of a warp (V a power of two, at most 32) by recursive halving, in a fixed
// order: at the step over lane bit b, a lane keeps the half of its values its bit b selects and adds the partner's
// copy of that half, so after log2 V steps lane l holds value (l >> (5 - log2 V)) & (V - 1) summed over the lanes
// that agree with l on those high bits, and a butterfly over the low bits completes it. V values cost V - 1 + 5 - log2 V
// shuffles instead of 5 V. Returns that value's total (the same in every lane that holds it).
template <typename S, int V>
__device__ __forceinline__ S jm_warp_sums(S (&v)[V]) {
    int lane = threadIdx.x & 31;
#pragma unroll
    for (int half = V / 2; half >= 1; half /= 2) {
        int bit = 32 * half / V;   // 16 at the first step, halving each step
        bool upper = (lane & bit) != 0;
#pragma unroll
        for (int k = 0; k < half; k++) {
            S send = upper ? v[k] : v[k + half], keep = upper ? v[k + half] : v[k];
            v[k] = keep + __shfl_xor_sync(0xffffffffu, send, bit);
        }
    }
    S total = v[0];
#pragma unroll
    for (int d = 16 / V; d > 0; d >>= 1) total += __shfl_xor_sync(0xffffffffu, total, d);
    return total;
}

// ---- the channel layer norm's per-block parameter sums (norm_channels.cu, norm_channels_vec.cu) ----------
// acc: [2c] weight, bias sums when partial; then [c] skip-weight sums when partial_skip (dynamic shared memory).

// Zeroes a block's sums; every thread of the block calls it (it synchronises).
__device__ __forceinline__ void jm_lnc_zero_sums(double* acc, bool partial, bool partial_skip, int c, int flat, int threads) {
    int nacc = (partial ? 2 * c : 0) + (partial_skip ? c : 0);
    for (int k = flat; k < nacc; k += threads) acc[k] = 0;
    __syncthreads();
}

// Writes block (i, blockIdx.y)'s sums to partial row i * parts + part ((rows, 2c) doubles: weight then bias) and the
// skip-weight sums to partial_skip row ((i % groups) * (n / groups) + i / groups) * parts + part ((rows, c) doubles),
// so each group's rows are contiguous; every thread of the block calls it (it synchronises first).
__device__ __forceinline__ void jm_lnc_write_sums(const double* acc, double* partial, double* partial_skip, int i, int n,
                                                  int c, int groups, int flat, int threads) {
    __syncthreads();
    if (partial) {
        long long row = (long long)i * gridDim.y + blockIdx.y;
        for (int k = flat; k < 2 * c; k += threads) partial[row * 2 * c + k] = acc[k];
    }
    if (partial_skip) {
        const double* acc_skip = acc + (partial ? 2 * c : 0);
        long long row = ((long long)(i % groups) * (n / groups) + i / groups) * gridDim.y + blockIdx.y;
        for (int k = flat; k < c; k += threads) partial_skip[row * c + k] = acc_skip[k];
    }
}

// ---- index errors, reported to the host at the next read (DeviceErrors.java) ---------------

// flag[0] = op code (first error wins), flag[1] = the bad index, flag[2] = the axis size, flag[3] = the axis.
__device__ __forceinline__ void jm_report_index(unsigned long long* flag, int op, long long index, int size, int axis) {
    if (atomicCAS(flag, 0ull, (unsigned long long)op) == 0ull) {
        flag[1] = (unsigned long long)index;
        flag[2] = (unsigned long long)size;
        flag[3] = (unsigned long long)axis;
    }
}

// ---- geometry of a conv2d (conv.cu, dw_silu.cu), passed by value (64 bytes) --------------------
// x (n, c, h, w), w (o, c / groups, kh, kw), y (n, o, oh, ow), stride (sh, sw), padding (ph, pw), dilation (dh, dw).
struct JmConv {
    int n, c, h, w, o, kh, kw, oh, ow, sh, sw, ph, pw, dh, dw, groups;
};
