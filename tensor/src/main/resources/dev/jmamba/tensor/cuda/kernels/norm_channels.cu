// Layer norm over the channels of a channels-first (n, c, m) tensor (no permute to channels-last), forward and
// backward, with an optional per-column scale and an optional skip term (Backend.layerNormChannels):
//   y[i, ch, mm] = (xhat weight[ch] + bias[ch]) scale[i, mm] + skip_weight[i % groups, ch] skip[i, ch, mm]
//   xhat = (x - mean[i, mm]) rstd[i, mm], statistics over the c channels of column (i, mm)
//
// Tiling. A block of 32 x JM_LNC_ROWS threads works on a tile of 32 adjacent columns mm0 .. mm0 + 31 of one i:
// lane tx owns column mm0 + tx and warp ty walks channels ty, ty + JM_LNC_ROWS, ... A warp's load of one channel
// is 32 adjacent addresses (coalesced), and a column's c-long sum is split JM_LNC_ROWS ways, so a column costs
// c / JM_LNC_ROWS dependent steps instead of c (the old one-thread-per-column kernel left the GPU idle on late-stage
// shapes like (256, 1280, 49): 12 544 threads each walking 1280 channels). The JM_LNC_ROWS partial sums of a column
// are added through shared memory in warp order. Block (i, part) takes tiles part, part + parts, ... of row i.
// Statistics in double; float data sums x and x^2 in one pass, double data takes a second pass for the variance.
// TX is the type of x, skip and y: T, or bf16 with T = float (autocast's activations: bf16 in, statistics, parameters,
// gy and gradients float32).
#include "jm_common.cuh"

#define JM_LNC_ROWS 8

// Sums a and b over the JM_LNC_ROWS warps for each lane (column), in warp order; every thread gets the totals.
// Every thread of the block must call it (it synchronises).
__device__ __forceinline__ void jm_lnc_column_sum2(double& a, double& b, double (*buf)[JM_LNC_ROWS][32]) {
    buf[0][threadIdx.y][threadIdx.x] = a;
    buf[1][threadIdx.y][threadIdx.x] = b;
    __syncthreads();
    a = 0;
    b = 0;
    for (int k = 0; k < JM_LNC_ROWS; ++k) {
        a += buf[0][k][threadIdx.x];
        b += buf[1][k][threadIdx.x];
    }
    __syncthreads();
}

// Pointers are __restrict__: outputs are fresh tensors and inputs are only read, so the compiler may issue a
// channel loop's loads ahead of its stores; the channel loops are unrolled 4 times so that a warp has the loads of
// four channels in flight instead of waiting out one memory latency per channel.
template <typename T, typename TX>
__device__ void layer_norm_channels(const TX* __restrict__ x, const T* __restrict__ weight, const T* __restrict__ bias,
                                    const T* __restrict__ scale, const TX* __restrict__ skip,
                                    const T* __restrict__ skip_weight, int groups, TX* __restrict__ y,
                                    T* __restrict__ mean_out, T* __restrict__ rstd_out, int n, int c, int m, double eps) {
    __shared__ double buf[2][JM_LNC_ROWS][32];
    int i = blockIdx.x, tiles = (m + 31) / 32;
    const T* sw = skip ? skip_weight + (long long)(i % groups) * c : 0;
    for (int t = blockIdx.y; t < tiles; t += gridDim.y) {
        int mm = t * 32 + threadIdx.x;
        bool live = mm < m;
        long long at = (long long)i * c * m + mm, col = (long long)i * m + mm;
        double s = 0, q = 0;
        if (live) {
#pragma unroll 4
            for (int ch = threadIdx.y; ch < c; ch += JM_LNC_ROWS) {
                double v = jm_load(x + at + (long long)ch * m);
                s += v;
                q += v * v;
            }
        }
        jm_lnc_column_sum2(s, q, buf);
        double mu = s / c, var;
        if (sizeof(TX) <= sizeof(float)) {
            var = fmax(q - s * mu, 0.0) / c;   // a float squared fits a double's mantissa: one pass is exact enough
        } else {
            double d2 = 0, unused = 0;
            if (live) {
#pragma unroll 4
            for (int ch = threadIdx.y; ch < c; ch += JM_LNC_ROWS) {
                    double d = jm_load(x + at + (long long)ch * m) - mu;
                    d2 += d * d;
                }
            }
            jm_lnc_column_sum2(d2, unused, buf);
            var = d2 / c;
        }
        double rs = 1.0 / sqrt(var + eps);
        if (!live) continue;
        double sc = scale ? (double)scale[col] : 1.0;
#pragma unroll 4
        for (int ch = threadIdx.y; ch < c; ch += JM_LNC_ROWS) {
            long long k = at + (long long)ch * m;
            double o = (jm_load(x + k) - mu) * rs;
            if (weight) o *= (double)weight[ch];
            if (bias) o += (double)bias[ch];
            o *= sc;
            if (skip) o += (double)sw[ch] * jm_load(skip + k);
            jm_store(y + k, o);
        }
        if (threadIdx.y == 0) {
            mean_out[col] = (T)mu;
            rstd_out[col] = (T)rs;
        }
    }
}

