// The channels-first layer norm of norm_channels.cu (same operation, arguments, outputs and statistics in double) with
// many loads in flight: a block of 32 x rows threads (rows = ceil(c / PER) <= JM_LNCR_MAX_ROWS) works on a tile of 32
// adjacent columns mm0 .. mm0 + 31 of one i; lane tx owns column mm0 + tx and thread (tx, ty) owns channels
// ty + j rows, j < PER. Each thread issues its PER loads of a tile at once, into registers (a warp load is still 32
// adjacent addresses of one channel), instead of walking its channels in a loop four loads at a time: FractalMamba-T's
// h_norm (c = 160 .. 640) left norm_channels.cu's kernels waiting on memory at 0.7-1.9 TB/s, and the backward's
// 64-register cap spilled (Nsight Compute on the H100, 2026-12-05). The forward keeps x's values in registers between
// the statistics and the output; the backward keeps gy's and reads x again for the output (the block read it moments
// before: an L1/L2 hit). Sums of a column over the rows warps go through shared memory in warp order, so results
// depend on the shape only. TX, the type of x, skip and y, is float or bf16; statistics, parameters, gy and gradients
// are float32.
#include "jm_common.cuh"

#define JM_LNCR_MAX_ROWS 16

__device__ __forceinline__ float jm_lncr_value(float v) { return v; }
__device__ __forceinline__ float jm_lncr_value(jm_bf16 v) { return jm_bf16_to_float(v); }

// Sums a and b over the block's rows warps for each lane (column), in warp order; every thread gets the totals.
// Every thread of the block must call it (it synchronises). Two warps add, the others wait.
__device__ __forceinline__ void jm_lncr_column_sum2(double& a, double& b, double (*buf)[JM_LNCR_MAX_ROWS][32],
                                                    double (*total)[32]) {
    buf[0][threadIdx.y][threadIdx.x] = a;
    buf[1][threadIdx.y][threadIdx.x] = b;
    __syncthreads();
    if (threadIdx.y < 2) {
        double s = 0;
        for (int k = 0; k < blockDim.y; ++k) s += buf[threadIdx.y][k][threadIdx.x];
        total[threadIdx.y][threadIdx.x] = s;
    }
    __syncthreads();
    a = total[0][threadIdx.x];
    b = total[1][threadIdx.x];
}

template <typename TX, int PER>
__device__ void layer_norm_channels_regs(const TX* __restrict__ x, const float* __restrict__ weight,
                                         const float* __restrict__ bias, const float* __restrict__ scale,
                                         const TX* __restrict__ skip, const float* __restrict__ skip_weight, int groups,
                                         TX* __restrict__ y, float* __restrict__ mean_out, float* __restrict__ rstd_out,
                                         int n, int c, int m, double eps) {
    __shared__ double buf[2][JM_LNCR_MAX_ROWS][32];
    __shared__ double total[2][32];
    int i = blockIdx.x, tiles = (m + 31) / 32, rows = blockDim.y, ty = threadIdx.y;
    int chunk = PER * rows, chunks = (c + chunk - 1) / chunk;
    const float* sw = skip ? skip_weight + (long long)(i % groups) * c : 0;
    for (int t = blockIdx.y; t < tiles; t += gridDim.y) {
        int mm = t * 32 + threadIdx.x;
        bool live = mm < m;
        long long at = (long long)i * c * m + mm, col = (long long)i * m + mm;
        float v[PER];
        double s = 0, q = 0;
        for (int c0 = ty; c0 < c; c0 += chunk) {
#pragma unroll
            for (int j = 0; j < PER; j++) {
                int ch = c0 + j * rows;
                v[j] = live && ch < c ? jm_lncr_value(x[at + (long long)ch * m]) : 0.0f;
            }
#pragma unroll
            for (int j = 0; j < PER; j++) {   // zeros past c add nothing
                s += v[j];
                q += (double)v[j] * v[j];
            }
        }
        jm_lncr_column_sum2(s, q, buf, total);
        double mu = s / c, var = fmax(q - s * mu, 0.0) / c;   // a float squared fits a double's mantissa: one pass
        double rs = 1.0 / sqrt(var + eps);
        if (!live) continue;
        float muf = (float)mu, rsf = (float)rs, sc = scale ? scale[col] : 1.0f;
        for (int c0 = ty; c0 < c; c0 += chunk) {
#pragma unroll
            for (int j = 0; j < PER; j++) {
                int ch = c0 + j * rows;
                if (ch < c) {
                    long long k = at + (long long)ch * m;
                    float xv = chunks == 1 ? v[j] : jm_lncr_value(x[k]);   // one chunk: still in registers
                    float o = (xv - muf) * rsf;
                    if (weight) o *= weight[ch];
                    if (bias) o += bias[ch];
                    o *= sc;
                    if (skip) o += sw[ch] * jm_lncr_value(skip[k]);
                    jm_store(y + k, (double)o);
                }
            }
        }
        if (ty == 0) {
            mean_out[col] = muf;
            rstd_out[col] = rsf;
        }
    }
}

