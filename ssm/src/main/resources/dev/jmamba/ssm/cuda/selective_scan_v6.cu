// Selective scan v6: segments along L + shared-memory staging, one thread per (b, d, segment) carrying all
// N <= 16 states. The launcher (SelectiveScanCuda) appends this file to selective_scan.cu (ScanParams, v3,
// the version list); compiled on its own (nvcc syntax test) it includes that file.
//
// Layout: block = one warp = 32 consecutive channels d0 .. d0 + 31 of one (b, group g) and one segment
// (grid: channel tiles × B × S). A segment is segChunks chunks of TL = K_CHUNK positions (the chunk of the
// saved states), so chunk boundaries never straddle segments. Each chunk the warp stages [32 × TL] tiles of
// u, delta, z, gout (thread t loads rows t / TL + i·(32 / TL) at column t % TL: 32-float runs, one pointer
// increment per element) and the group's B, C rows [N × TL], read by all 32 channels as broadcasts. Rows
// past the group's channels (D / G not a multiple of 32) and positions past L are staged as zeros, with
// dt = 0 past L (so a = 1 and h passes through), which makes their contributions vanish without branches.
// exp(dt·A) is ex2.approx(dt·(A·log2 e)) — __expf's accuracy, one multiply fewer.
// The forward stages W positions per tile (32 for N = 1, else one chunk) with cp.async into two buffers, so the
// next tile loads while the current one computes; the backward stages one chunk at a time with plain loads.
// Every tensor has its own batch and channel (or B/C row) strides (ScanLayout; positions contiguous), `reverse`
// maps scan position l to column L-1-l, and the *_pair kernels run two calls of one shape (grid y = 2B).
//
// Forward, h_l = a_l·h_{l-1} + dt_l·B_l·u_l is affine in the state entering a segment:
//   pass 1 (segments 0 .. S-2): P = Π a = exp(A·Σ dt) (stored as Σ dt) and H = the state at the segment
//          end from a zero start;
//   pass 2 (all segments): h_enter = fold over the earlier segments (h ← exp(A·Σdt_s)·h + H_s), then the
//          segment is re-run writing y (through shared memory, coalesced) and the chunk states.
//   S = 1 runs pass 2 alone (no summaries, nothing re-read).
// Backward, the adjoint g_l = gy_l·C_l + a_{l+1}·g_{l+1}: with carry c = a_{l+1}·g_{l+1} entering a segment
// from the right, the carry leaving its left end is G + exp(A·Σdt)·c with G the carry from c = 0:
//   pass 1 (segments 1 .. S-1): Σ dt and G, walking the segment backwards (no h needed);
//   pass 2: c_enter = fold over the later segments, then chunks in reverse; per chunk and per state n
//          (n outer, so only TL-long register arrays): h recomputed forward from the saved chunk state,
//          then the adjoint backwards; du, ddelta, dz accumulate per position in registers and leave through
//          shared memory; dA, dDskip, ddeltaBias per thread, one atomic per thread at the end; dB, dC are
//          summed over the warp's 32 channels by a transposing shuffle reduction (one shuffle per value)
//          and added with one atomicAdd per (n, l) per block.
// Templates: NS = 1 (VMamba's N = 1) or 16 (any N <= 16, the missing states staged as zeros with A = 0).
// The backward keeps TL-long arrays in registers: v6 backward only for K_CHUNK <= 16 (v3 otherwise).

#ifndef SELECTIVE_SCAN_COMMON
#include "selective_scan.cu"
#endif

#define V6_T 32                        // threads = channels per block (one warp)
#define V6_ROWSTEP (V6_T / TL)         // rows one staging step advances (TL divides 32)
#define V6_RS (TL + 1)                 // row stride of per-channel rows (conflict-free column reads)
#define V6_LOG2E 1.4426950408889634f
#define V6_FULL 0xffffffffu
#define V6_FWD_MIN_BLOCKS 20           // forward: at most 96 registers (without the bound the 64-bit layout strides take
                                       // it to 124); the double-buffered tiles (~18 KB) then limit it to 12 blocks per SM

__device__ __forceinline__ float v6_exp2(float x) {
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}

// Row stride of B/C staged as [TL][NS] (forward, backward pass 1): 16-byte aligned rows for float4 reads.
template <int NS> struct V6 { static constexpr int BCS = NS == 1 ? 1 : NS + 4; };