// The raw x, gy and (when skip_wanted) skip values of channels ch0 + u·ROWS, u < 4, of column `at` (zeros past c or
// for a dead column), loaded into registers for the backward's prefetch.
__device__ __forceinline__ double jm_value(float v) { return (double)v; }
__device__ __forceinline__ double jm_value(double v) { return v; }
__device__ __forceinline__ double jm_value(jm_bf16 v) { return (double)jm_bf16_to_float(v); }
template <typename T, typename TX>
__device__ __forceinline__ void jm_lnc_fetch4(const T* __restrict__ gy, const TX* __restrict__ x,
                                              const TX* __restrict__ skip, bool skip_wanted, long long at, int m, int ch0,
                                              int c, bool live, TX (&xv)[4], T (&gv)[4], TX (&kv)[4]) {
#pragma unroll
    for (int u = 0; u < 4; u++) {
        int ch = ch0 + u * JM_LNC_ROWS;
        bool ok = live && ch < c;
        long long k = at + (long long)ch * m;
        xv[u] = ok ? x[k] : (TX)0;
        gv[u] = ok ? gy[k] : (T)0;
        kv[u] = ok && skip_wanted ? skip[k] : (TX)0;
    }
}

// Backward (at least 4 blocks per SM, so at most 64 registers: the kernel waits on memory, and at 80 registers
// 3 blocks of 8 warps per SM left too few warps to hide it; ncu on FractalMamba-T's h_norm). With g = gy scale weight:  gx = rstd (g - mean_c(g) - xhat mean_c(g xhat)),
// gscale[i, mm] = sum_c gy (xhat weight + bias),  gskip = gy skip_weight[i % groups, ch].
// Parameter sums: block (i, part) adds its tiles' gy scale xhat and gy scale per channel (warp sums in double by
// jm_warp_sums, four channels at a time, then in tile order into shared memory) and writes them to partial row i * parts + part ((rows, 2c) doubles: weight then bias);
// the skip-weight sums gy skip go to partial_skip row ((i % groups) * (n / groups) + i / groups) * parts + part
// ((rows, c) doubles), so each group's rows are contiguous. column_sum (norm.cu) then adds the rows in a fixed
// order. gx, gscale, gskip, partial and partial_skip may each be null (not wanted).
template <typename T, typename TX>
__device__ void layer_norm_channels_backward(const T* __restrict__ gy, const TX* __restrict__ x,
                                             const T* __restrict__ mean, const T* __restrict__ rstd,
                                             const T* __restrict__ weight, const T* __restrict__ bias,
                                             const T* __restrict__ scale, const TX* __restrict__ skip,
                                             const T* __restrict__ skip_weight, int groups, T* __restrict__ gx,
                                             T* __restrict__ gscale, T* __restrict__ gskip, double* __restrict__ partial,
                                             double* __restrict__ partial_skip, int n, int c, int m) {
    extern __shared__ double acc[];   // [2c] weight, bias sums when partial; then [c] skip-weight sums when partial_skip
    __shared__ double buf[2][JM_LNC_ROWS][32];
    int i = blockIdx.x, tiles = (m + 31) / 32, lane = threadIdx.x, threads = 32 * JM_LNC_ROWS;
    int flat = threadIdx.y * 32 + lane;
    double* acc_skip = acc + (partial ? 2 * c : 0);
    jm_lnc_zero_sums(acc, partial != 0, partial_skip != 0, c, flat, threads);
    const T* sw = gskip ? skip_weight + (long long)(i % groups) * c : 0;
    bool columns = gx != 0 || gscale != 0;
    for (int t = blockIdx.y; t < tiles; t += gridDim.y) {
        int mm = t * 32 + lane;
        bool live = mm < m;
        long long at = (long long)i * c * m + mm, col = (long long)i * m + mm;
        double mu = live ? (double)mean[col] : 0.0, r = live ? (double)rstd[col] : 0.0;
        double sc = live && scale ? (double)scale[col] : 1.0;
        double sum_g = 0, sum_gx = 0, gs = 0;
        if (columns || partial || partial_skip) {
            // channels ch0 + u·ROWS, u < 4, at a time, with the next four's loads issued before this four's
            // arithmetic (a warp issues in order: without the prefetch it waited out one memory latency per four
            // channels), then one reduce-scatter of the 4 channels' weight and bias terms (and one of their skip
            // terms) instead of a butterfly per channel
            TX xn[4], kn[4];
            T gn[4];
            jm_lnc_fetch4<T, TX>(gy, x, skip, partial_skip != 0, at, m, threadIdx.y, c, live, xn, gn, kn);
            for (int ch0 = threadIdx.y; ch0 < c; ch0 += 4 * JM_LNC_ROWS) {
                TX xv[4], kv[4];
                T gv[4];
#pragma unroll
                for (int u = 0; u < 4; u++) {
                    xv[u] = xn[u];
                    gv[u] = gn[u];
                    kv[u] = kn[u];
                }
                jm_lnc_fetch4<T, TX>(gy, x, skip, partial_skip != 0, at, m, ch0 + 4 * JM_LNC_ROWS, c, live, xn, gn, kn);
                double pv[8], pk[4];
#pragma unroll
                for (int u = 0; u < 4; u++) {
                    int ch = ch0 + u * JM_LNC_ROWS;
                    bool here = ch < c;
                    double xh = live && here ? (jm_value(xv[u]) - mu) * r : 0.0, gyv = (double)gv[u], sk = jm_value(kv[u]);
                    double w = weight && here ? (double)weight[ch] : 1.0, gys = gyv * sc;
                    if (gscale) gs += gyv * (xh * w + (bias && here ? (double)bias[ch] : 0.0));
                    sum_g += gys * w;
                    sum_gx += gys * w * xh;
                    pv[2 * u] = gys * xh;
                    pv[2 * u + 1] = gys;
                    pk[u] = gyv * sk;
                }
                if (partial) {   // every lane of the warp takes part (dead lanes and channels add zeros)
                    int idx = (lane >> 2) & 7, ch = ch0 + (idx >> 1) * JM_LNC_ROWS;
                    double total = jm_warp_sums<double, 8>(pv);
                    if ((lane & 3) == 0 && ch < c) acc[(idx & 1) * c + ch] += total;
                }
                if (partial_skip) {
                    int ch = ch0 + ((lane >> 3) & 3) * JM_LNC_ROWS;
                    double total = jm_warp_sums<double, 4>(pk);
                    if ((lane & 7) == 0 && ch < c) acc_skip[ch] += total;
                }
            }
        }
        if (columns) {
            jm_lnc_column_sum2(sum_g, sum_gx, buf);
            if (gscale) {
                double unused = 0;
                jm_lnc_column_sum2(gs, unused, buf);
                if (live && threadIdx.y == 0) gscale[col] = (T)gs;
            }
        }
        if (!live || (gx == 0 && gskip == 0)) continue;
        double mean_g = sum_g / c, mean_gx = sum_gx / c;
#pragma unroll 8
        for (int ch = threadIdx.y; ch < c; ch += JM_LNC_ROWS) {
            long long k = at + (long long)ch * m;
            double gyv = (double)gy[k];
            if (gx) {
                double xh = (jm_load(x + k) - mu) * r, w = weight ? (double)weight[ch] : 1.0;
                gx[k] = (T)(r * (gyv * sc * w - mean_g - xh * mean_gx));
            }
            if (gskip) gskip[k] = (T)(gyv * (double)sw[ch]);
        }
    }
    jm_lnc_write_sums(acc, partial, partial_skip, i, n, c, groups, flat, threads);
}

