// Selective scan v6, backward pass: the summary pass over segments 1 .. S-1 and the main pass, with the warp
// transpose-sums that add dB and dC (see the header of selective_scan_v6.cu for the design).

#ifndef SELECTIVE_SCAN_V6_COMMON
#include "selective_scan_v6.cu"
#endif

// Sums v[j] (M values, M a power of two <= 32) over the warp's lanes for every j. Each halving step sends
// half of the remaining values to the partner lane and adds the half it receives (one shuffle per value);
// afterwards lane t holds the sum for column *j; the lanes whose low bits are zero (writer) store it.
// The levels are template-recursive so every loop has a compile-time trip count and v stays in registers
// (written as a runtime `half /= 2` loop, nvcc kept the first level as a loop over 4 values with predicated
// register moves standing in for v[i]: ~73 instructions per 4 values; SASS of scan6_bwd_n16, H100).
template <int M, int HALF, int OFF>
__device__ __forceinline__ void v6_transpose_level(float (&v)[M], int lane, int& j) {
    if constexpr (HALF >= 1) {
        bool upper = lane & OFF;
        int m = upper ? -1 : 0;     // bitwise selects: a ternary on array elements becomes a local-memory address select
        #pragma unroll
        for (int i = 0; i < HALF; i++) {
            int lo = __float_as_int(v[i]), hi = __float_as_int(v[i + HALF]);
            float send = __int_as_float((lo & m) | (hi & ~m));
            float keep = __int_as_float((hi & m) | (lo & ~m));
            v[i] = keep + __shfl_xor_sync(V6_FULL, send, OFF);
        }
        if (upper) j += HALF;
        v6_transpose_level<M, HALF / 2, OFF / 2>(v, lane, j);
    }
}

// The same sum written as a runtime loop over the levels: fewer registers. The N = 1 backward keeps it (one state
// per chunk, so the sum is a small share of its work, and the unrolled form took it from 167 to 193 registers and
// its VMamba-T stage 1 backward from 2.95 to 3.82 ms on the H100).
template <int M>
__device__ __forceinline__ float v6_warp_transpose_sum_compact(float (&v)[M], int& j, bool& writer) {
    int lane = threadIdx.x & 31, off = 16;
    j = 0;
    #pragma unroll
    for (int half = M / 2; half >= 1; half /= 2, off /= 2) {
        bool upper = lane & off;
        int m = upper ? -1 : 0;
        #pragma unroll
        for (int i = 0; i < half; i++) {
            int lo = __float_as_int(v[i]), hi = __float_as_int(v[i + half]);
            float send = __int_as_float((lo & m) | (hi & ~m));
            float keep = __int_as_float((hi & m) | (lo & ~m));
            v[i] = keep + __shfl_xor_sync(V6_FULL, send, off);
        }
        if (upper) j += half;
    }
    float s = v[0];
    writer = (lane & (32 / M - 1)) == 0;
    #pragma unroll
    for (; off >= 1; off /= 2) s += __shfl_xor_sync(V6_FULL, s, off);
    return s;
}

template <int M>
__device__ __forceinline__ float v6_warp_transpose_sum(float (&v)[M], int& j, bool& writer) {
    int lane = threadIdx.x & 31;
    j = 0;
    v6_transpose_level<M, M / 2, 16>(v, lane, j);
    float s = v[0];
    writer = (lane & (32 / M - 1)) == 0;
    #pragma unroll
    for (int off = 16 / M; off >= 1; off /= 2) s += __shfl_xor_sync(V6_FULL, s, off);
    return s;
}

// gy = gout·silu(z) (the gradient reaching the pre-gate output), or gout without z.
__device__ __forceinline__ float v6_gy(const ScanParams& p, float go, float zv) {
    return p.z ? go * zv * sigmoid_f(zv) : go;
}