// The block's place: batch b, group g, channels d0 .. d0 + rows - 1, segment seg = chunks c0 .. c1 - 1.
struct V6Block {
    int b, g, d0, rows, seg, c0, c1, d;
    bool live;        // this thread's channel exists
    size_t bd;        // b·D + d (index of the per-channel summaries and saved states)
    size_t BD;        // B·D
};

__device__ __forceinline__ V6Block v6_block(const ScanParams& p, int seg, int b) {
    V6Block k;
    int dpg = p.D / p.G, tilesPerGroup = (dpg + V6_T - 1) / V6_T;
    k.g = blockIdx.x / tilesPerGroup;
    int tile = blockIdx.x - k.g * tilesPerGroup;
    k.d0 = k.g * dpg + tile * V6_T;
    k.rows = min(V6_T, dpg - tile * V6_T);
    k.b = b;
    k.seg = seg;
    k.c0 = seg * p.segChunks;
    k.c1 = min(p.nChunks, k.c0 + p.segChunks);
    k.live = threadIdx.x < k.rows;
    k.d = k.d0 + threadIdx.x;
    k.BD = (size_t)p.B * p.D;
    k.bd = (size_t)k.b * p.D + k.d;
    return k;
}

// Memory column of scan position l (reverse scans read and write positions from the end).
__device__ __forceinline__ int v6_col(const ScanParams& p, int l) { return p.reverse ? p.L - 1 - l : l; }

// [32 × TL] tile of (B, D, L) tensor `which` (SEQ_*) at scan positions l0 .. l0 + len - 1 into rows of stride V6_RS.
__device__ __forceinline__ void v6_stage_rows(const float* __restrict__ src, int which, float* dst, const ScanParams& p,
                                              const V6Block& k, int l0, int len) {
    int j = threadIdx.x % TL, r = threadIdx.x / TL;
    bool colOk = j < len;
    long long rowStride = p.seqStride[which][1];
    const float* ptr = src + k.b * p.seqStride[which][0] + (k.d0 + r) * rowStride + (colOk ? v6_col(p, l0 + j) : 0);
    long long step = V6_ROWSTEP * rowStride;
    float v[TL];
    #pragma unroll
    for (int i = 0; i < TL; i++) {
        v[i] = colOk && r + i * V6_ROWSTEP < k.rows ? __ldg(ptr) : 0.f;
        ptr += step;
    }
    #pragma unroll
    for (int i = 0; i < TL; i++) dst[(r + i * V6_ROWSTEP) * V6_RS + j] = v[i];
}

// The inverse of the staging: a [32 × W] tile with rows of stride W + 1 to (B, D, L) tensor `which` (only existing
// channels and positions).
template <int W>
__device__ __forceinline__ void v6_store_rows(float* __restrict__ dst, int which, const float* src, const ScanParams& p,
                                                const V6Block& k, int l0, int len) {
    constexpr int ROWSTEP = V6_T / W;
    int j = threadIdx.x % W, r = threadIdx.x / W;
    bool colOk = j < len;
    long long rowStride = p.seqStride[which][1];
    float* ptr = dst + k.b * p.seqStride[which][0] + (k.d0 + r) * rowStride + (colOk ? v6_col(p, l0 + j) : 0);
    long long step = ROWSTEP * rowStride;
    #pragma unroll
    for (int i = 0; i < W; i++) {
        if (colOk && r + i * ROWSTEP < k.rows) *ptr = src[(r + i * ROWSTEP) * (W + 1) + j];
        ptr += step;
    }
}

// Element offset of row (b, g, n) of (B, G, N, L) tensor `which` (BC_*).
__device__ __forceinline__ long long v6_bc_row(const ScanParams& p, int which, const V6Block& k, int n) {
    return k.b * p.bcStride[which][0] + (long long)(k.g * p.N + n) * p.bcStride[which][1];
}