// Backward, as norm_channels.cu's (its comment gives the formulas and the partial-sum layout), chunk by chunk: gy, x
// and skip of PER channels loaded at once for the sums, gy and x again for the outputs (from registers when the row
// is one chunk). Column and parameter sums in double of float products.
template <typename TX, int PER>
__device__ void layer_norm_channels_regs_backward(const float* __restrict__ gy, const TX* __restrict__ x,
                                                  const float* __restrict__ mean, const float* __restrict__ rstd,
                                                  const float* __restrict__ weight, const float* __restrict__ bias,
                                                  const float* __restrict__ scale, const TX* __restrict__ skip,
                                                  const float* __restrict__ skip_weight, int groups, float* __restrict__ gx,
                                                  float* __restrict__ gscale, float* __restrict__ gskip,
                                                  double* __restrict__ partial, double* __restrict__ partial_skip, int n,
                                                  int c, int m) {
    extern __shared__ double acc[];   // [2c] weight, bias sums when partial; then [c] skip-weight sums when partial_skip
    __shared__ double buf[2][JM_LNCR_MAX_ROWS][32];
    __shared__ double total[2][32];
    int i = blockIdx.x, tiles = (m + 31) / 32, lane = threadIdx.x, ty = threadIdx.y, rows = blockDim.y;
    int threads = 32 * rows, flat = ty * 32 + lane, chunk = PER * rows, chunks = (c + chunk - 1) / chunk;
    double* acc_skip = acc + (partial ? 2 * c : 0);
    int nacc = (partial ? 2 * c : 0) + (partial_skip ? c : 0);
    for (int k = flat; k < nacc; k += threads) acc[k] = 0;
    __syncthreads();
    const float* sw = gskip ? skip_weight + (long long)(i % groups) * c : 0;
    bool columns = gx != 0 || gscale != 0;
    for (int t = blockIdx.y; t < tiles; t += gridDim.y) {
        int mm = t * 32 + lane;
        bool live = mm < m;
        long long at = (long long)i * c * m + mm, col = (long long)i * m + mm;
        float mu = live ? mean[col] : 0.0f, r = live ? rstd[col] : 0.0f, sc = live && scale ? scale[col] : 1.0f;
        float g[PER], xv[PER];
        double sum_g = 0, sum_gx = 0, gs = 0;
        for (int c0 = ty; c0 < c; c0 += chunk) {
            float kv[PER];
#pragma unroll
            for (int j = 0; j < PER; j++) {
                int ch = c0 + j * rows;
                bool ok = live && ch < c;
                long long k = at + (long long)ch * m;
                g[j] = ok ? gy[k] : 0.0f;
                xv[j] = ok ? jm_lncr_value(x[k]) : 0.0f;
                kv[j] = ok && partial_skip ? jm_lncr_value(skip[k]) : 0.0f;
            }
#pragma unroll
            for (int j0 = 0; j0 < PER; j0 += 4) {
                double pv[8], pk[4];
#pragma unroll
                for (int u = 0; u < 4; u++) {
                    int ch = c0 + (j0 + u) * rows;
                    bool here = ch < c;
                    float xh = live && here ? (xv[j0 + u] - mu) * r : 0.0f, gyv = g[j0 + u];
                    float w = weight && here ? weight[ch] : 1.0f, gys = gyv * sc;
                    if (gscale) gs += (double)(gyv * (xh * w + (bias && here ? bias[ch] : 0.0f)));
                    sum_g += (double)(gys * w);
                    sum_gx += (double)(gys * w * xh);
                    pv[2 * u] = (double)(gys * xh);
                    pv[2 * u + 1] = (double)gys;
                    pk[u] = (double)(gyv * kv[j0 + u]);
                }
                if (partial) {   // every lane of the warp takes part (dead lanes and channels add zeros)
                    int idx = (lane >> 2) & 7, ch = c0 + (j0 + (idx >> 1)) * rows;
                    double sum = jm_warp_sums<double, 8>(pv);
                    if ((lane & 3) == 0 && ch < c) acc[(idx & 1) * c + ch] += sum;
                }
                if (partial_skip) {
                    int ch = c0 + (j0 + ((lane >> 3) & 3)) * rows;
                    double sum = jm_warp_sums<double, 4>(pk);
                    if ((lane & 7) == 0 && ch < c) acc_skip[ch] += sum;
                }
            }
        }
        if (columns) {
            jm_lncr_column_sum2(sum_g, sum_gx, buf, total);
            if (gscale) {
                double unused = 0;
                jm_lncr_column_sum2(gs, unused, buf, total);
                if (live && ty == 0) gscale[col] = (float)gs;
            }
        }
        if (!live || (gx == 0 && gskip == 0)) continue;
        float mean_g = (float)(sum_g / c), mean_gx = (float)(sum_gx / c);
        for (int c0 = ty; c0 < c; c0 += chunk) {
#pragma unroll
            for (int j = 0; j < PER; j++) {
                int ch = c0 + j * rows;
                if (ch < c) {
                    long long k = at + (long long)ch * m;
                    float gyv = chunks == 1 ? g[j] : gy[k];   // one chunk: still in registers
                    if (gx) {
                        float xh = ((chunks == 1 ? xv[j] : jm_lncr_value(x[k])) - mu) * r, w = weight ? weight[ch] : 1.0f;
                        gx[k] = r * (gyv * sc * w - mean_g - xh * mean_gx);
                    }
                    if (gskip) gskip[k] = gyv * sw[ch];
                }
            }
        }
    }
    __syncthreads();
    if (partial) {
        long long row = (long long)i * gridDim.y + blockIdx.y;
        for (int k = flat; k < 2 * c; k += threads) partial[row * 2 * c + k] = acc[k];
    }
    if (partial_skip) {
        long long row = ((long long)(i % groups) * (n / groups) + i / groups) * gridDim.y + blockIdx.y;
        for (int k = flat; k < c; k += threads) partial_skip[row * c + k] = acc_skip[k];
    }
}

