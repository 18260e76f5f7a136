// The channels-first layer norm of norm_channels.cu (same operation, arguments and outputs) with four adjacent columns
// per thread: lane tx of a block of 32 x JM_LNCV_ROWS threads owns columns mm0 + 4 tx .. + 3 of a 128-column tile of
// one i, and warp ty walks channels ty, ty + JM_LNCV_ROWS, ... Each load is one 16-byte (float) or 8-byte (bf16) vector,
// so a warp reads 512 or 256 adjacent bytes of a channel; needs M % 4 == 0 and 16-byte aligned pointers (the launcher
// checks and otherwise runs norm_channels.cu's kernels).
// Why: norm_channels.cu's kernels ran FractalMamba-T's h_norm (c = 160 .. 1280) at 0.7-1.9 TB/s on the H100 and executed
// ~160 instructions per element in the backward (double arithmetic per element, double warp sums per element, 64-bit
// addresses per load, register spills): issue-bound as much as memory-bound (Nsight Compute, 2026-12-05). Here the
// per-element arithmetic is float32 (explicit roundings, so float32 and bf16 x give the same bits), a thread's four
// columns share each channel's weight, bias and address, the parameter sums add a thread's four columns before the warp
// sums, and the column statistics and sums stay in double (a float squared fits a double's mantissa).
// TX, the type of x, skip and y, is float or bf16; statistics, parameters, gy and gradients are float32.
#include "jm_common.cuh"

#define JM_LNCV_ROWS 8

__device__ __forceinline__ void jm_lncv_load(const float* p, float (&o)[4]) {
    float4 f = *reinterpret_cast<const float4*>(p);
    o[0] = f.x;
    o[1] = f.y;
    o[2] = f.z;
    o[3] = f.w;
}
__device__ __forceinline__ void jm_lncv_load(const jm_bf16* p, float (&o)[4]) {
    uint2 u = *reinterpret_cast<const uint2*>(p);   // little-endian: element 0 in the low half of u.x
    o[0] = __uint_as_float(u.x << 16);
    o[1] = __uint_as_float(u.x & 0xffff0000u);
    o[2] = __uint_as_float(u.y << 16);
    o[3] = __uint_as_float(u.y & 0xffff0000u);
}
__device__ __forceinline__ void jm_lncv_store(float* p, const float (&o)[4]) {
    *reinterpret_cast<float4*>(p) = make_float4(o[0], o[1], o[2], o[3]);
}
__device__ __forceinline__ void jm_lncv_store(jm_bf16* p, const float (&o)[4]) {
    uint2 u;
    u.x = (unsigned int)jm_float_to_bf16(o[0]) | ((unsigned int)jm_float_to_bf16(o[1]) << 16);
    u.y = (unsigned int)jm_float_to_bf16(o[2]) | ((unsigned int)jm_float_to_bf16(o[3]) << 16);
    *reinterpret_cast<uint2*>(p) = u;
}

// Sums a[u] and b[u] of each of a lane's four columns over the JM_LNCV_ROWS warps, in warp order; every thread gets
// the totals. Every thread of the block must call it (it synchronises).
template <typename S>
__device__ __forceinline__ void jm_lncv_column_sum2(S (&a)[4], S (&b)[4], double (*buf)[JM_LNCV_ROWS][4][32]) {
#pragma unroll
    for (int u = 0; u < 4; u++) {
        buf[0][threadIdx.y][u][threadIdx.x] = a[u];
        buf[1][threadIdx.y][u][threadIdx.x] = b[u];
    }
    __syncthreads();
#pragma unroll
    for (int u = 0; u < 4; u++) {
        double sa = 0, sb = 0;
        for (int k = 0; k < JM_LNCV_ROWS; ++k) {
            sa += buf[0][k][u][threadIdx.x];
            sb += buf[1][k][u][threadIdx.x];
        }
        a[u] = (S)sa;
        b[u] = (S)sb;
    }
    __syncthreads();
}

