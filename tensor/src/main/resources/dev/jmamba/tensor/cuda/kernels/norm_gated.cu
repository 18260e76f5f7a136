// ---- Layer norm over the last dim gated by SiLU(z) -------------------------------------------------------------
//   y = (xhat weight + bias) silu(z),   xhat = (x - mean) rstd over each row of c channels
// Backward, with g = gy silu(z) weight:
//   gx = rstd (g - mean(g) - xhat mean(g xhat)),   gz = gy (xhat weight + bias) silu'(z)
//   gWeight = sum over rows of gy silu(z) xhat,     gBias = sum over rows of gy silu(z)   (partial sums + column_sum)
// z's rows are z_row elements apart (contiguous channels), so a channel slice of a wider tensor is read in place.
// The gate's sigmoid in T's precision (expf for float), everything else in double.
// TX, the type of x, z and y: T, or bf16 with T = float (autocast's activations: bf16 x and z read as they are, y
// written as bf16 for the product that reads it; statistics, parameters, gy and gradients float32).
// Two layouts: float32 rows of up to GatedNormKernels.MAX_WARP_CHANNELS take one warp per row (FractalMamba's out_norm:
// B·H·W rows of d_inner = 160 .. 1280, where one block per row spends its time in two block-wide reductions with
// __syncthreads per row); float64 and wider rows take one block per row.
#include "jm_common.cuh"

template <typename T> __device__ __forceinline__ double jm_gate_sigmoid(T z);
template <> __device__ __forceinline__ double jm_gate_sigmoid<float>(float z) { return (double)(1.0f / (1.0f + expf(-z))); }
template <> __device__ __forceinline__ double jm_gate_sigmoid<double>(double z) { return 1.0 / (1.0 + exp(-z)); }

// v silu(z) = v z sigmoid(z): the output of a normalised value v = xhat weight + bias, and gy silu(z) in the backward.
template <typename T>
__device__ __forceinline__ double jm_gated_out(double o, T zv) { return o * (double)zv * jm_gate_sigmoid<T>(zv); }

// One element's backward: returns gy silu(z) (the gradient reaching xhat weight + bias); *gz = gy (xhat w + b) silu'(z).
template <typename T>
__device__ __forceinline__ double jm_gated_grads(double gyv, double xhat, T zv, double w, double b, double* gz) {
    double sg = jm_gate_sigmoid<T>(zv), zd = (double)zv;
    *gz = gyv * (xhat * w + b) * sg * (1.0 + zd * (1.0 - sg));
    return gyv * zd * sg;
}

// The two passes of one row's backward over the channels i = first, first + step, ... of this thread (a block's
// threads or a warp's lanes). Pass 1 writes gz (when not null), adds gy silu(z) xhat and gy silu(z) into acc[i] and
// acc[c + i] (when acc is not null) and returns this thread's sums of g = gy silu(z) weight and g xhat in gsum, dot.
template <typename T, typename TX>
__device__ __forceinline__ void jm_gated_row_pass1(const T* __restrict__ gy, const TX* __restrict__ x, const TX* __restrict__ z,
                                                   const T* __restrict__ weight, const T* __restrict__ bias, long long base,
                                                   long long zbase, double m, double r, int c, int first, int step,
                                                   T* __restrict__ gz, double* acc, double& gsum, double& dot) {
    gsum = 0;
    dot = 0;
#pragma unroll 4
    for (int i = first; i < c; i += step) {
        double xhat = (jm_load(x + base + i) - m) * r, w = weight ? (double)weight[i] : 1.0, gzv;
        double g = jm_gated_grads<T>((double)gy[base + i], xhat, (T)jm_load(z + zbase + i), w, bias ? (double)bias[i] : 0.0, &gzv);
        if (gz) gz[base + i] = (T)gzv;
        if (acc) {
            acc[i] += g * xhat;
            acc[c + i] += g;
        }
        g *= w;
        gsum += g;
        dot += g * xhat;
    }
}