#define JM_NORM_CHANNELS_REGS(TN, TX, PER)                                                                           \
    extern "C" __global__ void __launch_bounds__(32 * JM_LNCR_MAX_ROWS) layer_norm_channels_regs_##TN##_##PER(      \
            const TX* x, const float* weight, const float* bias, const float* scale, const TX* skip,                \
            const float* skip_weight, int groups, TX* y, float* mean, float* rstd, int n, int c, int m, double eps) { \
        layer_norm_channels_regs<TX, PER>(x, weight, bias, scale, skip, skip_weight, groups, y, mean, rstd, n, c, m, \
                                          eps);                                                                      \
    }
#define JM_NORM_CHANNELS_REGS_BACKWARD(TN, TX, PER)                                                                  \
    extern "C" __global__ void __launch_bounds__(32 * JM_LNCR_MAX_ROWS)                                              \
            layer_norm_channels_regs_backward_##TN##_##PER(                                                          \
                    const float* gy, const TX* x, const float* mean, const float* rstd, const float* weight,         \
                    const float* bias, const float* scale, const TX* skip, const float* skip_weight, int groups,     \
                    float* gx, float* gscale, float* gskip, double* partial, double* partial_skip, int n, int c,     \
                    int m) {                                                                                         \
        layer_norm_channels_regs_backward<TX, PER>(gy, x, mean, rstd, weight, bias, scale, skip, skip_weight, groups, \
                                                   gx, gscale, gskip, partial, partial_skip, n, c, m);               \
    }
#define JM_NORM_CHANNELS_REGS_ALL(TN, TX)                                                                            \
    JM_NORM_CHANNELS_REGS(TN, TX, 4) JM_NORM_CHANNELS_REGS(TN, TX, 8) JM_NORM_CHANNELS_REGS(TN, TX, 12)              \
    JM_NORM_CHANNELS_REGS_BACKWARD(TN, TX, 4) JM_NORM_CHANNELS_REGS_BACKWARD(TN, TX, 8)                              \
    JM_NORM_CHANNELS_REGS_BACKWARD(TN, TX, 12)
JM_NORM_CHANNELS_REGS_ALL(f32, float)
JM_NORM_CHANNELS_REGS_ALL(bf16, jm_bf16)
