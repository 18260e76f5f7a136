// Selective scan v6, forward pass: the summary pass over segments 0 .. S-2 and the main pass (see the header of
// selective_scan_v6.cu for the design, selective_scan.cu for the measured versions).

#ifndef SELECTIVE_SCAN_V6_COMMON
#include "selective_scan_v6.cu"
#endif

// The forward stages W positions (a whole number of chunks) per tile, STAGES tiles in flight: N = 1 (VMamba) does
// little arithmetic per byte, so it stages 32 positions (128-byte row runs, whole DRAM bursts); N = 16 stages one
// 16-position chunk. Two stages each: more would cut the blocks per SM below one wave of the Vim-T/VMamba grids
// (12 blocks of ~18 KB per SM for 1536 blocks).
template <int NS> struct V6Fwd {
    static constexpr int W = NS == 1 ? 32 : (TL > 16 ? TL : 16);
    static constexpr int STAGES = 2;
    static constexpr int ROW_FLOATS = V6_T * (W + 1);             // one [32 × W] tile, padded rows
    static constexpr int BC_FLOATS = W * V6<NS>::BCS;             // one [W][BCS] tile
};

// One stage's tiles inside the dynamic shared memory: u (then y), delta, [z], B, [C]. The launcher sizes the
// memory as STAGES × (2 or 3 row tiles + 1 or 2 B/C tiles) floats (SelectiveScanCuda.forwardSharedBytes).
template <int NS>
struct V6FwdTiles {
    float *u, *x, *z, *B, *C;
    __device__ __forceinline__ V6FwdTiles(float* smem, int stage, bool hasZ, bool main) {
        constexpr int R = V6Fwd<NS>::ROW_FLOATS, BC = V6Fwd<NS>::BC_FLOATS;
        int per = (hasZ && main ? 3 : 2) * R + (main ? 2 : 1) * BC;
        u = smem + stage * per;
        x = u + R;
        z = hasZ && main ? x + R : x;
        B = (hasZ && main ? z : x) + R;
        C = main ? B + BC : B;
    }
};

// Queues the loads of the stage starting at chunk c (until chunk cEnd) into its tiles (C and z only for the
// main pass) and commits them as one group; c >= cEnd commits an empty group (keeps the wait count uniform).
template <int NS, typename T>
__device__ __forceinline__ void v6_fwd_stage(const ScanParams& p, const V6Block& k, float* smem, int c, bool main) {
    constexpr int W = V6Fwd<NS>::W, CPS = W / TL;
    if (c < k.c1) {
        V6FwdTiles<NS> t(smem, ((c - k.c0) / CPS) % V6Fwd<NS>::STAGES, p.z != nullptr, main);
        int l0 = c * TL, len = min(min(c + CPS, k.c1) * TL, p.L) - l0;
        v6_stage_rows_async<W>(v6_seq<T>(p.u), SEQ_U, t.u, p, k, l0, len);
        v6_stage_rows_async<W>(v6_seq<T>(p.delta), SEQ_DELTA, t.x, p, k, l0, len);
        v6_stage_bc_async<NS, W>(p.Bm, BC_B, t.B, p, k, l0, len);
        if (main) {
            if (p.z) v6_stage_rows_async<W>(v6_seq<T>(p.z), SEQ_Z, t.z, p, k, l0, len);
            v6_stage_bc_async<NS, W>(p.Cm, BC_C, t.C, p, k, l0, len);
        }
    }
    v6_cp_commit();
}

// Queues the stages ahead of the first one.
template <int NS, typename T>
__device__ __forceinline__ void v6_fwd_prologue(const ScanParams& p, const V6Block& k, float* smem, bool main) {
    constexpr int CPS = V6Fwd<NS>::W / TL;
    #pragma unroll
    for (int i = 0; i < V6Fwd<NS>::STAGES - 1; i++) v6_fwd_stage<NS, T>(p, k, smem, k.c0 + i * CPS, main);
}

// At the stage starting at chunk c: queues the stage STAGES-1 ahead (into the tiles the previous stage used),
// then waits for this stage's tiles.
template <int NS, typename T>
__device__ __forceinline__ void v6_fwd_advance(const ScanParams& p, const V6Block& k, float* smem, int c, bool main) {
    constexpr int CPS = V6Fwd<NS>::W / TL;
    v6_fwd_stage<NS, T>(p, k, smem, c + (V6Fwd<NS>::STAGES - 1) * CPS, main);
    v6_cp_wait<V6Fwd<NS>::STAGES - 1>();
    __syncwarp();
}

// Pass 1 (segments 0 .. S-2): Σ dt and the segment's end state from a zero start.
template <int NS, typename T>
__device__ void v6_fwd_summary(const ScanParams& p, int b) {
    extern __shared__ __align__(16) float v6_smem[];
    constexpr int W = V6Fwd<NS>::W, CPS = W / TL;
    V6Block k = v6_block(p, blockIdx.z, b);
    float A2[NS], h[NS];
    #pragma unroll
    for (int n = 0; n < NS; n++) { A2[n] = k.live && n < p.N ? p.A[k.d * p.N + n] * V6_LOG2E : 0.f; h[n] = 0.f; }
    float bias = k.live && p.deltaBias ? p.deltaBias[k.d] : 0.f, sumDt = 0.f;
    v6_fwd_prologue<NS, T>(p, k, v6_smem, false);
    for (int c = k.c0; c < k.c1; c += CPS) {
        int len = min(min(c + CPS, k.c1) * TL, p.L) - c * TL;
        v6_fwd_advance<NS, T>(p, k, v6_smem, c, false);
        V6FwdTiles<NS> t(v6_smem, ((c - k.c0) / CPS) % V6Fwd<NS>::STAGES, p.z != nullptr, false);
        const float* urow = t.u + threadIdx.x * (W + 1);
        const float* xrow = t.x + threadIdx.x * (W + 1);
        for (int j = 0; j < W; j++) {
            float dt = v6_dt(p, xrow[j] + bias, j < len), dtu = dt * urow[j], Bv[NS];
            sumDt += dt;
            v6_row<NS>(t.B, j, Bv);
            #pragma unroll
            for (int n = 0; n < NS; n++) h[n] = fmaf(v6_exp2(dt * A2[n]), h[n], dtu * Bv[n]);
        }
        __syncwarp();                                  // these tiles are refilled by the next advance
    }
    v6_cp_wait<0>();
    if (!k.live) return;
    p.segDt[k.seg * k.BD + k.bd] = sumDt;
    #pragma unroll
    for (int n = 0; n < NS; n++) if (n < p.N) p.segState[((size_t)k.seg * p.N + n) * k.BD + k.bd] = h[n];
}