// Pass 2: gx = rstd (g - mean_g - xhat mean_gx) with the row's means of g and g xhat.
template <typename T, typename TX>
__device__ __forceinline__ void jm_gated_row_pass2(const T* __restrict__ gy, const TX* __restrict__ x, const TX* __restrict__ z,
                                                   const T* __restrict__ weight, long long base, long long zbase, double m,
                                                   double r, int c, int first, int step, double mean_g, double mean_gx,
                                                   T* __restrict__ gx) {
#pragma unroll 4
    for (int i = first; i < c; i += step) {
        double xhat = (jm_load(x + base + i) - m) * r, g = jm_gated_out<T>((double)gy[base + i], (T)jm_load(z + zbase + i));
        if (weight) g *= (double)weight[i];
        gx[base + i] = (T)(r * (g - mean_g - xhat * mean_gx));
    }
}

// ---- one block per row ----------------------------------------------------------------------------------------
template <typename T>
__device__ void layer_norm_gated(const T* x, const T* weight, const T* bias, const T* z, long long z_row, T* y,
                                 T* mean_out, T* rstd_out, int rows, int c, double eps) {
    __shared__ double shared[32];
    int row = blockIdx.x;
    if (row >= rows) return;
    const T* r = x + (long long)row * c;
    const T* zr = z + (long long)row * z_row;
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
        w[i] = (T)jm_gated_out<T>(o, zr[i]);
    }
    if (threadIdx.x == 0) {
        mean_out[row] = (T)m;
        rstd_out[row] = (T)rs;
    }
}

// Block b takes rows [b · rows_per_block, ...) in order; partial[b, 0:c] / [b, c:2c] collect gy silu(z) xhat and
// gy silu(z) of its rows, in dynamic shared memory when use_shared (else in partial itself). gx and gz may be null.
template <typename T>
__device__ void layer_norm_gated_backward(const T* gy, const T* x, const T* mean, const T* rstd, const T* weight,
                                          const T* bias, const T* z, long long z_row, T* gx, T* gz, double* partial,
                                          int rows, int c, int rows_per_block, int use_shared) {
    extern __shared__ double dynamic_shared[];
    __shared__ double shared[32];
    int first = blockIdx.x * rows_per_block;
    int last = min(rows, first + rows_per_block);
    double* acc = partial == 0 ? 0 : use_shared ? dynamic_shared : partial + (long long)blockIdx.x * 2 * c;
    if (acc)
        for (int i = threadIdx.x; i < 2 * c; i += blockDim.x) acc[i] = 0.0;
    __syncthreads();
    for (int row = first; row < last; ++row) {
        long long base = (long long)row * c, zbase = (long long)row * z_row;
        double m = (double)mean[row], r = (double)rstd[row], gsum, dot;
        jm_gated_row_pass1<T, T>(gy, x, z, weight, bias, base, zbase, m, r, c, threadIdx.x, blockDim.x, gz, acc, gsum, dot);
        if (gx == 0) continue;
        double mean_g = jm_block_sum(gsum, shared) / c;
        double mean_gx = jm_block_sum(dot, shared) / c;
        jm_gated_row_pass2<T, T>(gy, x, z, weight, base, zbase, m, r, c, threadIdx.x, blockDim.x, mean_g, mean_gx, gx);
    }
    __syncthreads();
    if (acc && use_shared)
        for (int i = threadIdx.x; i < 2 * c; i += blockDim.x) partial[(long long)blockIdx.x * 2 * c + i] = acc[i];
}

#define JM_NORM_GATED(TN, T)                                                                                        \
    extern "C" __global__ void layer_norm_gated_##TN(const T* x, const T* weight, const T* bias, const T* z,         \
                                                     long long z_row, T* y, T* mean, T* rstd, int rows, int c,      \
                                                     double eps) {                                                  \
        layer_norm_gated<T>(x, weight, bias, z, z_row, y, mean, rstd, rows, c, eps);                                \
    }                                                                                                               \
    extern "C" __global__ void layer_norm_gated_backward_##TN(const T* gy, const T* x, const T* mean,               \
                                                              const T* rstd, const T* weight, const T* bias,        \
                                                              const T* z, long long z_row, T* gx, T* gz,            \
                                                              double* partial, int rows, int c,                     \
                                                              int rows_per_block, int use_shared) {                 \
        layer_norm_gated_backward<T>(gy, x, mean, rstd, weight, bias, z, z_row, gx, gz, partial, rows, c,           \
                                     rows_per_block, use_shared);                                                   \
    }