// The group's B or C rows (N × TL, zero for n >= N or past L) as [TL][BCS] (transposed) or [NS][TL].
template <int NS, bool TRANSPOSED>
__device__ __forceinline__ void v6_stage_bc(const float* __restrict__ src, int which, float* dst, const ScanParams& p,
                                            const V6Block& k, int l0, int len) {
    constexpr int PER = (NS * TL + V6_T - 1) / V6_T;
    int j = threadIdx.x % TL, n0 = threadIdx.x / TL;
    bool colOk = j < len;
    const float* ptr = src + v6_bc_row(p, which, k, n0) + (colOk ? v6_col(p, l0 + j) : 0);
    long long step = V6_ROWSTEP * p.bcStride[which][1];
    float v[PER];
    #pragma unroll
    for (int i = 0; i < PER; i++) {
        v[i] = colOk && n0 + i * V6_ROWSTEP < p.N ? __ldg(ptr) : 0.f;
        ptr += step;
    }
    #pragma unroll
    for (int i = 0; i < PER; i++) {
        int n = n0 + i * V6_ROWSTEP;
        if (n < NS) dst[TRANSPOSED ? j * V6<NS>::BCS + n : n * TL + j] = v[i];
    }
}

// ---- asynchronous staging (forward): cp.async copies global → shared without registers, so the next
// chunk's tiles load while the current chunk computes (two buffers per tile). Elements outside the tensor
// (channels past the group, positions past L, states n >= N) are zero-filled (source size 0).
__device__ __forceinline__ void v6_cp4(float* dst, const float* src, bool valid) {
    unsigned d = (unsigned)__cvta_generic_to_shared(dst);
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" :: "r"(d), "l"(src), "r"(valid ? 4 : 0));
}
__device__ __forceinline__ void v6_cp_commit() { asm volatile("cp.async.commit_group;\n" ::); }
template <int PENDING>
__device__ __forceinline__ void v6_cp_wait() { asm volatile("cp.async.wait_group %0;\n" :: "n"(PENDING)); }

// [32 × W] tile of (B, D, L) tensor `which` at scan positions l0 .. l0 + len - 1 into rows of stride W + 1, with
// cp.async (thread t copies column t % W of rows t / W, t / W + 32 / W, ...; the source pointer of a zero-filled
// element stays inside the tensor).
template <int W>
__device__ __forceinline__ void v6_stage_rows_async(const float* __restrict__ src, int which, float* dst, const ScanParams& p,
                                                    const V6Block& k, int l0, int len) {
    constexpr int ROWSTEP = V6_T / W;
    int j = threadIdx.x % W, r = threadIdx.x / W;
    bool colOk = j < len;
    long long rowStride = p.seqStride[which][1];
    const float* ptr = src + k.b * p.seqStride[which][0] + (k.d0 + r) * rowStride + (colOk ? v6_col(p, l0 + j) : 0);
    long long step = ROWSTEP * rowStride;
    #pragma unroll
    for (int i = 0; i < W; i++) {
        bool ok = colOk && r + i * ROWSTEP < k.rows;
        v6_cp4(dst + (r + i * ROWSTEP) * (W + 1) + j, ok ? ptr : src, ok);
        ptr += step;
    }
}

// The group's B or C rows at l0 .. l0 + len - 1 (zero for n >= N) as [W][BCS] with cp.async.
template <int NS, int W>
__device__ __forceinline__ void v6_stage_bc_async(const float* __restrict__ src, int which, float* dst, const ScanParams& p,
                                                  const V6Block& k, int l0, int len) {
    constexpr int ROWSTEP = V6_T / W, PER = (NS * W + V6_T - 1) / V6_T;
    int j = threadIdx.x % W, n0 = threadIdx.x / W;
    bool colOk = j < len;
    const float* ptr = src + v6_bc_row(p, which, k, n0) + (colOk ? v6_col(p, l0 + j) : 0);
    long long step = ROWSTEP * p.bcStride[which][1];
    #pragma unroll
    for (int i = 0; i < PER; i++) {
        int n = n0 + i * ROWSTEP;
        bool ok = colOk && n < p.N;
        if (n < NS) v6_cp4(dst + j * V6<NS>::BCS + n, ok ? ptr : src, ok);
        ptr += step;
    }
}

// Reads the NS values of row j of a [TL][BCS] tile (float4 loads when NS is a multiple of 4).
template <int NS>
__device__ __forceinline__ void v6_row(const float* tile, int j, float (&out)[NS]) {
    const float* row = tile + j * V6<NS>::BCS;
    if constexpr (NS % 4 == 0) {
        #pragma unroll
        for (int q = 0; q < NS / 4; q++) {
            float4 f = reinterpret_cast<const float4*>(row)[q];
            out[4 * q] = f.x; out[4 * q + 1] = f.y; out[4 * q + 2] = f.z; out[4 * q + 3] = f.w;
        }
    } else {
        #pragma unroll
        for (int n = 0; n < NS; n++) out[n] = row[n];
    }
}