// Writes h as the saved state of chunk c.
template <int NS>
__device__ __forceinline__ void v6_save_state(const ScanParams& p, const V6Block& k, int c, const float (&h)[NS]) {
    float* st = p.states + (k.bd * p.nChunks + c) * p.N;
    if (NS == 16 && p.N == 16) {
        #pragma unroll
        for (int q = 0; q < NS / 4; q++)
            reinterpret_cast<float4*>(st)[q] = make_float4(h[4 * q], h[4 * q + 1], h[4 * q + 2], h[4 * q + 3]);
    } else {
        #pragma unroll
        for (int n = 0; n < NS; n++) if (n < p.N) st[n] = h[n];
    }
}

// Pass 2: fold the earlier segments into the entering state, re-run the segment writing y and the states.
template <int NS, typename T>
__device__ void v6_fwd(const ScanParams& p, int b) {
    extern __shared__ __align__(16) float v6_smem[];
    constexpr int W = V6Fwd<NS>::W, CPS = W / TL;
    V6Block k = v6_block(p, blockIdx.z, b);
    float A2[NS], h[NS];
    #pragma unroll
    for (int n = 0; n < NS; n++) { A2[n] = k.live && n < p.N ? p.A[k.d * p.N + n] * V6_LOG2E : 0.f; h[n] = 0.f; }
    v6_fwd_prologue<NS, T>(p, k, v6_smem, true);      // the first tiles load while the summaries fold
    if (k.live) {
        for (int s = 0; s < k.seg; s++) {
            float sdt = p.segDt[s * k.BD + k.bd];
            #pragma unroll
            for (int n = 0; n < NS; n++)
                if (n < p.N) h[n] = fmaf(v6_exp2(A2[n] * sdt), h[n], p.segState[((size_t)s * p.N + n) * k.BD + k.bd]);
        }
    }
    float bias = k.live && p.deltaBias ? p.deltaBias[k.d] : 0.f;
    float dskip = k.live && p.Dskip ? p.Dskip[k.d] : 0.f;
    bool saveStates = k.live && p.states;              // no states when no backward will run
    for (int c = k.c0; c < k.c1; c += CPS) {
        int l0 = c * TL, cEnd = min(c + CPS, k.c1), len = min(cEnd * TL, p.L) - l0;
        v6_fwd_advance<NS, T>(p, k, v6_smem, c, true);
        V6FwdTiles<NS> t(v6_smem, ((c - k.c0) / CPS) % V6Fwd<NS>::STAGES, p.z != nullptr, true);
        float* urow = t.u + threadIdx.x * (W + 1);            // u, then y
        const float* xrow = t.x + threadIdx.x * (W + 1);
        const float* zrow = t.z + threadIdx.x * (W + 1);
        for (int j = 0; j < W; j++) {
            float uv = urow[j], dt = v6_dt(p, xrow[j] + bias, j < len), dtu = dt * uv, Bv[NS], Cv[NS], acc = 0.f;
            v6_row<NS>(t.B, j, Bv);
            v6_row<NS>(t.C, j, Cv);
            #pragma unroll
            for (int n = 0; n < NS; n++) {
                h[n] = fmaf(v6_exp2(dt * A2[n]), h[n], dtu * Bv[n]);
                acc = fmaf(Cv[n], h[n], acc);
            }
            float y = acc + dskip * uv;
            if (p.z) { float zv = zrow[j]; y *= zv * sigmoid_f(zv); }
            urow[j] = y;
            if ((j + 1) % TL == 0 && saveStates && c + j / TL < cEnd) v6_save_state<NS>(p, k, c + j / TL, h);
        }
        __syncwarp();
        v6_store_rows<W>(reinterpret_cast<T*>(p.out), SEQ_OUT, t.u, p, k, l0, len);
        __syncwarp();                                  // these tiles are refilled by the next advance
    }
    v6_cp_wait<0>();
    if (p.lastState && k.live && k.c1 == p.nChunks) {
        #pragma unroll
        for (int n = 0; n < NS; n++) if (n < p.N) p.lastState[k.bd * p.N + n] = h[n];
    }
}

V6_KERNELS(fwd_summary_n1, v6_fwd_summary, 1, __launch_bounds__(V6_T, V6_FWD_MIN_BLOCKS))
V6_KERNELS(fwd_summary_n16, v6_fwd_summary, 16, __launch_bounds__(V6_T, V6_FWD_MIN_BLOCKS))
V6_KERNELS(fwd_n1, v6_fwd, 1, __launch_bounds__(V6_T, V6_FWD_MIN_BLOCKS))
V6_KERNELS(fwd_n16, v6_fwd, 16, __launch_bounds__(V6_T, V6_FWD_MIN_BLOCKS))