JM_NORM_GATED(f32, float)
JM_NORM_GATED(f64, double)

// ---- float32, one warp per row ---------------------------------------------------------------------------------
// Lane l takes channels l, l + 32, ...; the row sums are warp shuffles and the second pass re-reads the row from L1.
// The channel loops are unrolled 4 times: a warp then has four loads in flight, not one per memory latency.
// Statistics: sum and sum of squares in double in one pass (exact enough for float data, as norm_channels.cu).
__device__ __forceinline__ double jm_gated_warp_sum(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Grid-stride over rows, one warp each. Pointers are __restrict__ (outputs are fresh tensors, inputs only read), so a
// row loop's loads may be issued ahead of its stores.
template <typename TX>
__device__ void layer_norm_gated_warp(const TX* __restrict__ x, const float* __restrict__ weight, const float* __restrict__ bias,
                                      const TX* __restrict__ z, long long z_row, TX* __restrict__ y,
                                      float* __restrict__ mean_out, float* __restrict__ rstd_out, int rows, int c, double eps) {
    int lane = threadIdx.x & 31;
    long long warp = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5, warps = ((long long)gridDim.x * blockDim.x) >> 5;
    for (long long row = warp; row < rows; row += warps) {
        const TX* r = x + row * c;
        double s = 0, q = 0;
#pragma unroll 4
        for (int i = lane; i < c; i += 32) {
            double v = jm_load(r + i);
            s += v;
            q += v * v;
        }
        s = jm_gated_warp_sum(s);
        q = jm_gated_warp_sum(q);
        double m = s / c, rs = 1.0 / sqrt(fmax(q - s * m, 0.0) / c + eps);
        const TX* zr = z + row * z_row;
        TX* w = y + row * c;
#pragma unroll 4
        for (int i = lane; i < c; i += 32) {
            double o = (jm_load(r + i) - m) * rs;
            if (weight) o *= (double)weight[i];
            if (bias) o += (double)bias[i];
            jm_store(w + i, jm_gated_out<float>(o, (float)jm_load(zr + i)));
        }
        if (lane == 0) {
            mean_out[row] = (float)m;
            rstd_out[row] = (float)rs;
        }
    }
}

// The warp backward kernels' weight and bias sums: this warp's zeroed slice of the block's [warps][2c] doubles of shared
// memory (null when partial is), and at the end the block's total of its warps' slices, in warp order, into
// partial[b, 0:2c]. Every thread of the block calls jm_gated_block_sums (it synchronises when partial is not null).
__device__ __forceinline__ double* jm_gated_warp_slice(double* acc, const double* partial, int c) {
    int lane = threadIdx.x & 31, wid = threadIdx.x >> 5;
    double* mine = partial ? acc + (long long)wid * 2 * c : 0;
    if (mine)
        for (int i = lane; i < 2 * c; i += 32) mine[i] = 0.0;
    __syncwarp();
    return mine;
}

__device__ __forceinline__ void jm_gated_block_sums(const double* acc, double* partial, int c) {
    if (partial == 0) return;
    __syncthreads();
    int warps = blockDim.x >> 5;
    for (int i = threadIdx.x; i < 2 * c; i += blockDim.x) {
        double s = 0;
        for (int k = 0; k < warps; ++k) s += acc[(long long)k * 2 * c + i];
        partial[(long long)blockIdx.x * 2 * c + i] = s;
    }
}

// Block b takes rows [b · rows_per_block, ...), its warp w rows first + w, first + w + warps, ... When partial is not
// null every warp adds gy silu(z) xhat and gy silu(z) of its rows per channel into its own slice of shared memory
// ([warps][2c] doubles: lanes own channels, so no two threads touch one value), and the block writes the sum of its
// warps' slices, in warp order, to partial[b, 0:2c] for column_sum. gx and gz may be null.
template <typename TX>
__device__ void layer_norm_gated_backward_warp(const float* __restrict__ gy, const TX* __restrict__ x,
                                               const float* __restrict__ mean, const float* __restrict__ rstd,
                                               const float* __restrict__ weight, const float* __restrict__ bias,
                                               const TX* __restrict__ z, long long z_row, float* __restrict__ gx,
                                               float* __restrict__ gz, double* __restrict__ partial, int rows, int c,
                                               int rows_per_block) {
    extern __shared__ double acc[];
    int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, warps = blockDim.x >> 5;
    double* mine = jm_gated_warp_slice(acc, partial, c);
    long long first = (long long)blockIdx.x * rows_per_block;
    long long last = first + rows_per_block < rows ? first + rows_per_block : rows;
    for (long long row = first + wid; row < last; row += warps) {
        long long base = row * c, zbase = row * z_row;
        double m = (double)mean[row], r = (double)rstd[row], gsum, dot;
        jm_gated_row_pass1<float, TX>(gy, x, z, weight, bias, base, zbase, m, r, c, lane, 32, gz, mine, gsum, dot);
        if (gx == 0) continue;
        double mean_g = jm_gated_warp_sum(gsum) / c, mean_gx = jm_gated_warp_sum(dot) / c;
        jm_gated_row_pass2<float, TX>(gy, x, z, weight, base, zbase, m, r, c, lane, 32, mean_g, mean_gx, gx);
    }
    jm_gated_block_sums(acc, partial, c);
}

// ---- float32 rows of JM_GATED_ROWS_MIN .. 1536 channels: threads own channels, rows taken 8 at a time ------------
// The warp kernel keeps 2·c doubles per warp in shared memory for the weight and bias sums: 160 KiB per block at
// c = 1280, so one block of 8 warps per SM, which leaves it waiting on memory (ncu, FractalMamba-T's out_norm at
// 7×7: ~0.7 ms for 8M elements). Here thread t owns channels t, t + 256, ... (at most JM_GATED_OWN) and keeps their
// weight and bias sums in registers in row order; the block takes its rows JM_GATED_GROUP at a time: pass 1 over the
// group (gz, the sums, each row's Σ g·weight and Σ g·weight·x̂ summed over each warp), one block step that adds the
// 8 warps' 2·JM_GATED_GROUP values in order, pass 2 writes gx. Block b writes its sums to
// partial[b, 0:2c] for column_sum, as the warp kernel. gx and gz may be null.
#define JM_GATED_OWN 6
#define JM_GATED_GROUP 8
template <typename TX>
__device__ void layer_norm_gated_backward_rows(
        const float* __restrict__ gy, const TX* __restrict__ x, const float* __restrict__ mean,
        const float* __restrict__ rstd, const float* __restrict__ weight, const float* __restrict__ bias,
        const TX* __restrict__ z, long long z_row, float* __restrict__ gx, float* __restrict__ gz,
        double* __restrict__ partial, int rows, int c, int rows_per_block) {
    __shared__ double red[2 * JM_GATED_GROUP][8];   // [value][warp]
    __shared__ double tot[2 * JM_GATED_GROUP];
    int t = threadIdx.x, lane = t & 31, wid = t >> 5;
    double acc_w[JM_GATED_OWN], acc_b[JM_GATED_OWN];
#pragma unroll
    for (int j = 0; j < JM_GATED_OWN; j++) acc_w[j] = acc_b[j] = 0.0;
    int first = blockIdx.x * rows_per_block, last = min(rows, first + rows_per_block);
    for (int r0 = first; r0 < last; r0 += JM_GATED_GROUP) {
        for (int q = 0; q < JM_GATED_GROUP; q++) {
            int row = r0 + q;
            double gsum = 0, dot = 0;
            if (row < last) {
                long long base = (long long)row * c, zbase = (long long)row * z_row;
                double m = (double)mean[row], r = (double)rstd[row];
#pragma unroll
                for (int j = 0; j < JM_GATED_OWN; j++) {
                    int i = t + j * 256;
                    if (i < c) {
                        double xhat = (jm_load(x + base + i) - m) * r, w = weight ? (double)weight[i] : 1.0, gzv;
                        double g = jm_gated_grads<float>((double)gy[base + i], xhat, (float)jm_load(z + zbase + i), w,
                                                         bias ? (double)bias[i] : 0.0, &gzv);
                        if (gz) gz[base + i] = (float)gzv;
                        acc_w[j] += g * xhat;
                        acc_b[j] += g;
                        g *= w;
                        gsum += g;
                        dot += g * xhat;
                    }
                }
            }
            if (gx != 0) {   // the row's two sums over the warp (butterflies; the 8 warps are added below in order)
                gsum = jm_gated_warp_sum(gsum);
                dot = jm_gated_warp_sum(dot);
                if (lane == 0) {
                    red[2 * q][wid] = gsum;
                    red[2 * q + 1][wid] = dot;
                }
            }
        }
        if (gx == 0) continue;
        __syncthreads();
        if (t < 2 * JM_GATED_GROUP) {
            double s = 0;
            for (int w = 0; w < 8; w++) s += red[t][w];
            tot[t] = s;
        }
        __syncthreads();
        for (int q = 0; q < JM_GATED_GROUP; q++) {
            int row = r0 + q;
            if (row >= last) break;
            jm_gated_row_pass2<float, TX>(gy, x, z, weight, (long long)row * c, (long long)row * z_row, (double)mean[row],
                                      (double)rstd[row], c, t, 256, tot[2 * q] / c, tot[2 * q + 1] / c, gx);
        }
    }
    if (partial == 0) return;
#pragma unroll
    for (int j = 0; j < JM_GATED_OWN; j++) {
        int i = t + j * 256;
        if (i < c) {
            partial[(long long)blockIdx.x * 2 * c + i] = acc_w[j];
            partial[(long long)blockIdx.x * 2 * c + c + i] = acc_b[j];
        }
    }
}

// The warp and rows kernels for float32 x, z, y (_f32) and for bf16 x, z, y with float32 for the rest (_bf16).
#define JM_NORM_GATED_WARP(TN, TX)                                                                                  \
    extern "C" __global__ void layer_norm_gated_warp_##TN(const TX* x, const float* weight, const float* bias,        \
                                                          const TX* z, long long z_row, TX* y, float* mean,           \
                                                          float* rstd, int rows, int c, double eps) {                 \
        layer_norm_gated_warp<TX>(x, weight, bias, z, z_row, y, mean, rstd, rows, c, eps);                            \
    }                                                                                                                 \
    extern "C" __global__ void layer_norm_gated_backward_warp_##TN(                                                   \
            const float* gy, const TX* x, const float* mean, const float* rstd, const float* weight, const float* bias, \
            const TX* z, long long z_row, float* gx, float* gz, double* partial, int rows, int c, int rows_per_block) { \
        layer_norm_gated_backward_warp<TX>(gy, x, mean, rstd, weight, bias, z, z_row, gx, gz, partial, rows, c,       \
                                           rows_per_block);                                                           \
    }                                                                                                                 \
    extern "C" __global__ void __launch_bounds__(256) layer_norm_gated_backward_rows_##TN(                           \
            const float* gy, const TX* x, const float* mean, const float* rstd, const float* weight, const float* bias, \
            const TX* z, long long z_row, float* gx, float* gz, double* partial, int rows, int c, int rows_per_block) { \
        layer_norm_gated_backward_rows<TX>(gy, x, mean, rstd, weight, bias, z, z_row, gx, gz, partial, rows, c,       \
                                           rows_per_block);                                                           \
    }