__device__ __forceinline__ float v6_dt(const ScanParams& p, float x, bool inside) {
    return inside ? (p.softplus ? softplus_f(x) : x) : 0.f;
}

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

// ---------------------------------------------------------------- forward

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
template <int NS>
__device__ __forceinline__ void v6_fwd_stage(const ScanParams& p, const V6Block& k, float* smem, int c, bool main) {
    constexpr int W = V6Fwd<NS>::W, CPS = W / TL;
    if (c < k.c1) {
        V6FwdTiles<NS> t(smem, ((c - k.c0) / CPS) % V6Fwd<NS>::STAGES, p.z != nullptr, main);
        int l0 = c * TL, len = min(min(c + CPS, k.c1) * TL, p.L) - l0;
        v6_stage_rows_async<W>(p.u, SEQ_U, t.u, p, k, l0, len);
        v6_stage_rows_async<W>(p.delta, SEQ_DELTA, t.x, p, k, l0, len);
        v6_stage_bc_async<NS, W>(p.Bm, BC_B, t.B, p, k, l0, len);
        if (main) {
            if (p.z) v6_stage_rows_async<W>(p.z, SEQ_Z, t.z, p, k, l0, len);
            v6_stage_bc_async<NS, W>(p.Cm, BC_C, t.C, p, k, l0, len);
        }
    }
    v6_cp_commit();
}

// Queues the stages ahead of the first one.
template <int NS>
__device__ __forceinline__ void v6_fwd_prologue(const ScanParams& p, const V6Block& k, float* smem, bool main) {
    constexpr int CPS = V6Fwd<NS>::W / TL;
    #pragma unroll
    for (int i = 0; i < V6Fwd<NS>::STAGES - 1; i++) v6_fwd_stage<NS>(p, k, smem, k.c0 + i * CPS, main);
}

// At the stage starting at chunk c: queues the stage STAGES-1 ahead (into the tiles the previous stage used),
// then waits for this stage's tiles.
template <int NS>
__device__ __forceinline__ void v6_fwd_advance(const ScanParams& p, const V6Block& k, float* smem, int c, bool main) {
    constexpr int CPS = V6Fwd<NS>::W / TL;
    v6_fwd_stage<NS>(p, k, smem, c + (V6Fwd<NS>::STAGES - 1) * CPS, main);
    v6_cp_wait<V6Fwd<NS>::STAGES - 1>();
    __syncwarp();
}

