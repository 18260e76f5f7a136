// Selective scan v6: segments along L + shared-memory staging, one thread per (b, d, segment) carrying all
// N <= 16 states. This file holds what both passes share (block
// placement, layouts, staging, the kernel macro); selective_scan_v6_fwd.cu and selective_scan_v6_bwd.cu hold the
// passes. The launcher (SelectiveScanCuda) concatenates selective_scan.cu (ScanParams, v3, the version list) and
// the three v6 files; compiled on their own (nvcc syntax test) the pass files include this one, which includes
// selective_scan.cu.
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
// maps scan position l to column L-1-l (in the -DV6_PATHS=1 program a (G, L) table maps it, per group: scanAlong),
// and the *_pair kernels run two calls of one shape (grid y = 2B).
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
//          shared memory; dA, dDskip, ddeltaBias per thread, written once per thread at the end; dB, dC are
//          summed over the warp's 32 channels by a transposing shuffle reduction (one shuffle per value)
//          and written once per (n, l) per block.
// Determinism: dA, dDskip, ddeltaBias are sums over all (batch, segment) blocks of a channel, dB and dC sums over
//   the channel tiles of a group. Float atomics would add those blocks' sums in the order the blocks happen to
//   finish, so the last bits would change from run to run. By default (the launcher passes bcPart and paramPart)
//   every block instead writes its sums to its own slot of a scratch buffer: paramPart (S·B, N + 2, D), row
//   seg·B + b, and — when a group has more than one channel tile — bcPart (2, tiles, B, G, N, L); with one tile the
//   block is the only writer of its dB, dC elements and stores them in the gradient rows directly. Then scan6_bwd_sum
//   adds the slots of every element in a fixed order (rows r = 0 .. S·B-1, tiles t = 0 .. tiles-1) in float64 and
//   writes the gradients: the same bits on every run, and no accuracy lost to the order. With null partial
//   buffers (-Djmamba.scan.atomics=true, for timing comparisons) the blocks add with atomicAdd as before.
// Templates: NS = 1 (VMamba's N = 1) or 16 (any N <= 16, the missing states staged as zeros with A = 0); T = float,
// or v6_bf16 for the *_bf16 kernels: u, delta, z are read and out is written as bf16 (mixed precision, as mamba_ssm
// takes bf16 activations), everything inside stays float32, and gout and the gradients du, ddelta, dz stay float32.
// A bf16 call computes exactly what the float32 kernel computes from the same (bf16-representable) values, so its
// out is the float32 out rounded to bf16 and its gradients are the float32 kernel's bits (SelectiveScanBf16GpuTest).
// The backward keeps TL-long arrays in registers: v6 backward only for K_CHUNK <= 16 (v3 otherwise).


#ifndef SELECTIVE_SCAN_V6_COMMON
#define SELECTIVE_SCAN_V6_COMMON
#ifndef SELECTIVE_SCAN_COMMON
#include "selective_scan.cu"
#endif

// V6_PATHS (the launcher's -DV6_PATHS=1 program, SelectiveScan.scanAlong): positions go through the (G, L) path
// table p.cols and u may be shared by the groups (p.sharedU). Without it (the default program) neither is read and
// the kernels are the plain ones (no table load, no extra registers).
#ifndef V6_PATHS
#define V6_PATHS 0
#endif

#define V6_T 32                        // threads = channels per block (one warp)
#define V6_ROWSTEP (V6_T / TL)         // rows one staging step advances (TL divides 32)
#define V6_RS (TL + 1)                 // row stride of per-channel rows (conflict-free column reads)
#define V6_LOG2E 1.4426950408889634f
#define V6_FULL 0xffffffffu
#define V6_FWD_MIN_BLOCKS 20           // forward: at most 96 registers (without the bound the 64-bit layout strides take
                                       // it to 124); the double-buffered tiles (~18 KB) then limit it to 12 blocks per SM