// Pass 1 (segments 1 .. S-1): Σ dt and G, the adjoint carry leaving the segment's left end from a zero carry.
template <int NS, typename T>
__device__ void v6_bwd_summary(const ScanParams& p, int b) {
    __shared__ float gs[V6_T * V6_RS], xs[V6_T * V6_RS], zs[V6_T * V6_RS];
    __shared__ __align__(16) float Cs[TL * V6<NS>::BCS];
    V6Block k = v6_block(p, blockIdx.z + 1, b);
    float A2[NS], carry[NS];
    #pragma unroll
    for (int n = 0; n < NS; n++) { A2[n] = k.live && n < p.N ? p.A[k.d * p.N + n] * V6_LOG2E : 0.f; carry[n] = 0.f; }
    float bias = k.live && p.deltaBias ? p.deltaBias[k.d] : 0.f, sumDt = 0.f;
    const float* grow = gs + threadIdx.x * V6_RS;
    const float* xrow = xs + threadIdx.x * V6_RS;
    const float* zrow = zs + threadIdx.x * V6_RS;
    for (int c = k.c1 - 1; c >= k.c0; c--) {
        int l0 = c * TL, len = min(TL, p.L - l0);
        v6_stage_rows(p.gout, SEQ_GOUT, gs, p, k, l0, len);
        v6_stage_rows(v6_seq<T>(p.delta), SEQ_DELTA, xs, p, k, l0, len);
        if (p.z) v6_stage_rows(v6_seq<T>(p.z), SEQ_Z, zs, p, k, l0, len);
        v6_stage_bc<NS, true>(p.Cm, BC_C, Cs, p, k, l0, len);
        __syncwarp();
        for (int j = TL - 1; j >= 0; j--) {
            float dt = v6_dt(p, xrow[j] + bias, j < len), gy = v6_gy(p, grow[j], zrow[j]), Cv[NS];
            sumDt += dt;
            v6_row<NS>(Cs, j, Cv);
            #pragma unroll
            for (int n = 0; n < NS; n++) carry[n] = v6_exp2(dt * A2[n]) * fmaf(gy, Cv[n], carry[n]);
        }
        __syncwarp();
    }
    if (!k.live) return;
    p.segDt[k.seg * k.BD + k.bd] = sumDt;
    #pragma unroll
    for (int n = 0; n < NS; n++) if (n < p.N) p.segState[((size_t)k.seg * p.N + n) * k.BD + k.bd] = carry[n];
}

// Where this block's sums for row n of dB (which = BC_DB) or dC (BC_DC) go, and whether to store them there
// (else add them atomically): its own row of bcPart (stored; summed over the tiles by scan6_bwd_sum); else the
// gradient row itself — stored when the group has one channel tile (the block is its only writer), else added
// atomically to the zeroed row (-Djmamba.scan.atomics=true).
__device__ __forceinline__ float* v6_grad_row(const ScanParams& p, int which, const V6Block& k, int n, bool& store) {
    store = p.bcPart != nullptr || k.tiles == 1;
    if (!p.bcPart) return (which == BC_DB ? p.dB : p.dC) + v6_bc_row(p, which, k, n);
    size_t slab = (size_t)(which - BC_DB) * k.tiles + k.tile;                 // (2, tiles) index
    return p.bcPart + (((slab * p.B + k.b) * p.G + k.g) * p.N + n) * p.L;     // memory columns, as the gradient's
}

// The warp's sums of v[j] (over its 32 channels) into row[col(l0 + j)] (a row from v6_grad_row). Each (row,
// column) has one writer lane in one block: the transposing sum gives every column its own lane, and the
// segments of one (tile, b) cover disjoint columns.
template <int NS>
__device__ __forceinline__ void v6_add_row(float* row, bool store, const ScanParams& p, int g, int l0, float (&v)[TL], int len) {
    int j;
    bool writer;
    float s = NS == 1 ? v6_warp_transpose_sum_compact<TL>(v, j, writer) : v6_warp_transpose_sum<TL>(v, j, writer);
    if (writer && j < len) {
        if (store) row[v6_col(p, g, l0 + j)] = s;
        else atomicAdd(row + v6_col(p, g, l0 + j), s);
    }
}