JM_NORM_GATED_WARP(f32, float)
JM_NORM_GATED_WARP(bf16, jm_bf16)

// ---- rows held in registers: one warp per row, lane l holds channels l + 32 j, j < N ----------------------------
// The warp kernels above walk a row twice (statistics, then output; or the gradient sums, then gx), and each pass
// waits out memory latencies a few channels at a time: ncu on FractalMamba-T's out_norm (bf16, b128) gave them about
// 0.9 TB/s. Here a lane loads its N values of x and z (and gy) at once into registers, so a row costs one round trip,
// and the second pass reads the registers. The arithmetic, and the order of every sum, are the warp kernels' (the
// same bits). N = 8, 16, 24 or 48 (c ≤ 32 N); GatedNormKernels picks the smallest that holds the row.
template <typename TX, int N>
__device__ __forceinline__ void jm_gated_load_row(const TX* __restrict__ p, int c, int lane, float (&v)[N]) {
#pragma unroll
    for (int j = 0; j < N; j++) {
        int i = lane + 32 * j;
        v[j] = i < c ? (float)jm_load(p + i) : 0.0f;   // exact: TX is float or bf16
    }
}

template <typename TX, int N>
__device__ void layer_norm_gated_regs(const TX* __restrict__ x, const float* __restrict__ weight,
                                      const float* __restrict__ bias, const TX* __restrict__ z, long long z_row,
                                      TX* __restrict__ y, float* __restrict__ mean_out, float* __restrict__ rstd_out,
                                      int rows, int c, double eps) {
    int lane = threadIdx.x & 31;
    long long warp = ((long long)blockIdx.x * blockDim.x + threadIdx.x) >> 5, warps = ((long long)gridDim.x * blockDim.x) >> 5;
    for (long long row = warp; row < rows; row += warps) {
        float xv[N], zv[N];
        jm_gated_load_row<TX, N>(x + row * c, c, lane, xv);
        jm_gated_load_row<TX, N>(z + row * z_row, c, lane, zv);
        double s = 0, q = 0;
#pragma unroll
        for (int j = 0; j < N; j++) {   // the padding adds zeros
            double v = (double)xv[j];
            s += v;
            q += v * v;
        }
        s = jm_gated_warp_sum(s);
        q = jm_gated_warp_sum(q);
        double m = s / c, rs = 1.0 / sqrt(fmax(q - s * m, 0.0) / c + eps);
        TX* w = y + row * c;
#pragma unroll
        for (int j = 0; j < N; j++) {
            int i = lane + 32 * j;
            if (i < c) {
                double o = ((double)xv[j] - m) * rs;
                if (weight) o *= (double)weight[i];
                if (bias) o += (double)bias[i];
                jm_store(w + i, jm_gated_out<float>(o, zv[j]));
            }
        }
        if (lane == 0) {
            mean_out[row] = (float)m;
            rstd_out[row] = (float)rs;
        }
    }
}

