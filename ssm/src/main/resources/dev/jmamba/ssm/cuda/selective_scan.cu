// Selective scan (S6) forward and backward on the GPU. Reference: dev.jmamba.ssm.kernel.SelectiveScanReference
// (the equations of spec/selective-scan.md §2–3); checked against it by SelectiveScanCudaGpuTest.
//
// Versions (llm.c's dev/cuda habit; numbers on an H100, Vim-T shape B=128 D=384 L=197 N=16, fwd / bwd ms):
//   v1  one lane per (b, d, n) reading B, C, u, delta straight from global memory: 1.09 / 5.98 ms —
//       slower than the reference (0.45 / 1.52): the 16 lanes of a (b, d) read 16 rows of B and C at
//       one position, 32 L1 wavefronts per warp-step, and the backward kept its chunk in 251 registers.
//   v3  (this file, the fallback; staging loops unrolled so several global loads are in flight) one block per (b, tile of TD channels of one group); the block walks L in tiles of
//       TL positions, staging B, C (N × TL) and u, delta, z, gout (TD × TL) through shared memory with
//       coalesced loads, so global memory is read once per tile and lanes read shared memory without
//       bank conflicts (rows padded to TL + 1). softplus is computed once per (b, d, l) while staging.
//       Measured (K = 16): Vim-T 0.72 / 2.93 ms, VMamba-T stage 1 (N = 1) 4.7 / 26.7, long 16.5 / 60.6 —
//       still slower than the reference. Nsight Compute on the Vim-T forward: issue-bound (86% of the SMs'
//       instruction throughput, ~120 instructions per warp-step: dt, u, z and the gate are recomputed by
//       all NP lanes of a channel, plus 4 shuffles per step). K = 8 halves the N = 1 backward (12.2 ms).
//   v5  (tried, reverted) L split into segments, one thread per (b, d, segment) with all N <= 16 states,
//       reading u/delta/B/C straight from global memory: 1.59 ms Vim-T, 16.5 ms VMamba stage 1 — every warp
//       load touches 32 rows (uncoalesced) and the streams thrash L1. Segments need the v3 shared-memory
//       staging (block = 32 channels of one (b, segment), coalesced [32 × TL] tiles).
//   v4  (tried, reverted) forward with one thread per (b, d) carrying all N <= 16 states: no shuffles or
//       repeated work, but only B·D threads (12 warps per SM for Vim-T, 3 for the long shape) left it
//       latency-bound: 0.78 ms Vim-T, 46 ms long. Next: split L across warps (chunked parallel scan with a
//       carry pass) so thread-per-channel work has enough parallelism.
//   v6  (selective_scan_v6*.cu, used for N <= 16; v3 stays for N > 16 and for K_CHUNK not dividing 32
//       (forward) or 16 (backward)) L split into S segments of whole chunks, S ≈ 2^18 / (B·D) (Vim-T 5,
//       VMamba stage 1 5, long 21); block = one warp = 32 channels of one (b, g) and one segment, one thread
//       per (b, d, segment) with all N states in registers; [32 × TL] tiles of u, delta, z, gout and the
//       group's [N × TL] B, C staged through shared memory with coalesced loads (B, C read as broadcasts,
//       float4); dt/softplus, the gate and u once per (b, d, l). Forward: a summary pass (Σdt, end state from
//       zero) over segments 0 .. S-2, then the main pass folds the earlier summaries and re-runs its
//       segment. Backward: a summary pass (Σdt, adjoint carry from zero) over segments 1 .. S-1, then per
//       chunk in reverse and per state n: h recomputed from the saved chunk state into TL registers, the
//       adjoint backwards; dB/dC summed over the warp by a transposing shuffle reduction, one atomicAdd
//       per (n, l) per block. ptxas (sm_90, K = 16): fwd 96 registers, summaries 64–96, bwd 206 (N <= 16) /
//       167 (N = 1), no spills. Expected: per warp-step (32 channels × one position) ~16 MUFU + ~90 other
//       instructions for all 16 states (v3: ~120 for 2 channels), so the forward should move from
//       issue-bound towards the SFU/memory limits (~0.1–0.2 ms Vim-T if it gets there); the N = 1 cases gain
//       5× the threads of v3 (B·D·S) and lose the generic index arithmetic. Not yet measured on the H100.
//
//   v6 update (2026-11-25, session 2), measured with ScanCudaBench 16 20 on the H100 (fwd / bwd ms, speed-up over the
//       reference kernel): (1) layouts: every (B, D, L) and (B, G, N, L) tensor has its own batch and channel/row
//       strides (ScanLayout), positions contiguous, so Vim's (D, B·L) projection rows are scanned in place; a reverse
//       flag reads positions from the end (Vim's backward direction without flips); no chunk states are written
//       when no backward follows. The 64-bit strides cost ~3% (Vim-T 0.378 → 0.388 fwd). (2) forward staging with
//       cp.async into two shared-memory stages (the next tile loads while the current one computes), 32-position
//       tiles for N = 1 (128-byte row runs), and S = 1 segments when B·D >= 32768 (no summary pass):
//       Vim-T 0.388 → 0.275 (1.64×), VMamba-T stage 1 2.047 → 1.080 (1.55×), long 4.589 → 4.250 (1.82×, S = 11).
//       Backward unchanged: Vim-T 0.944 (1.61×), VMamba 2.946 (1.66×), long 13.89 (1.22×). Nsight Compute on the
//       long backward: 0.53 instructions issued per cycle per scheduler, ~63 warp-instructions per (warp, l, n),
//       top stall a fixed-latency dependency; capping registers to 11–12 blocks per SM raised active warps to
//       2.66 per scheduler but not the issue rate (13.61 ms, reverted). The SASS (cuobjdump of the runtime-compiled
//       kernel) showed why: 627 instructions per state per chunk, the first level of the dB/dC transposing warp sum
//       compiled as a runtime loop with predicated register moves. (3) Template-recursive transpose sum (compile-time
//       trip counts; N = 1 keeps the compact loop, fewer registers): backward Vim-T 0.944 → 0.719 (2.12×),
//       long 13.89 → 10.53 (1.61×), VMamba-T stage 1 unchanged 2.95 (1.66×). (4) Pairs: two calls of one shape in
//       one launch (grid y = 2B; Vim's two directions): the Vim-T backward's 1536 one-warp blocks left a 2nd wave of
//       a few blocks at 8 blocks per SM; 3072 blocks fill it (Vim-T step profile: scan backward 49.2 → 38.9 ms).
//
// Work split (notes/PERFORMANCE.md §3): NP = lanes per (b, d) = next power of two >= N, capped at 32;
// lane n0 owns states n0, n0 + NP, ... ("slices", S of them). Every lane carries h in a register
// through L; y = Σ_n C·h is an xor-shuffle reduction inside the NP-lane group.
//
// Backward: forward saves h at the end of every tile: states (B, D, nTiles, N). Tiles are visited in
// reverse; each is recomputed forward from the previous tile's state into shared memory (h and
// a = exp(dt·A) per lane), then the adjoint g_l = gy_l·C_l + a_{l+1}·g_{l+1} runs backwards. dB and dC
// are summed over each warp's channels by shuffles into one shared slot per warp, then over the warps in
// warp order, and leave once per block and tile; dDskip and ddeltaBias are summed per channel over the
// tile's positions in order. Every sum has a fixed order, and the sums over blocks go through the partial
// buffers as in v6 (bcPart with one tile = TD channels, paramPart with S = 1; scan_bwd_sum adds them), so
// the v3 backward is bit-reproducible too (unless -Djmamba.scan.atomics=true: then global atomics).