// bf16 sequence elements: raw 16-bit patterns (the upper half of a float32), rounded to nearest even on store with
// the recipe of jm_common.cuh's jm_float_to_bf16 (DType.toBf16) — NVRTC compiles this file without that header.
typedef unsigned short v6_bf16;
__device__ __forceinline__ float v6_ld(const float* p) { return __ldg(p); }
__device__ __forceinline__ float v6_ld(const v6_bf16* p) { return __uint_as_float(((unsigned int)__ldg(p)) << 16); }
__device__ __forceinline__ void v6_st(float* p, float v) { *p = v; }
__device__ __forceinline__ void v6_st(v6_bf16* p, float v) {
    unsigned int bits = __float_as_uint(v);
    *p = (bits & 0x7fffffffu) > 0x7f800000u ? (v6_bf16)((bits >> 16) | 0x40u)
                                             : (v6_bf16)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}
// ScanParams holds float pointers; a sequence tensor of element type T is read through this cast.
template <typename T> __device__ __forceinline__ const T* v6_seq(const float* p) { return reinterpret_cast<const T*>(p); }

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
    int u0;           // u's first row for this block: d0, or d0 - g·D/G when the groups share u (p.sharedU)
    int tile, tiles;  // this block's channel tile within the group, and the group's tile count
    bool live;        // this thread's channel exists
    size_t bd;        // b·D + d (index of the per-channel summaries and saved states)
    size_t BD;        // B·D
};