// Pass 1 (segments 0 .. S-2): Σ dt and the segment's end state from a zero start.
template <int NS>
__device__ void v6_fwd_summary(const ScanParams& p, int b) {
    extern __shared__ __align__(16) float v6_smem[];
    constexpr int W = V6Fwd<NS>::W, CPS = W / TL;
    V6Block k = v6_block(p, blockIdx.z, b);
    float A2[NS], h[NS];
    #pragma unroll
    for (int n = 0; n < NS; n++) { A2[n] = k.live && n < p.N ? p.A[k.d * p.N + n] * V6_LOG2E : 0.f; h[n] = 0.f; }
    float bias = k.live && p.deltaBias ? p.deltaBias[k.d] : 0.f, sumDt = 0.f;
    v6_fwd_prologue<NS>(p, k, v6_smem, false);
    for (int c = k.c0; c < k.c1; c += CPS) {
        int len = min(min(c + CPS, k.c1) * TL, p.L) - c * TL;
        v6_fwd_advance<NS>(p, k, v6_smem, c, false);
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
template <int NS>
__device__ void v6_fwd(const ScanParams& p, int b) {
    extern __shared__ __align__(16) float v6_smem[];
    constexpr int W = V6Fwd<NS>::W, CPS = W / TL;
    V6Block k = v6_block(p, blockIdx.z, b);
    float A2[NS], h[NS];
    #pragma unroll
    for (int n = 0; n < NS; n++) { A2[n] = k.live && n < p.N ? p.A[k.d * p.N + n] * V6_LOG2E : 0.f; h[n] = 0.f; }
    v6_fwd_prologue<NS>(p, k, v6_smem, true);         // the first tiles load while the summaries fold
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
        v6_fwd_advance<NS>(p, k, v6_smem, c, true);
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
        v6_store_rows<W>(p.out, SEQ_OUT, t.u, p, k, l0, len);
        __syncwarp();                                  // these tiles are refilled by the next advance
    }
    v6_cp_wait<0>();
    if (p.lastState && k.live && k.c1 == p.nChunks) {
        #pragma unroll
        for (int n = 0; n < NS; n++) if (n < p.N) p.lastState[k.bd * p.N + n] = h[n];
    }
}

// ---------------------------------------------------------------- backward

// gy = gout·silu(z) (the gradient reaching the pre-gate output), or gout without z.
__device__ __forceinline__ float v6_gy(const ScanParams& p, float go, float zv) {
    return p.z ? go * zv * sigmoid_f(zv) : go;
}

// Pass 1 (segments 1 .. S-1): Σ dt and G, the adjoint carry leaving the segment's left end from a zero carry.
template <int NS>
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
        v6_stage_rows(p.delta, SEQ_DELTA, xs, p, k, l0, len);
        if (p.z) v6_stage_rows(p.z, SEQ_Z, zs, p, k, l0, len);
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

// Adds the warp's sums of v[j] (over its 32 channels) to row[col(l0 + j)] (one row of a (B, G, N, L) gradient).
template <int NS>
__device__ __forceinline__ void v6_add_row(float* row, const ScanParams& p, int l0, float (&v)[TL], int len) {
    int j;
    bool writer;
    float s = NS == 1 ? v6_warp_transpose_sum_compact<TL>(v, j, writer) : v6_warp_transpose_sum<TL>(v, j, writer);
    if (writer && j < len) atomicAdd(row + v6_col(p, l0 + j), s);
}

// Pass 2: fold the later segments into the entering carry, then the segment's chunks in reverse.
template <int NS>
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
        v6_stage_rows(p.u, SEQ_U, us, p, k, l0, len);
        v6_stage_rows(p.delta, SEQ_DELTA, xs, p, k, l0, len);
        v6_stage_rows(p.gout, SEQ_GOUT, gs, p, k, l0, len);
        if (p.z) v6_stage_rows(p.z, SEQ_Z, zs, p, k, l0, len);
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
            v6_add_row<NS>(p.dC + v6_bc_row(p, BC_DC, k, n), p, l0, dv, len);
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
            v6_add_row<NS>(p.dB + v6_bc_row(p, BC_DB, k, n), p, l0, dv, len);
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
    for (int n = 0; n < N; n++) atomicAdd(p.dA + k.d * p.N + n, dAs[n * V6_T + t]);
    if (p.dDskip) atomicAdd(p.dDskip + k.d, dDacc);
    if (p.ddeltaBias) atomicAdd(p.ddeltaBias + k.d, dbacc);
#endif
}

// Single calls: grid (channel tiles, B, segments). Pairs (Vim's two directions in one launch): grid (channel
// tiles, 2·B, segments), batches B .. 2B-1 run the second call (same shape, own tensors, layout and direction); one
// launch instead of two, and twice the blocks, which fills the last wave of the backward better.
#define V6_KERNELS(NAME, FN, NS, BOUNDS)                                                                             \
    extern "C" __global__ void BOUNDS scan6_##NAME(ScanParams p) { FN<NS>(p, blockIdx.y); }                         \
    extern "C" __global__ void BOUNDS scan6_##NAME##_pair(ScanParams p, ScanParams q) {                            \
        if ((int)blockIdx.y < p.B) FN<NS>(p, blockIdx.y); else FN<NS>(q, blockIdx.y - p.B);                        \
    }
V6_KERNELS(fwd_summary_n1, v6_fwd_summary, 1, __launch_bounds__(V6_T, V6_FWD_MIN_BLOCKS))
V6_KERNELS(fwd_summary_n16, v6_fwd_summary, 16, __launch_bounds__(V6_T, V6_FWD_MIN_BLOCKS))
V6_KERNELS(fwd_n1, v6_fwd, 1, __launch_bounds__(V6_T, V6_FWD_MIN_BLOCKS))
V6_KERNELS(fwd_n16, v6_fwd, 16, __launch_bounds__(V6_T, V6_FWD_MIN_BLOCKS))
V6_KERNELS(bwd_summary_n1, v6_bwd_summary, 1, __launch_bounds__(V6_T))
V6_KERNELS(bwd_summary_n16, v6_bwd_summary, 16, __launch_bounds__(V6_T))
V6_KERNELS(bwd_n1, v6_bwd, 1, __launch_bounds__(V6_T))
V6_KERNELS(bwd_n16, v6_bwd, 16, __launch_bounds__(V6_T))