template <typename TX>
__device__ void layer_norm_channels_vec(const TX* __restrict__ x, const float* __restrict__ weight,
                                        const float* __restrict__ bias, const float* __restrict__ scale,
                                        const TX* __restrict__ skip, const float* __restrict__ skip_weight, int groups,
                                        TX* __restrict__ y, float* __restrict__ mean_out, float* __restrict__ rstd_out,
                                        int n, int c, int m, double eps) {
    __shared__ double buf[2][JM_LNCV_ROWS][4][32];
    int i = blockIdx.x, tiles = (m + 127) / 128;
    const float* sw = skip ? skip_weight + (long long)(i % groups) * c : 0;
    for (int t = blockIdx.y; t < tiles; t += gridDim.y) {
        int mm = t * 128 + 4 * threadIdx.x;
        bool live = mm < m;   // M % 4 == 0: a lane's four columns are all in or all out
        long long at = (long long)i * c * m + mm, col = (long long)i * m + mm;
        double s[4] = {0, 0, 0, 0}, q[4] = {0, 0, 0, 0};
        if (live) {
#pragma unroll 4
            for (int ch = threadIdx.y; ch < c; ch += JM_LNCV_ROWS) {
                float v[4];
                jm_lncv_load(x + at + (long long)ch * m, v);
#pragma unroll
                for (int u = 0; u < 4; u++) {
                    s[u] += v[u];
                    q[u] += (double)v[u] * v[u];
                }
            }
        }
        jm_lncv_column_sum2(s, q, buf);
        float mu[4], rs[4], sc[4] = {1.0f, 1.0f, 1.0f, 1.0f};
#pragma unroll
        for (int u = 0; u < 4; u++) {
            double mean = s[u] / c, var = fmax(q[u] - s[u] * mean, 0.0) / c;
            mu[u] = (float)mean;
            rs[u] = (float)(1.0 / sqrt(var + eps));
        }
        if (!live) continue;
        if (scale) jm_lncv_load(scale + col, sc);
#pragma unroll 4
        for (int ch = threadIdx.y; ch < c; ch += JM_LNCV_ROWS) {
            long long k = at + (long long)ch * m;
            float v[4], kv[4], o[4];
            jm_lncv_load(x + k, v);
            if (skip) jm_lncv_load(skip + k, kv);
            float w = weight ? weight[ch] : 1.0f, b = bias ? bias[ch] : 0.0f, swc = skip ? sw[ch] : 0.0f;
#pragma unroll
            for (int u = 0; u < 4; u++) {
                float h = __fmul_rn(__fsub_rn(v[u], mu[u]), rs[u]);
                h = __fmul_rn(__fadd_rn(__fmul_rn(h, w), b), sc[u]);
                o[u] = skip ? __fadd_rn(h, __fmul_rn(swc, kv[u])) : h;
            }
            jm_lncv_store(y + k, o);
        }
        if (threadIdx.y == 0) {
            jm_lncv_store(mean_out + col, mu);
            jm_lncv_store(rstd_out + col, rs);
        }
    }
}