__device__ __forceinline__ V6Block v6_block(const ScanParams& p, int seg, int b) {
    V6Block k;
    int dpg = p.D / p.G, tilesPerGroup = (dpg + V6_T - 1) / V6_T;
    k.g = blockIdx.x / tilesPerGroup;
    k.tile = blockIdx.x - k.g * tilesPerGroup;
    k.tiles = tilesPerGroup;
    k.d0 = k.g * dpg + k.tile * V6_T;
    k.rows = min(V6_T, dpg - k.tile * V6_T);
    k.u0 = V6_PATHS && p.sharedU ? k.tile * V6_T : k.d0;
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

// Memory column of scan position l of group g: through the group's row of the path table (V6_PATHS), else from the
// end for reverse scans, else l.
__device__ __forceinline__ int v6_col(const ScanParams& p, int g, int l) {
    if (V6_PATHS) return __ldg(p.cols + g * p.L + l);
    return p.reverse ? p.L - 1 - l : l;
}

// First channel row of (B, D, L) tensor `which` that this block reads: u's rows are the group's own when u is shared
// by the groups (V6_PATHS with p.sharedU), every other tensor's are the block's channels d0 ...
__device__ __forceinline__ int v6_row0(const ScanParams& p, int which, const V6Block& k) {
    return V6_PATHS && which == SEQ_U ? k.u0 : k.d0;
}

// [32 × TL] tile of (B, D, L) tensor `which` (SEQ_*) at scan positions l0 .. l0 + len - 1 into rows of stride V6_RS.
template <typename T>
__device__ __forceinline__ void v6_stage_rows(const T* __restrict__ src, int which, float* dst, const ScanParams& p,
                                              const V6Block& k, int l0, int len) {
    int j = threadIdx.x % TL, r = threadIdx.x / TL;
    bool colOk = j < len;
    long long rowStride = p.seqStride[which][1];
    const T* ptr = src + k.b * p.seqStride[which][0] + (v6_row0(p, which, k) + r) * rowStride + (colOk ? v6_col(p, k.g, l0 + j) : 0);
    long long step = V6_ROWSTEP * rowStride;
    float v[TL];
    #pragma unroll
    for (int i = 0; i < TL; i++) {
        v[i] = colOk && r + i * V6_ROWSTEP < k.rows ? v6_ld(ptr) : 0.f;
        ptr += step;
    }
    #pragma unroll
    for (int i = 0; i < TL; i++) dst[(r + i * V6_ROWSTEP) * V6_RS + j] = v[i];
}

// The inverse of the staging: a [32 × W] tile with rows of stride W + 1 to (B, D, L) tensor `which` (only existing
// channels and positions).
template <int W, typename T>
__device__ __forceinline__ void v6_store_rows(T* __restrict__ dst, int which, const float* src, const ScanParams& p,
                                                const V6Block& k, int l0, int len) {
    constexpr int ROWSTEP = V6_T / W;
    int j = threadIdx.x % W, r = threadIdx.x / W;
    bool colOk = j < len;
    long long rowStride = p.seqStride[which][1];
    T* ptr = dst + k.b * p.seqStride[which][0] + (v6_row0(p, which, k) + r) * rowStride + (colOk ? v6_col(p, k.g, l0 + j) : 0);
    long long step = ROWSTEP * rowStride;
    #pragma unroll
    for (int i = 0; i < W; i++) {
        if (colOk && r + i * ROWSTEP < k.rows) v6_st(ptr, src[(r + i * ROWSTEP) * (W + 1) + j]);
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
    const float* ptr = src + v6_bc_row(p, which, k, n0) + (colOk ? v6_col(p, k.g, l0 + j) : 0);
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
// cp.async for float32 (thread t copies column t % W of rows t / W, t / W + 32 / W, ...; the source pointer of a
// zero-filled element stays inside the tensor). cp.async cannot widen, so a bf16 tensor's thread loads, widens and
// stores each element to shared memory itself.
template <int W, typename T>
__device__ __forceinline__ void v6_stage_rows_async(const T* __restrict__ src, int which, float* dst, const ScanParams& p,
                                                    const V6Block& k, int l0, int len) {
    constexpr int ROWSTEP = V6_T / W;
    int j = threadIdx.x % W, r = threadIdx.x / W;
    bool colOk = j < len;
    long long rowStride = p.seqStride[which][1];
    const T* ptr = src + k.b * p.seqStride[which][0] + (v6_row0(p, which, k) + r) * rowStride + (colOk ? v6_col(p, k.g, l0 + j) : 0);
    long long step = ROWSTEP * rowStride;
    #pragma unroll
    for (int i = 0; i < W; i++) {
        bool ok = colOk && r + i * ROWSTEP < k.rows;
        float* to = dst + (r + i * ROWSTEP) * (W + 1) + j;
        if constexpr (sizeof(T) == sizeof(float)) v6_cp4(to, ok ? ptr : src, ok);
        else *to = ok ? v6_ld(ptr) : 0.f;
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
    const float* ptr = src + v6_bc_row(p, which, k, n0) + (colOk ? v6_col(p, k.g, l0 + j) : 0);
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


// Single calls: grid (channel tiles, B, segments). Pairs (Vim's two directions in one launch): grid (channel
// tiles, 2·B, segments), batches B .. 2B-1 run the second call (same shape, own tensors, layout and direction); one
// launch instead of two, and twice the blocks, which fills the last wave of the backward better.
// Each kernel exists for float32 sequences (scan6_NAME) and bf16 ones (scan6_NAME_bf16).
#define V6_KERNELS_T(NAME, FN, NS, T, BOUNDS)                                                                        \
    extern "C" __global__ void BOUNDS scan6_##NAME(ScanParams p) { FN<NS, T>(p, blockIdx.y); }                      \
    extern "C" __global__ void BOUNDS scan6_##NAME##_pair(ScanParams p, ScanParams q) {                            \
        if ((int)blockIdx.y < p.B) FN<NS, T>(p, blockIdx.y); else FN<NS, T>(q, blockIdx.y - p.B);                  \
    }
#define V6_KERNELS(NAME, FN, NS, BOUNDS)                                                                             \
    V6_KERNELS_T(NAME, FN, NS, float, BOUNDS)                                                                        \
    V6_KERNELS_T(NAME##_bf16, FN, NS, v6_bf16, BOUNDS)
#endif