// As layer_norm_gated_backward_warp (rows of a block, warp sums of the weight and bias terms in shared memory), with
// the row's gy, x and z in registers.
template <typename TX, int N>
__device__ void layer_norm_gated_backward_regs(const float* __restrict__ gy, const TX* __restrict__ x,
                                               const float* __restrict__ mean, const float* __restrict__ rstd,
                                               const float* __restrict__ weight, const float* __restrict__ bias,
                                               const TX* __restrict__ z, long long z_row, float* __restrict__ gx,
                                               float* __restrict__ gz, double* __restrict__ partial, int rows, int c,
                                               int rows_per_block) {
    extern __shared__ double acc[];
    int lane = threadIdx.x & 31, wid = threadIdx.x >> 5, warps = blockDim.x >> 5;
    double* mine = jm_gated_warp_slice(acc, partial, c);
    long long first = (long long)blockIdx.x * rows_per_block;
    long long last = first + rows_per_block < rows ? first + rows_per_block : rows;
    for (long long row = first + wid; row < last; row += warps) {
        long long base = row * c;
        float gv[N], xv[N], zv[N];
        jm_gated_load_row<float, N>(gy + base, c, lane, gv);
        jm_gated_load_row<TX, N>(x + base, c, lane, xv);
        jm_gated_load_row<TX, N>(z + row * z_row, c, lane, zv);
        double m = (double)mean[row], r = (double)rstd[row], gsum = 0, dot = 0;
#pragma unroll
        for (int j = 0; j < N; j++) {
            int i = lane + 32 * j;
            if (i < c) {
                double xhat = ((double)xv[j] - m) * r, w = weight ? (double)weight[i] : 1.0, gzv;
                double g = jm_gated_grads<float>((double)gv[j], xhat, zv[j], w, bias ? (double)bias[i] : 0.0, &gzv);
                if (gz) gz[base + i] = (float)gzv;
                if (mine) {
                    mine[i] += g * xhat;
                    mine[c + i] += g;
                }
                g *= w;
                gsum += g;
                dot += g * xhat;
            }
        }
        if (gx == 0) continue;
        double mean_g = jm_gated_warp_sum(gsum) / c, mean_gx = jm_gated_warp_sum(dot) / c;
#pragma unroll
        for (int j = 0; j < N; j++) {
            int i = lane + 32 * j;
            if (i < c) {
                double xhat = ((double)xv[j] - m) * r, g = jm_gated_out<float>((double)gv[j], zv[j]);
                if (weight) g *= (double)weight[i];
                gx[base + i] = (float)(r * (g - mean_g - xhat * mean_gx));
            }
        }
    }
    jm_gated_block_sums(acc, partial, c);
}