// Pass 2: fold the later segments into the entering carry, then the segment's chunks in reverse.
template <int NS, typename T>
__device__ void v6_bwd(const ScanParams& p, int b) {
#if K_CHUNK <= 16
    __shared__ float us[V6_T * V6_RS], xs[V6_T * V6_RS], gs[V6_T * V6_RS], zs[V6_T * V6_RS];
    __shared__ __align__(16) float Bs[NS * TL], Cs[NS * TL];
    __shared__ float As[NS * V6_T], carrys[NS * V6_T], dAs[NS * V6_T], h0s[NS * V6_T];   // [n][thread]
    V6Block k = v6_block(p, blockIdx.z, b);
    int t = threadIdx.x, N = NS == 1 ? 1 : p.N;
    for (int n = 0; n < N; n++) {
        float A = k.live ? p.A[k.d * p.N + n] : 0.f, c = 0.f;
        if (k.live) {
            for (int s = p.S - 1; s > k.seg; s--)
                c = fmaf(v6_exp2(A * V6_LOG2E * p.segDt[s * k.BD + k.bd]), c, p.segState[((size_t)s * p.N + n) * k.BD + k.bd]);
        }
        As[n * V6_T + t] = A; carrys[n * V6_T + t] = c; dAs[n * V6_T + t] = 0.f;
    }
    float bias = k.live && p.deltaBias ? p.deltaBias[k.d] : 0.f;
    float dskip = k.live && p.Dskip ? p.Dskip[k.d] : 0.f;
    float dDacc = 0.f, dbacc = 0.f;
    float* urow = us + t * V6_RS;      // u, then du
    float* xrow = xs + t * V6_RS;      // delta, then ddelta
    float* zrow = zs + t * V6_RS;      // z, then dz
    const float* grow = gs + t * V6_RS;
    for (int c = k.c1 - 1; c >= k.c0; c--) {
        int l0 = c * TL, len = min(TL, p.L - l0);
        v6_stage_rows(v6_seq<T>(p.u), SEQ_U, us, p, k, l0, len);
        v6_stage_rows(v6_seq<T>(p.delta), SEQ_DELTA, xs, p, k, l0, len);
        v6_stage_rows(p.gout, SEQ_GOUT, gs, p, k, l0, len);
        if (p.z) v6_stage_rows(v6_seq<T>(p.z), SEQ_Z, zs, p, k, l0, len);
        v6_stage_bc<NS, false>(p.Bm, BC_B, Bs, p, k, l0, len);
        v6_stage_bc<NS, false>(p.Cm, BC_C, Cs, p, k, l0, len);
        for (int n = 0; n < N; n++)
            h0s[n * V6_T + t] = c > 0 && k.live ? p.states[(k.bd * p.nChunks + c - 1) * p.N + n] : 0.f;
        __syncwarp();
        float dt[TL], dtu[TL], gy[TL], sgB[TL], sgAah[TL], y0[TL];
        #pragma unroll
        for (int j = 0; j < TL; j++) {
            dt[j] = v6_dt(p, xrow[j] + bias, j < len);
            dtu[j] = dt[j] * urow[j];
            gy[j] = v6_gy(p, grow[j], zrow[j]);
            sgB[j] = 0.f; sgAah[j] = 0.f; y0[j] = 0.f;
        }
        for (int n = 0; n < N; n++) {
            float A = As[n * V6_T + t], A2 = A * V6_LOG2E, h0 = h0s[n * V6_T + t];
            const float* Bn = Bs + n * TL;
            const float* Cn = Cs + n * TL;
            float a[TL], h[TL], dv[TL], hp = h0;
            #pragma unroll
            for (int j = 0; j < TL; j++) {                        // h over the chunk from the saved state
                a[j] = v6_exp2(dt[j] * A2);
                h[j] = fmaf(a[j], hp, dtu[j] * Bn[j]);
                hp = h[j];
                y0[j] = fmaf(Cn[j], h[j], y0[j]);
                dv[j] = gy[j] * h[j];                             // dC
            }
            bool store;
            float* dCrow = v6_grad_row(p, BC_DC, k, n, store);
            v6_add_row<NS>(dCrow, store, p, k.g, l0, dv, len);
            float carry = carrys[n * V6_T + t], dA = 0.f;
            #pragma unroll
            for (int j = TL - 1; j >= 0; j--) {                   // the adjoint backwards
                float g = fmaf(gy[j], Cn[j], carry);
                float q = g * a[j] * (j > 0 ? h[j - 1] : h0);      // g·a·h_prev
                dv[j] = g * dtu[j];                               // dB
                sgB[j] = fmaf(g, Bn[j], sgB[j]);
                sgAah[j] = fmaf(A, q, sgAah[j]);
                dA = fmaf(dt[j], q, dA);
                carry = a[j] * g;
            }
            float* dBrow = v6_grad_row(p, BC_DB, k, n, store);
            v6_add_row<NS>(dBrow, store, p, k.g, l0, dv, len);
            carrys[n * V6_T + t] = carry;
            dAs[n * V6_T + t] += dA;
        }
        #pragma unroll
        for (int j = 0; j < TL; j++) {                            // per-position gradients into the rows
            float uv = urow[j], x = xrow[j] + bias;
            float dd = uv * sgB[j] + sgAah[j];
            if (p.softplus && x <= 20.f) dd *= sigmoid_f(x);
            if (j < len) { dDacc = fmaf(gy[j], uv, dDacc); dbacc += dd; }
            if (p.z) {
                float zv = zrow[j], sg = sigmoid_f(zv), y = y0[j] + dskip * uv;
                zrow[j] = grow[j] * y * sg * (1.f + zv * (1.f - sg));
            }
            urow[j] = fmaf(dt[j], sgB[j], dskip * gy[j]);
            xrow[j] = dd;
        }
        __syncwarp();
        v6_store_rows<TL>(p.du, SEQ_DU, us, p, k, l0, len);
        v6_store_rows<TL>(p.ddelta, SEQ_DDELTA, xs, p, k, l0, len);
        if (p.z) v6_store_rows<TL>(p.dz, SEQ_DZ, zs, p, k, l0, len);
        __syncwarp();
    }
    if (!k.live) return;
    if (p.paramPart) {   // this (segment, batch)'s row of the partials, summed by scan6_bwd_sum (coalesced over d)
        float* part = p.paramPart + ((size_t)k.seg * p.B + k.b) * (p.N + 2) * p.D + k.d;
        for (int n = 0; n < N; n++) part[(size_t)n * p.D] = dAs[n * V6_T + t];
        part[(size_t)p.N * p.D] = dDacc;
        part[(size_t)(p.N + 1) * p.D] = dbacc;
        return;
    }
    for (int n = 0; n < N; n++) atomicAdd(p.dA + k.d * p.N + n, dAs[n * V6_T + t]);
    if (p.dDskip) atomicAdd(p.dDskip + k.d, dDacc);
    if (p.ddeltaBias) atomicAdd(p.ddeltaBias + k.d, dbacc);
#endif
}

V6_KERNELS(bwd_summary_n1, v6_bwd_summary, 1, __launch_bounds__(V6_T))
V6_KERNELS(bwd_summary_n16, v6_bwd_summary, 16, __launch_bounds__(V6_T))
V6_KERNELS(bwd_n1, v6_bwd, 1, __launch_bounds__(V6_T))
V6_KERNELS(bwd_n16, v6_bwd, 16, __launch_bounds__(V6_T))
// grid (blocks, calls): y = 0 sums the first call, y = 1 the second (pairs)
// The fixed-order sums of the partials (scan_bwd_partial_sums in selective_scan.cu) with the v6 tiles of 32 channels.
__device__ __forceinline__ void v6_bwd_sum(const ScanParams& p) { scan_bwd_partial_sums(p, (p.D / p.G + V6_T - 1) / V6_T); }
extern "C" __global__ void scan6_bwd_sum(ScanParams p) { v6_bwd_sum(p); }
extern "C" __global__ void scan6_bwd_sum_pair(ScanParams p, ScanParams q) {
    if (blockIdx.y == 0) v6_bwd_sum(p); else v6_bwd_sum(q);
}