#ifndef SELECTIVE_SCAN_COMMON
#define SELECTIVE_SCAN_COMMON   // selective_scan_v6.cu includes this file when compiled on its own

#ifndef K_CHUNK
#define K_CHUNK 16     // TL: positions per tile (and per saved state); the launcher passes -DK_CHUNK
#endif
#define TL K_CHUNK
#define TLP (K_CHUNK + 1)   // padded row length in shared memory

struct ScanParams {
    int B, D, L, N, G;          // sizes
    int NP;                     // lanes per (b, d)
    int nChunks;                // ceil(L / TL)
    int softplus;               // dt = softplus(delta + bias)
    int TD;                     // channels per block (divides D / G)
    const float* u;             // (B, D, L)
    const float* delta;         // (B, D, L)
    const float* A;             // (D, N)
    const float* Bm;            // (B, G, N, L)
    const float* Cm;            // (B, G, N, L)
    const float* Dskip;         // (D) or null
    const float* z;             // (B, D, L) or null
    const float* deltaBias;     // (D) or null
    float* out;                 // (B, D, L)
    float* states;              // (B, D, nChunks, N): h at the end of each tile
    float* lastState;           // (B, D, N) or null
    // backward
    const float* gout;          // (B, D, L)
    float* du;                  // (B, D, L)
    float* ddelta;              // (B, D, L)
    // dA, dB, dC, dDskip, ddeltaBias: written by the backward through the partial buffers below (see "Determinism"
    // in selective_scan_v6.cu); without them (-Djmamba.scan.atomics=true) accumulated with atomics (zeroed by the
    // launcher), except dB, dC of a group with one channel tile, which its one block stores.
    float* dA;                  // (D, N)
    float* dB;                  // (B, G, N, L)
    float* dC;                  // (B, G, N, L)
    float* dDskip;              // (D) or null
    float* dz;                  // (B, D, L) or null
    float* ddeltaBias;          // (D) or null
    // v6 segments (selective_scan_v6.cu)
    float* segDt;               // (S, B, D): Σ dt over each segment
    float* segState;            // (S, N, B, D): forward H (state from a zero start) or backward G (adjoint carry)
    // backward (both families), deterministic sums (selective_scan_v6.cu, "Determinism"); null: atomics
    float* bcPart;              // (2, tiles, B, G, N, L): each channel tile's sums of dB, then of dC
    float* paramPart;           // (S·B, N + 2, D): each (segment, batch)'s sums of dA (rows 0 .. N-1), dDskip, ddeltaBias
    int S;                      // segments along L
    int segChunks;              // chunks per segment (the last segment may have fewer)
    // v6 layouts: positions are contiguous (stride 1); these are the element strides of the batch and
    // channel dims of the (B, D, L) tensors and of the batch and row (g·N + n) dims of the (B, G, N, L) ones,
    // so views such as a (D, B·L) matrix read as (B, D, L) need no copy. v3 assumes contiguous tensors.
    long long seqStride[8][2];  // SEQ_U .. SEQ_DZ: {batch, channel}
    long long bcStride[4][2];   // BC_B .. BC_DC: {batch, row}
    int reverse;                // v6: scan positions L-1 .. 0 (a flipped sequence without the flip copies)
    int sharedU;                // v6: u holds D / G channels that every group reads (channel d of group g reads
                                // u's channel d - g·D/G); du stays (B, D, L), one slice per group
    const int* cols;            // v6: (G, L) memory column of scan position l for group g (paths through the
                                // positions, e.g. a 2-D map's scan orders), or null (then `reverse` rules)
};
#define SEQ_U 0
#define SEQ_DELTA 1
#define SEQ_Z 2
#define SEQ_OUT 3
#define SEQ_GOUT 4
#define SEQ_DU 5
#define SEQ_DDELTA 6
#define SEQ_DZ 7
#define BC_B 0
#define BC_C 1
#define BC_DB 2
#define BC_DC 3