// Backward, as norm_channels.cu's (its comment gives the formulas and the partial-sum layout); channels four at a time
// (ch0 + uc ROWS, uc < 4) for the parameter sums: a thread's four columns added in float, then jm_warp_sums over the
// warp's 128 columns in float, then into the block's double sums in shared memory in tile order. S is the type of a
// thread's column sums over its channels (sum g, sum g xhat, the scale gradient): double, or float in the "lean" kernels
// (12 fewer registers; the warps' partial sums are still added in double).
template <typename TX, typename S>
__device__ void layer_norm_channels_vec_backward(const float* __restrict__ gy, const TX* __restrict__ x,
                                                 const float* __restrict__ mean, const float* __restrict__ rstd,
                                                 const float* __restrict__ weight, const float* __restrict__ bias,
                                                 const float* __restrict__ scale, const TX* __restrict__ skip,
                                                 const float* __restrict__ skip_weight, int groups, float* __restrict__ gx,
                                                 float* __restrict__ gscale, float* __restrict__ gskip,
                                                 double* __restrict__ partial, double* __restrict__ partial_skip, int n,
                                                 int c, int m) {
    extern __shared__ double acc[];   // [2c] weight, bias sums when partial; then [c] skip-weight sums when partial_skip
    __shared__ double buf[2][JM_LNCV_ROWS][4][32];
    int i = blockIdx.x, tiles = (m + 127) / 128, lane = threadIdx.x, threads = 32 * JM_LNCV_ROWS;
    int flat = threadIdx.y * 32 + lane;
    double* acc_skip = acc + (partial ? 2 * c : 0);
    jm_lnc_zero_sums(acc, partial != 0, partial_skip != 0, c, flat, threads);
    const float* sw = gskip ? skip_weight + (long long)(i % groups) * c : 0;
    bool columns = gx != 0 || gscale != 0;
    for (int t = blockIdx.y; t < tiles; t += gridDim.y) {
        int mm = t * 128 + 4 * lane;
        bool live = mm < m;
        long long at = (long long)i * c * m + mm, col = (long long)i * m + mm;
        float mu[4] = {0, 0, 0, 0}, r[4] = {0, 0, 0, 0}, sc[4] = {1.0f, 1.0f, 1.0f, 1.0f};
        if (live) {
            jm_lncv_load(mean + col, mu);
            jm_lncv_load(rstd + col, r);
            if (scale) jm_lncv_load(scale + col, sc);
        }
        S sum_g[4] = {0, 0, 0, 0}, sum_gx[4] = {0, 0, 0, 0}, gs[4] = {0, 0, 0, 0};
        if (columns || partial || partial_skip) {
            for (int ch0 = threadIdx.y; ch0 < c; ch0 += 4 * JM_LNCV_ROWS) {
                float pv[8], pk[4];
#pragma unroll
                for (int uc = 0; uc < 4; uc++) {
                    int ch = ch0 + uc * JM_LNCV_ROWS;
                    bool here = ch < c, ok = live && here;
                    float xv[4] = {0, 0, 0, 0}, gv[4] = {0, 0, 0, 0}, kv[4] = {0, 0, 0, 0};
                    long long k = at + (long long)ch * m;
                    if (ok) {
                        jm_lncv_load(x + k, xv);
                        jm_lncv_load(gy + k, gv);
                        if (partial_skip) jm_lncv_load(skip + k, kv);
                    }
                    float w = here && weight ? weight[ch] : 1.0f, b = here && bias ? bias[ch] : 0.0f;
                    float pw = 0, pb = 0, ps = 0;
#pragma unroll
                    for (int u = 0; u < 4; u++) {
                        float xh = __fmul_rn(__fsub_rn(xv[u], mu[u]), r[u]), gys = __fmul_rn(gv[u], sc[u]);
                        float gw = __fmul_rn(gys, w);
                        if (gscale) gs[u] += (S)__fmul_rn(gv[u], __fadd_rn(__fmul_rn(xh, w), b));
                        sum_g[u] += (S)gw;
                        sum_gx[u] += (S)__fmul_rn(gw, xh);
                        pw = __fadd_rn(pw, __fmul_rn(gys, xh));
                        pb = __fadd_rn(pb, gys);
                        ps = __fadd_rn(ps, __fmul_rn(gv[u], kv[u]));
                    }
                    pv[2 * uc] = pw;
                    pv[2 * uc + 1] = pb;
                    pk[uc] = ps;
                }
                if (partial) {   // every lane of the warp takes part (dead lanes and channels add zeros)
                    int idx = (lane >> 2) & 7, ch = ch0 + (idx >> 1) * JM_LNCV_ROWS;
                    float sum = jm_warp_sums<float, 8>(pv);
                    if ((lane & 3) == 0 && ch < c) acc[(idx & 1) * c + ch] += (double)sum;
                }
                if (partial_skip) {
                    int ch = ch0 + ((lane >> 3) & 3) * JM_LNCV_ROWS;
                    float sum = jm_warp_sums<float, 4>(pk);
                    if ((lane & 7) == 0 && ch < c) acc_skip[ch] += (double)sum;
                }
            }
        }
        if (columns) {
            jm_lncv_column_sum2(sum_g, sum_gx, buf);
            if (gscale) {
                S unused[4] = {0, 0, 0, 0};
                jm_lncv_column_sum2(gs, unused, buf);
                if (live && threadIdx.y == 0) {
                    float o[4] = {(float)gs[0], (float)gs[1], (float)gs[2], (float)gs[3]};
                    jm_lncv_store(gscale + col, o);
                }
            }
        }
        if (!live || (gx == 0 && gskip == 0)) continue;
        float mean_g[4], mean_gx[4];
#pragma unroll
        for (int u = 0; u < 4; u++) {
            mean_g[u] = (float)((double)sum_g[u] / c);
            mean_gx[u] = (float)((double)sum_gx[u] / c);
        }
#pragma unroll 4
        for (int ch = threadIdx.y; ch < c; ch += JM_LNCV_ROWS) {
            long long k = at + (long long)ch * m;
            float gv[4], o[4];
            jm_lncv_load(gy + k, gv);
            if (gx) {
                float xv[4], w = weight ? weight[ch] : 1.0f;
                jm_lncv_load(x + k, xv);
#pragma unroll
                for (int u = 0; u < 4; u++) {
                    float xh = __fmul_rn(__fsub_rn(xv[u], mu[u]), r[u]);
                    float d = __fsub_rn(__fsub_rn(__fmul_rn(__fmul_rn(gv[u], sc[u]), w), mean_g[u]), __fmul_rn(xh, mean_gx[u]));
                    o[u] = __fmul_rn(r[u], d);
                }
                jm_lncv_store(gx + k, o);
            }
            if (gskip) {
                float swc = sw[ch];
#pragma unroll
                for (int u = 0; u < 4; u++) o[u] = __fmul_rn(gv[u], swc);
                jm_lncv_store(gskip + k, o);
            }
        }
    }
    jm_lnc_write_sums(acc, partial, partial_skip, i, n, c, groups, flat, threads);
}