#define JM_NORM_GATED_REGS_FORWARD(TN, TX, N, MIN_BLOCKS)                                                            \
    extern "C" __global__ void __launch_bounds__(256, MIN_BLOCKS) layer_norm_gated_regs_##TN##_##N(                              \
            const TX* x, const float* weight, const float* bias, const TX* z, long long z_row, TX* y, float* mean,   \
            float* rstd, int rows, int c, double eps) {                                                               \
        layer_norm_gated_regs<TX, N>(x, weight, bias, z, z_row, y, mean, rstd, rows, c, eps);                        \
    }
#define JM_NORM_GATED_REGS_BACKWARD(TN, TX, N, MIN_BLOCKS)                                                           \
    extern "C" __global__ void __launch_bounds__(256, MIN_BLOCKS) layer_norm_gated_backward_regs_##TN##_##N(                     \
            const float* gy, const TX* x, const float* mean, const float* rstd, const float* weight, const float* bias, \
            const TX* z, long long z_row, float* gx, float* gz, double* partial, int rows, int c, int rows_per_block) { \
        layer_norm_gated_backward_regs<TX, N>(gy, x, mean, rstd, weight, bias, z, z_row, gx, gz, partial, rows, c,   \
                                              rows_per_block);                                                        \
    }
JM_NORM_GATED_REGS_FORWARD(f32, float, 8, 4)
JM_NORM_GATED_REGS_FORWARD(f32, float, 16, 2)
JM_NORM_GATED_REGS_FORWARD(f32, float, 24, 2)
JM_NORM_GATED_REGS_FORWARD(f32, float, 48, 1)
JM_NORM_GATED_REGS_FORWARD(bf16, jm_bf16, 8, 4)
JM_NORM_GATED_REGS_FORWARD(bf16, jm_bf16, 16, 2)
JM_NORM_GATED_REGS_FORWARD(bf16, jm_bf16, 24, 2)
JM_NORM_GATED_REGS_FORWARD(bf16, jm_bf16, 48, 1)
JM_NORM_GATED_REGS_BACKWARD(f32, float, 8, 3)
JM_NORM_GATED_REGS_BACKWARD(f32, float, 16, 2)
JM_NORM_GATED_REGS_BACKWARD(f32, float, 24, 2)
JM_NORM_GATED_REGS_BACKWARD(bf16, jm_bf16, 8, 3)
JM_NORM_GATED_REGS_BACKWARD(bf16, jm_bf16, 16, 2)
JM_NORM_GATED_REGS_BACKWARD(bf16, jm_bf16, 24, 2)