// exp through the hardware ex2.approx (relative error ~2^-22, as __expf; one multiply and one MUFU instead of
// expf's range reduction): the scan evaluates softplus and the SiLU gate once per (b, d, l), a large share of
// the forward's instructions. log1pf stays exact: near 0 an approximate log would lose dt's relative accuracy.
__device__ __forceinline__ float exp_fast(float x) {
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x * 1.4426950408889634f));
    return y;
}
__device__ __forceinline__ float softplus_f(float x) { return x <= 20.f ? log1pf(exp_fast(x)) : x; }
__device__ __forceinline__ float sigmoid_f(float x) { return __frcp_rn(1.f + exp_fast(-x)); }

// Sum over the NP lanes of this lane's group (all of them get the sum).
__device__ __forceinline__ float group_sum(float v, int NP) {
    unsigned mask = NP == 32 ? 0xffffffffu : ((1u << NP) - 1u) << ((threadIdx.x & 31) & ~(NP - 1));
    for (int off = NP >> 1; off > 0; off >>= 1) v += __shfl_xor_sync(mask, v, off);
    return v;
}

// Stores into this warp's slot of a shared-memory cell (slots[warp · warpStride + cell]) the sum of v over the
// lanes of the warp that own the same state index (same n0, other channels): in a full warp an xor tree, in a
// partial one (the last warp of a block whose size is not a multiple of 32) the channels c = 0, 1, ... in order
// through shuffles. One writer per slot (lane n0), so the block can add its warps' slots in a fixed order.
__device__ __forceinline__ void store_across_channels(float* slots, int warpStride, int cell, float v, int NP, bool live) {
    int lane = threadIdx.x & 31, width = min(32, (int)(blockDim.x - (threadIdx.x & ~31u)));
    if (width == 32) {
        for (int off = 16; off >= NP; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
    } else {
        unsigned mask = (1u << width) - 1u;
        float sum = 0.f;
        for (int c = 0; c < width / NP; c++) sum += __shfl_sync(mask, v, c * NP + (lane & (NP - 1)));
        v = sum;
    }
    if (lane < NP && live) slots[(threadIdx.x >> 5) * warpStride + cell] = v;
}

// Where a block's sum for element (b, g, n, l) of dB (which = 0) or dC (1) goes, whichever family: its slot of
// bcPart (tile = the block's channel tile within the group, of `tiles`), else the gradient itself — stored when
// the group has one tile (one writer), else added atomically into the zeroed gradient (the atomics mode).
__device__ __forceinline__ void put_bc_sum(const ScanParams& p, int which, int tile, int tiles, int b, int g, int n,
                                           int col, long long gradOffset, float v) {
    if (p.bcPart) {
        size_t slab = (size_t)which * tiles + tile;
        p.bcPart[(((slab * p.B + b) * p.G + g) * p.N + n) * p.L + col] = v;
    } else {
        float* grad = (which ? p.dC : p.dB) + gradOffset;
        if (tiles == 1) *grad = v; else atomicAdd(grad, v);
    }
}

// The fixed-order sums of the partial buffers (both families; `tiles`: blocks per group along the channels): one
// thread per gradient element, in float64. Elements 0 .. (N + 2)·D - 1: dA, dDskip, ddeltaBias, each the sum
// over the S·B rows of paramPart in row order; then, when bcPart is given, the B·G·N·L elements of dB and of dC,
// each the sum over the tiles in tile order, written through the dB / dC layouts.
__device__ void scan_bwd_partial_sums(const ScanParams& p, int tiles) {
    size_t params = (size_t)(p.N + 2) * p.D, rows = (size_t)p.S * p.B;
    size_t bc = (size_t)p.B * p.G * p.N * p.L;
    size_t total = params + (p.bcPart ? 2 * bc : 0);
    for (size_t e = (size_t)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += (size_t)gridDim.x * blockDim.x) {
        double acc = 0;
        if (e < params) {
            #pragma unroll 8
            for (size_t r = 0; r < rows; r++) acc += (double)p.paramPart[r * params + e];
            int j = (int)(e / p.D), d = (int)(e - (size_t)j * p.D);
            if (j < p.N) p.dA[(size_t)d * p.N + j] = (float)acc;
            else if (j == p.N) { if (p.dDskip) p.dDskip[d] = (float)acc; }
            else if (p.ddeltaBias) p.ddeltaBias[d] = (float)acc;
        } else {
            size_t i = e - params;
            int which = i >= bc;                                        // 0: dB, 1: dC
            i -= which * bc;
            const float* src = p.bcPart + (size_t)which * tiles * bc + i;
            for (int t = 0; t < tiles; t++) acc += (double)src[(size_t)t * bc];
            size_t row = i / p.L, gn = (size_t)p.G * p.N;
            long long b = (long long)(row / gn), r = (long long)(row - b * gn), col = (long long)(i - row * p.L);
            const long long* st = p.bcStride[BC_DB + which];
            (which ? p.dC : p.dB)[b * st[0] + r * st[1] + col] = (float)acc;
        }
    }
}

// The block's view: batch b, channels d0 .. d0 + TD - 1 of group g; this thread is (dl, n0).
struct Tile {
    int b, d0, g, dl, n0, d;
    size_t bcBase;   // offset of B/C row (b, g, 0, 0)
};

__device__ __forceinline__ Tile tile_of(const ScanParams& p) {
    Tile t;
    t.b = blockIdx.y;
    t.d0 = blockIdx.x * p.TD;
    t.g = t.d0 / (p.D / p.G);
    t.dl = threadIdx.x / p.NP;
    t.n0 = threadIdx.x % p.NP;
    t.d = t.d0 + t.dl;
    t.bcBase = (size_t)(t.b * p.G + t.g) * p.N * p.L;
    return t;
}

// Stages B, C (N × TL) and the per-channel rows of this tile into shared memory (zero past len).
__device__ __forceinline__ void stage_bc(const ScanParams& p, const Tile& t, int l0, int len, float* Bs, float* Cs) {
    #pragma unroll 8
    for (int i = threadIdx.x; i < p.N * TL; i += blockDim.x) {
        int n = i / TL, j = i % TL;
        size_t src = t.bcBase + (size_t)n * p.L + l0 + j;
        Bs[n * TLP + j] = j < len ? p.Bm[src] : 0.f;
        Cs[n * TLP + j] = j < len ? p.Cm[src] : 0.f;
    }
}

// Rows (TD × TL) of a (B, D, L) tensor into shared memory.
__device__ __forceinline__ void stage_rows(const ScanParams& p, const Tile& t, int l0, int len, const float* src, float* dst) {
    #pragma unroll 8
    for (int i = threadIdx.x; i < p.TD * TL; i += blockDim.x) {
        int r = i / TL, j = i % TL;
        dst[r * TLP + j] = j < len ? src[((size_t)t.b * p.D + t.d0 + r) * p.L + l0 + j] : 0.f;
    }
}

template <int S>
__device__ void scan_fwd(const ScanParams& p) {
    extern __shared__ float sm[];
    Tile t = tile_of(p);
    int NP = p.NP;
    float* Bs = sm;                       // (N, TLP)
    float* Cs = Bs + p.N * TLP;           // (N, TLP)
    float* us = Cs + p.N * TLP;           // (TD, TLP)
    float* dts = us + p.TD * TLP;         // (TD, TLP)
    float* zs = dts + p.TD * TLP;         // (TD, TLP)
    float* ys = zs + p.TD * TLP;          // (TD, TLP)
    float h[S], Aval[S];
    bool live[S];
    #pragma unroll
    for (int s = 0; s < S; s++) {
        int n = t.n0 + s * NP;
        live[s] = n < p.N;
        h[s] = 0.f;
        Aval[s] = live[s] ? p.A[t.d * p.N + n] : 0.f;
    }
    float dskip = p.Dskip ? p.Dskip[t.d] : 0.f;
    size_t bd = (size_t)t.b * p.D + t.d;
    for (int c = 0; c < p.nChunks; c++) {
        int l0 = c * TL, len = min(TL, p.L - l0);
        stage_bc(p, t, l0, len, Bs, Cs);
        stage_rows(p, t, l0, len, p.u, us);
        stage_rows(p, t, l0, len, p.delta, dts);
        if (p.z) stage_rows(p, t, l0, len, p.z, zs);
        __syncthreads();
        for (int i = threadIdx.x; i < p.TD * TL; i += blockDim.x) {       // dt = softplus(delta + bias), once per (b, d, l)
            int r = i / TL, j = i % TL;
            float x = dts[r * TLP + j] + (p.deltaBias ? p.deltaBias[t.d0 + r] : 0.f);
            dts[r * TLP + j] = p.softplus ? softplus_f(x) : x;
        }
        __syncthreads();
        const float* urow = us + t.dl * TLP;
        const float* dtrow = dts + t.dl * TLP;
        for (int j = 0; j < len; j++) {
            float dt = dtrow[j], uv = urow[j], acc = 0.f;
            #pragma unroll
            for (int s = 0; s < S; s++) {
                if (live[s]) {
                    int n = t.n0 + s * NP;
                    float a = __expf(dt * Aval[s]);
                    h[s] = a * h[s] + dt * Bs[n * TLP + j] * uv;
                    acc += Cs[n * TLP + j] * h[s];
                }
            }
            float y = group_sum(acc, NP) + dskip * uv;
            if (p.z) { float zv = zs[t.dl * TLP + j]; y *= zv * sigmoid_f(zv); }
            if (t.n0 == 0) ys[t.dl * TLP + j] = y;
        }
        #pragma unroll
        for (int s = 0; s < S; s++)
            if (live[s]) p.states[(bd * p.nChunks + c) * p.N + t.n0 + s * NP] = h[s];
        __syncthreads();
        for (int i = threadIdx.x; i < p.TD * TL; i += blockDim.x) {       // coalesced store of the outputs
            int r = i / TL, j = i % TL;
            if (j < len) p.out[((size_t)t.b * p.D + t.d0 + r) * p.L + l0 + j] = ys[r * TLP + j];
        }
        __syncthreads();
    }
    if (p.lastState) {
        #pragma unroll
        for (int s = 0; s < S; s++)
            if (live[s]) p.lastState[bd * p.N + t.n0 + s * NP] = h[s];
    }
}

template <int S>
__device__ void scan_bwd(const ScanParams& p) {
    extern __shared__ float sm[];
    Tile t = tile_of(p);
    int NP = p.NP, T = blockDim.x;
    float* Bs = sm;                       // (N, TLP)
    float* Cs = Bs + p.N * TLP;
    int W = (T + 31) >> 5, NTLP = p.N * TLP;
    float* dBs = Cs + NTLP;               // (W, N, TLP): each warp's sums (store_across_channels)
    float* dCs = dBs + W * NTLP;
    float* us = dCs + W * NTLP;           // (TD, TLP) rows
    float* xs = us + p.TD * TLP;          // delta + bias
    float* dts = xs + p.TD * TLP;
    float* zs = dts + p.TD * TLP;
    float* gys = zs + p.TD * TLP;         // gout, then the gradient of the pre-gate output
    float* y0s = gys + p.TD * TLP;        // Σ_n C·h (pre-gate output without the D term)
    float* dus = y0s + p.TD * TLP;        // Σ_n g·B·dt
    float* ddts = dus + p.TD * TLP;       // Σ_n g·(B·u + A·a·h_prev)
    float* hs = ddts + p.TD * TLP;        // (S, TL, T) per-thread recomputed h
    float* as = hs + S * TL * T;          // (S, TL, T) per-thread a = exp(dt·A)
    float* dDs = as + S * TL * T;         // (TD)
    float* dbs = dDs + p.TD;              // (TD)
    float gcarry[S], acarry[S], dAacc[S], Aval[S];
    bool live[S];
    #pragma unroll
    for (int s = 0; s < S; s++) {
        int n = t.n0 + s * NP;
        live[s] = n < p.N;
        gcarry[s] = 0.f; acarry[s] = 0.f; dAacc[s] = 0.f;
        Aval[s] = live[s] ? p.A[t.d * p.N + n] : 0.f;
    }
    for (int i = threadIdx.x; i < p.TD; i += T) { dDs[i] = 0.f; dbs[i] = 0.f; }
    size_t bd = (size_t)t.b * p.D + t.d;
    for (int c = p.nChunks - 1; c >= 0; c--) {
        int l0 = c * TL, len = min(TL, p.L - l0);
        stage_bc(p, t, l0, len, Bs, Cs);
        stage_rows(p, t, l0, len, p.u, us);
        stage_rows(p, t, l0, len, p.delta, xs);
        stage_rows(p, t, l0, len, p.gout, gys);
        if (p.z) stage_rows(p, t, l0, len, p.z, zs);
        __syncthreads();
        for (int i = threadIdx.x; i < p.TD * TL; i += T) {
            int r = i / TL, j = i % TL, k = r * TLP + j;
            float x = xs[k] + (p.deltaBias ? p.deltaBias[t.d0 + r] : 0.f);
            xs[k] = x;
            dts[k] = p.softplus ? softplus_f(x) : x;
            y0s[k] = 0.f; dus[k] = 0.f; ddts[k] = 0.f;
        }
        __syncthreads();
        // recompute h and a of this tile from the state saved at the end of the previous one
        const float* urow = us + t.dl * TLP;
        const float* dtrow = dts + t.dl * TLP;
        float hstart[S];
        #pragma unroll
        for (int s = 0; s < S; s++) {
            int n = t.n0 + s * NP;
            hstart[s] = (c == 0 || !live[s]) ? 0.f : p.states[(bd * p.nChunks + c - 1) * p.N + n];
            float hv = hstart[s];
            for (int j = 0; j < len; j++) {
                float a = live[s] ? __expf(dtrow[j] * Aval[s]) : 0.f;
                hv = live[s] ? a * hv + dtrow[j] * Bs[n * TLP + j] * urow[j] : 0.f;
                hs[(s * TL + j) * T + threadIdx.x] = hv;
                as[(s * TL + j) * T + threadIdx.x] = a;
                if (p.z) {
                    float y = group_sum(live[s] ? Cs[n * TLP + j] * hv : 0.f, NP);
                    if (t.n0 == 0) y0s[t.dl * TLP + j] += y;
                }
            }
        }
        __syncthreads();
        if (p.z) {   // gradient through the gate: dz, and gy = gout · silu(z)
            for (int i = threadIdx.x; i < p.TD * TL; i += T) {
                int r = i / TL, j = i % TL, k = r * TLP + j;
                if (j >= len) continue;
                float y0 = y0s[k] + (p.Dskip ? p.Dskip[t.d0 + r] : 0.f) * us[k];
                float zv = zs[k], sg = sigmoid_f(zv), go = gys[k];
                p.dz[((size_t)t.b * p.D + t.d0 + r) * p.L + l0 + j] = go * y0 * sg * (1.f + zv * (1.f - sg));
                gys[k] = go * zv * sg;
            }
            __syncthreads();
        }
        // the adjoint backwards through the tile
        const float* gyrow = gys + t.dl * TLP;
        #pragma unroll
        for (int s = 0; s < S; s++) {
            int n = t.n0 + s * NP, nn = live[s] ? n : 0;
            float gv = gcarry[s], anext = acarry[s];
            for (int j = len - 1; j >= 0; j--) {
                float Bv = live[s] ? Bs[nn * TLP + j] : 0.f, Cv = live[s] ? Cs[nn * TLP + j] : 0.f;
                float dt = dtrow[j], uv = urow[j], gy = gyrow[j];
                float hv = hs[(s * TL + j) * T + threadIdx.x], av = as[(s * TL + j) * T + threadIdx.x];
                float hprev = j > 0 ? hs[(s * TL + j - 1) * T + threadIdx.x] : hstart[s];
                gv = gy * Cv + anext * gv;                                   // adjoint of h_l
                float ahp = av * hprev;                                      // h_l - dt·B·u
                store_across_channels(dCs, NTLP, nn * TLP + j, live[s] ? gy * hv : 0.f, NP, live[s]);
                store_across_channels(dBs, NTLP, nn * TLP + j, gv * dt * uv, NP, live[s]);
                float du = group_sum(gv * Bv * dt, NP);
                float ddt = group_sum(gv * (Bv * uv + Aval[s] * ahp), NP);
                if (t.n0 == 0) { dus[t.dl * TLP + j] += du; ddts[t.dl * TLP + j] += ddt; }
                dAacc[s] += gv * dt * ahp;
                anext = av;
            }
            gcarry[s] = gv; acarry[s] = anext;
        }
        __syncthreads();
        for (int i = threadIdx.x; i < p.TD * TL; i += T) {               // coalesced per-position outputs
            int r = i / TL, j = i % TL, k = r * TLP + j;
            if (j >= len) continue;
            size_t o = ((size_t)t.b * p.D + t.d0 + r) * p.L + l0 + j;
            float dskip = p.Dskip ? p.Dskip[t.d0 + r] : 0.f;
            float x = xs[k];
            float dd = (p.softplus && x <= 20.f) ? ddts[k] * sigmoid_f(x) : ddts[k];
            p.du[o] = dus[k] + dskip * gys[k];
            p.ddelta[o] = dd;
            ddts[k] = dd;                                                // for the per-channel sums below
        }
        __syncthreads();
        for (int r = threadIdx.x; r < p.TD; r += T) {                     // dDskip, ddeltaBias: positions in order
            float sD = 0.f, sb = 0.f;
            for (int j = 0; j < len; j++) { sD += gys[r * TLP + j] * us[r * TLP + j]; sb += ddts[r * TLP + j]; }
            dDs[r] += sD;
            dbs[r] += sb;
        }
        int tiles = p.D / p.G / p.TD, tile = blockIdx.x - t.g * tiles;
        for (int i = threadIdx.x; i < p.N * TL; i += T) {                 // dB, dC: the warps' slots in order
            int n = i / TL, j = i % TL;
            if (j >= len) continue;
            float sB = 0.f, sC = 0.f;
            for (int w = 0; w < W; w++) { sB += dBs[w * NTLP + n * TLP + j]; sC += dCs[w * NTLP + n * TLP + j]; }
            long long dst = (long long)(t.bcBase + (size_t)n * p.L + l0 + j);
            put_bc_sum(p, 0, tile, tiles, t.b, t.g, n, l0 + j, dst, sB);
            put_bc_sum(p, 1, tile, tiles, t.b, t.g, n, l0 + j, dst, sC);
        }
        __syncthreads();
    }
    if (p.paramPart) {   // row b of the partials (v3: one segment), summed by scan_bwd_sum
        float* part = p.paramPart + (size_t)t.b * (p.N + 2) * p.D;
        #pragma unroll
        for (int s = 0; s < S; s++)
            if (live[s]) part[(size_t)(t.n0 + s * NP) * p.D + t.d] = dAacc[s];
        for (int i = threadIdx.x; i < p.TD; i += T) {
            part[(size_t)p.N * p.D + t.d0 + i] = dDs[i];
            part[(size_t)(p.N + 1) * p.D + t.d0 + i] = dbs[i];
        }
        return;
    }
    #pragma unroll
    for (int s = 0; s < S; s++)
        if (live[s]) atomicAdd(p.dA + t.d * p.N + t.n0 + s * NP, dAacc[s]);
    for (int i = threadIdx.x; i < p.TD; i += T) {
        if (p.dDskip) atomicAdd(p.dDskip + t.d0 + i, dDs[i]);
        if (p.ddeltaBias) atomicAdd(p.ddeltaBias + t.d0 + i, dbs[i]);
    }
}

extern "C" __global__ void scan_fwd_s1(ScanParams p) { scan_fwd<1>(p); }
extern "C" __global__ void scan_fwd_s8(ScanParams p) { scan_fwd<8>(p); }
extern "C" __global__ void scan_bwd_s1(ScanParams p) { scan_bwd<1>(p); }
extern "C" __global__ void scan_bwd_s8(ScanParams p) { scan_bwd<8>(p); }
extern "C" __global__ void scan_bwd_sum(ScanParams p) { scan_bwd_partial_sums(p, p.D / p.G / p.TD); }

#endif  // SELECTIVE_SCAN_COMMON