#define JM_NORM_CHANNELS(TN, T, TX)                                                                                  \
    extern "C" __global__ void __launch_bounds__(32 * JM_LNC_ROWS) layer_norm_channels_##TN(                        \
            const TX* x, const T* weight, const T* bias, const T* scale, const TX* skip, const T* skip_weight,       \
            int groups, TX* y, T* mean, T* rstd, int n, int c, int m, double eps) {                                  \
        layer_norm_channels<T, TX>(x, weight, bias, scale, skip, skip_weight, groups, y, mean, rstd, n, c, m, eps); \
    }                                                                                                                \
    extern "C" __global__ void __launch_bounds__(32 * JM_LNC_ROWS, 4) layer_norm_channels_backward_##TN(            \
            const T* gy, const TX* x, const T* mean, const T* rstd, const T* weight, const T* bias, const T* scale, \
            const TX* skip, const T* skip_weight, int groups, T* gx, T* gscale, T* gskip, double* partial,          \
            double* partial_skip, int n, int c, int m) {                                                             \
        layer_norm_channels_backward<T, TX>(gy, x, mean, rstd, weight, bias, scale, skip, skip_weight, groups, gx,  \
                                            gscale, gskip, partial, partial_skip, n, c, m);                          \
    }
JM_NORM_CHANNELS(f32, float, float)
JM_NORM_CHANNELS(f64, double, double)
JM_NORM_CHANNELS(bf16, float, jm_bf16)
