// GPU crop, resample, flip and normalise of a decoded 8-bit interleaved RGB image into a (3, S, S) float
// slot of a batch (ImageKernels.java, used after nvJPEG decoding). The same computation as the CPU's
// FusedCrop.resample: host-computed separable filter taps (first index, count, weights per output
// position), a horizontal pass over the rows the window reads into tmp (3, rows, S), then a vertical pass,
// clamp (bicubic), flip and (v - mean) * (1 / std). Every product and sum uses the round-to-nearest
// intrinsics in the CPU's order (never contracted into a fused multiply-add), so given the same pixels
// the output equals the CPU's bit for bit.
#include "jm_common.cuh"

// tmp[c][y][x] for y < rows, x < s: sum over k of w[ox][k] * (rgb[row0 + y][left + first[ox] + k][c] / 255), ox = winLeft + x.
extern "C" __global__ void crop_horizontal(const unsigned char* __restrict__ rgb, long long pitch, int row0, int left,
                                           const int* __restrict__ first, const int* __restrict__ count,
                                           const float* __restrict__ weights, int maxTaps, int winLeft,
                                           float* __restrict__ tmp, int rows, int s) {
    const float inv255 = 1.0f / 255.0f;
    const long long plane = (long long)rows * s;
    for (long long i = jm_thread_index(); i < plane; i += jm_thread_count()) {
        const int y = (int)(i / s), x = (int)(i % s), ox = winLeft + x;
        const int f = first[ox], n = count[ox];
        const float* w = weights + (long long)ox * maxTaps;
        const unsigned char* p = rgb + (long long)(row0 + y) * pitch + 3LL * (left + f);
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f;
        for (int k = 0; k < n; k++, p += 3) {
            const float wk = w[k];
            a0 = __fadd_rn(a0, __fmul_rn(wk, __fmul_rn((float)p[0], inv255)));
            a1 = __fadd_rn(a1, __fmul_rn(wk, __fmul_rn((float)p[1], inv255)));
            a2 = __fadd_rn(a2, __fmul_rn(wk, __fmul_rn((float)p[2], inv255)));
        }
        tmp[i] = a0;
        tmp[plane + i] = a1;
        tmp[2 * plane + i] = a2;
    }
}

// out[c][y][flip ? s-1-x : x] = (clamp?(sum over k of w[oy][k] * tmp[c][first[oy] - rowFrom + k][x]) - mean[c]) * inv[c], oy = winTop + y.
extern "C" __global__ void crop_vertical(const float* __restrict__ tmp, int rows, int s, int rowFrom,
                                         const int* __restrict__ first, const int* __restrict__ count,
                                         const float* __restrict__ weights, int maxTaps, int winTop, int clamp, int flip,
                                         float m0, float m1, float m2, float i0, float i1, float i2, float* __restrict__ out) {
    const long long plane = (long long)s * s, total = 3 * plane;
    for (long long i = jm_thread_index(); i < total; i += jm_thread_count()) {
        const int c = (int)(i / plane), y = (int)((i / s) % s), x = (int)(i % s), oy = winTop + y;
        const int f = first[oy] - rowFrom, n = count[oy];
        const float* w = weights + (long long)oy * maxTaps;
        const float* t = tmp + (long long)c * rows * s + (long long)f * s + x;
        float acc = 0.0f;
        for (int k = 0; k < n; k++) acc = __fadd_rn(acc, __fmul_rn(w[k], t[(long long)k * s]));
        const float v = clamp ? fminf(fmaxf(acc, 0.0f), 1.0f) : acc;
        const float m = c == 0 ? m0 : c == 1 ? m1 : m2, inv = c == 0 ? i0 : c == 1 ? i1 : i2;
        out[(long long)c * plane + (long long)y * s + (flip ? s - 1 - x : x)] = __fmul_rn(__fsub_rn(v, m), inv);
    }
}