#define JM_NORM_CHANNELS_VEC(TN, TX)                                                                                 \
    extern "C" __global__ void __launch_bounds__(32 * JM_LNCV_ROWS) layer_norm_channels_vec_##TN(                   \
            const TX* x, const float* weight, const float* bias, const float* scale, const TX* skip,                \
            const float* skip_weight, int groups, TX* y, float* mean, float* rstd, int n, int c, int m, double eps) { \
        layer_norm_channels_vec<TX>(x, weight, bias, scale, skip, skip_weight, groups, y, mean, rstd, n, c, m, eps);  \
    }                                                                                                                \
    extern "C" __global__ void __launch_bounds__(32 * JM_LNCV_ROWS) layer_norm_channels_vec_backward_##TN(          \
            const float* gy, const TX* x, const float* mean, const float* rstd, const float* weight,                 \
            const float* bias, const float* scale, const TX* skip, const float* skip_weight, int groups, float* gx,  \
            float* gscale, float* gskip, double* partial, double* partial_skip, int n, int c, int m) {               \
        layer_norm_channels_vec_backward<TX, double>(gy, x, mean, rstd, weight, bias, scale, skip, skip_weight,      \
                                                     groups, gx, gscale, gskip, partial, partial_skip, n, c, m);     \
    }                                                                                                                \
    extern "C" __global__ void __launch_bounds__(32 * JM_LNCV_ROWS, 3) layer_norm_channels_vec_backward_lean_##TN(  \
            const float* gy, const TX* x, const float* mean, const float* rstd, const float* weight,                 \
            const float* bias, const float* scale, const TX* skip, const float* skip_weight, int groups, float* gx,  \
            float* gscale, float* gskip, double* partial, double* partial_skip, int n, int c, int m) {               \
        layer_norm_channels_vec_backward<TX, float>(gy, x, mean, rstd, weight, bias, scale, skip, skip_weight,       \
                                                    groups, gx, gscale, gskip, partial, partial_skip, n, c, m);      \
    }
JM_NORM_CHANNELS_VEC(f32, float)
JM_NORM_CHANNELS_VEC(bf16, jm_bf16)
