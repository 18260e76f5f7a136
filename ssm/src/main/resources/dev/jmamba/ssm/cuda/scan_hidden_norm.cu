// Selective scan with GrootV's normalised read-out fused in (d_state 1; FractalMamba's h_norm, issue 14). Per batch b,
// group g and channel d = g·di + c of the group's di channels:
//   dt_l = softplus(delta_l + bias_d),  h_l = exp(dt_l·A_d)·h_{l-1} + dt_l·B_l·u_l            (h_{-1} = 0)
//   y_l  = ((h_l − mean_l)·rstd_l·gamma_c + beta_c)·C_l + Dskip_d·u_l,
// mean_l and rstd_l = 1/sqrt(var_l + eps) over the group's di channels at position l (B_l, C_l: one value per (b, g, l)).
// The unfused form is SelectiveScan.scan with C = 1 and no D (it returns h), then ChannelLayerNorm's skip form; that
// composition is the reference (HiddenNormScan on the CPU, HiddenNormScanGpuTest against it on the GPU). Fusing
// saves h's round trip through memory, the norm's passes over h, xs and gy, and the separate skip gradient
// (Dskip·gy is added to du here).
//
// Layout: one block per (b, g), one thread per channel (blockDim = di, a multiple of 32), positions walked in tiles of
// TP. u, delta, y, du, ddelta: (B, G·di, L) contiguous; B, C: rows of L positions at b·bBatch + g·bGroup and
// b·cBatch + g·cGroup (views of x_proj's output); dB, dC, mean, rstd: (B, G, L) contiguous; states: (B, T, G·di) with
// T = ceil(L / TP), h at the end of each tile (the backward recomputes a tile's h from the state before it; a warp
// stores and loads 32 adjacent floats).
// A warp moves a (32 channels × TP positions) tile of a (B, D, L) tensor through its own shared-memory tile: loads
// run along positions (coalesced), then each lane takes its channel's row. Sums over the group's channels at each
// position go through the same tile (each lane sums one position's column over the warp's 32 channels) and a block
// step over the warps. Positions past L are staged as zeros with dt = 0 (a = 1: h passes through) and never stored.
// Per-channel parameter gradients (dA, dDskip, dbias, dgamma, dbeta) are this block's sums over its positions,
// written to part (B·G, 5, di); the launcher adds the B·G rows in a fixed order (no atomics: the same bits every run).
// Statistics and every sum in float32: the reference computes in double, the test tolerances say how close.
//
// Prefetching kernels (the _p variants, groups of up to 640 channels; HiddenNormScanCuda picks them as
// jmamba.scan.hiddenNormPrefetch says): the next tile's rows of u and delta (backward: u, delta and gy) go to a second
// set of per-warp tiles with cp.async, and its B, C (backward also mean, rstd) rows to one of two row buffers, while the
// current tile computes, so a tile no longer waits for its loads (one block per SM at 640 channels: nothing else on the
// SM hides that latency). A warp's tiles are read by that warp only (a __syncwarp before it stages over them); each
// thread waits for its own copies and the block's __syncthreads at the top of the tile publishes them; a row buffer is
// staged over one tile after it was read, past that top barrier.

// TP: positions per tile, a template parameter of every function below (16; 8 for the kernels whose name ends in t8,
// which need fewer registers per thread); a warp tile's rows are TP + 1 floats apart (conflict-free column reads).
#define HN_LOG2E 1.4426950408889634f

__device__ __forceinline__ float hn_exp2(float x) {
    float y;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
    return y;
}
__device__ __forceinline__ float hn_softplus(float x) { return x <= 20.f ? log1pf(hn_exp2(x * HN_LOG2E)) : x; }
__device__ __forceinline__ float hn_sigmoid(float x) { return __frcp_rn(1.f + hn_exp2(-x * HN_LOG2E)); }

// v[k] = tile[lane][k]: this lane's channel row of a staged warp tile.
template <int TP>
__device__ __forceinline__ void hn_unstage(const float* tile, float (&v)[TP]) {
    int lane = threadIdx.x & 31;
#pragma unroll
    for (int k = 0; k < TP; k++) v[k] = tile[lane * (TP + 1) + k];
}

// v[j] = rows[lane][l0 + j] for this lane's channel (row `lane` of the warp's 32 rows, rows L floats apart); zeros past L.
template <int TP>
__device__ __forceinline__ void hn_load(const float* __restrict__ rows, int L, int l0, float* tile, float (&v)[TP]) {
    int lane = threadIdx.x & 31, j = lane % TP, r0 = lane / TP;
    int l = l0 + j;
    __syncwarp();
#pragma unroll
    for (int i = r0; i < 32; i += 32 / TP) tile[i * (TP + 1) + j] = l < L ? __ldg(rows + (size_t)i * L + l) : 0.f;
    __syncwarp();
    hn_unstage<TP>(tile, v);
}

// cp.async: 4 bytes global → shared without registers, zero-filled when !valid (source size 0; src stays in the tensor).
__device__ __forceinline__ void hn_cp4(float* dst, const float* src, bool valid) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" :: "r"((unsigned)__cvta_generic_to_shared(dst)), "l"(src), "r"(valid ? 4 : 0));
}
__device__ __forceinline__ void hn_cp_commit() { asm volatile("cp.async.commit_group;\n" ::); }
__device__ __forceinline__ void hn_cp_wait() { asm volatile("cp.async.wait_group 0;\n" ::: "memory"); }

// Stages rows[.][l0 .. l0 + TP) of the warp's 32 channel rows into tile as hn_load does, asynchronously.
template <int TP>
__device__ __forceinline__ void hn_stage(const float* __restrict__ rows, int L, int l0, float* tile) {
    int lane = threadIdx.x & 31, j = lane % TP, r0 = lane / TP;
    int l = l0 + j;
    bool in = l < L;
#pragma unroll
    for (int i = r0; i < 32; i += 32 / TP) hn_cp4(tile + i * (TP + 1) + j, rows + (size_t)i * L + (in ? l : 0), in);
}

// Threads below TP stage row[l0 .. l0 + TP) into dst asynchronously (zeros past L).
template <int TP>
__device__ __forceinline__ void hn_stage_row(const float* __restrict__ row, int L, int l0, float* dst) {
    if (threadIdx.x < TP) {
        int l = l0 + threadIdx.x;
        bool in = l < L;
        hn_cp4(dst + threadIdx.x, row + (in ? l : 0), in);
    }
}

// rows[lane][l0 + j] = v[j] for positions below L.
template <int TP>
__device__ __forceinline__ void hn_store(float* __restrict__ rows, int L, int l0, float* tile, const float (&v)[TP]) {
    int lane = threadIdx.x & 31, j = lane % TP, r0 = lane / TP;
    __syncwarp();
#pragma unroll
    for (int k = 0; k < TP; k++) tile[lane * (TP + 1) + k] = v[k];
    __syncwarp();
    int l = l0 + j;
    if (l < L)
#pragma unroll
        for (int i = r0; i < 32; i += 32 / TP) rows[(size_t)i * L + l] = tile[i * (TP + 1) + j];
}

// Element k of this lane's row of its warp tile: where a lane puts its terms for hn_tile_sums (after a __syncwarp, so
// that the tile's last readers are done). Writing terms straight there saves the registers of an array of them.
template <int TP>
__device__ __forceinline__ float& hn_row(float* tile, int k) { return tile[(threadIdx.x & 31) * (TP + 1) + k]; }

// out[j] = Σ over the block's channels of their tile rows' element j, for the TP positions of the tile (every
// thread may read out after the call). part: [warps][TP] floats of shared memory.
template <int TP>
__device__ __forceinline__ void hn_tile_sums(float* tile, float* part, float* out) {
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, warps = blockDim.x >> 5;
    int j = lane % TP, r0 = lane / TP;
    __syncwarp();
    float s = 0.f;
#pragma unroll
    for (int i = r0; i < 32; i += 32 / TP) s += tile[i * (TP + 1) + j];   // this lane's half of column j
#pragma unroll
    for (int o = TP; o < 32; o *= 2) s += __shfl_xor_sync(0xffffffffu, s, o);   // the other lanes of column j (lane ^ 16, …)
    if (lane < TP) part[w * TP + lane] = s;
    __syncthreads();
    if (threadIdx.x < TP) {
        float t = 0.f;
        for (int k = 0; k < warps; k++) t += part[k * TP + threadIdx.x];
        out[threadIdx.x] = t;
    }
    __syncthreads();
}

// out[j] = Σ over the block's channels of v[j] (hn_tile_sums of the lanes' v).
template <int TP>
__device__ __forceinline__ void hn_channel_sums(const float (&v)[TP], float* tile, float* part, float* out) {
    __syncwarp();
#pragma unroll
    for (int k = 0; k < TP; k++) hn_row<TP>(tile, k) = v[k];
    hn_tile_sums<TP>(tile, part, out);
}

// Shared memory of a block: a tile per warp, then part [warps][TP], then 6 rows of TP (sums, B, C, mean, rstd, spare);
// the prefetching kernels add, per warp, a tile per streamed tensor (forward 2, backward 3), then two buffers of the
// staged rows ([2][2 or 4][TP]: B, C, and in the backward mean, rstd).
template <int TP>
__device__ __forceinline__ float* hn_tile(float* smem) { return smem + (threadIdx.x >> 5) * 32 * (TP + 1); }

template <bool PF, int TP>
__device__ void scan_hidden_norm_forward(const float* __restrict__ u, const float* __restrict__ delta, const float* __restrict__ A,
                                         const float* __restrict__ Bm, const float* __restrict__ Cm, long long bBatch, long long bGroup,
                                         long long cBatch, long long cGroup, const float* __restrict__ Dskip, const float* __restrict__ bias,
                                         const float* __restrict__ gamma, const float* __restrict__ beta, float* __restrict__ y,
                                         float* __restrict__ mean, float* __restrict__ rstd, float* __restrict__ states,
                                         int G, int di, int L, float eps) {
    extern __shared__ float smem[];
    int warps = blockDim.x >> 5, w = threadIdx.x >> 5, c = threadIdx.x;
    float* tile = hn_tile<TP>(smem);
    float* part = smem + warps * 32 * (TP + 1);
    float* sum = part + warps * TP;
    float *sB = sum + TP, *sC = sB + TP, *sMean = sC + TP, *sRstd = sMean + TP;
    float* pfTiles = sum + 6 * TP + w * 2 * (32 * (TP + 1));      // PF: this warp's u and delta tiles
    float* pfRows = sum + 6 * TP + warps * 2 * (32 * (TP + 1));   // PF: [2][B, C][TP]
    int bg = blockIdx.x, b = bg / G, g = bg - b * G, D = G * di, d = g * di + c;
    size_t warpRows = ((size_t)b * D + (size_t)g * di + w * 32) * L;     // this warp's first channel row
    const float* bRow = Bm + b * bBatch + g * bGroup;
    const float* cRow = Cm + b * cBatch + g * cGroup;
    float a2 = A[d] * HN_LOG2E, bi = bias[d], ds = Dskip ? Dskip[d] : 0.f, ga = gamma ? gamma[c] : 1.f, be = beta ? beta[c] : 0.f;
    int T = (L + TP - 1) / TP;
    float h = 0.f, inv = 1.f / di;
    if (PF) {
        hn_stage<TP>(u + warpRows, L, 0, pfTiles);
        hn_stage<TP>(delta + warpRows, L, 0, pfTiles + (32 * (TP + 1)));
        hn_stage_row<TP>(bRow, L, 0, pfRows);
        hn_stage_row<TP>(cRow, L, 0, pfRows + TP);
        hn_cp_commit();
    }
    for (int t = 0; t < T; t++) {
        int l0 = t * TP;
        float uv[TP], hv[TP];
        if (PF) {
            hn_cp_wait();
            __syncthreads();                              // tile t's staged data visible; tile t - 1's readers done
            sB = pfRows + (t & 1) * 2 * TP;
            sC = sB + TP;
            hn_unstage<TP>(pfTiles, uv);
            hn_unstage<TP>(pfTiles + (32 * (TP + 1)), hv);            // delta first, h after the recurrence
            __syncwarp();
            if (t + 1 < T) {
                int l1 = l0 + TP;
                float* next = pfRows + ((t + 1) & 1) * 2 * TP;
                hn_stage<TP>(u + warpRows, L, l1, pfTiles);
                hn_stage<TP>(delta + warpRows, L, l1, pfTiles + (32 * (TP + 1)));
                hn_stage_row<TP>(bRow, L, l1, next);
                hn_stage_row<TP>(cRow, L, l1, next + TP);
            }
            hn_cp_commit();
        } else {
            __syncthreads();                              // the previous tile's readers of sB .. sRstd are done
            if (threadIdx.x < TP) {
                int l = l0 + threadIdx.x;
                sB[threadIdx.x] = l < L ? bRow[l] : 0.f;
                sC[threadIdx.x] = l < L ? cRow[l] : 0.f;
            }
            hn_load<TP>(u + warpRows, L, l0, tile, uv);
            hn_load<TP>(delta + warpRows, L, l0, tile, hv);     // delta first, h after the recurrence
            __syncthreads();
        }
#pragma unroll
        for (int j = 0; j < TP; j++) {
            float dt = l0 + j < L ? hn_softplus(hv[j] + bi) : 0.f;
            h = hn_exp2(dt * a2) * h + dt * sB[j] * uv[j];
            hv[j] = h;
        }
        states[((size_t)b * T + t) * D + d] = h;
        hn_channel_sums<TP>(hv, tile, part, sum);
        if (threadIdx.x < TP) sMean[threadIdx.x] = sum[threadIdx.x] * inv;
        __syncthreads();
        float sq[TP];
#pragma unroll
        for (int j = 0; j < TP; j++) {
            hv[j] -= sMean[j];                            // h − mean
            sq[j] = hv[j] * hv[j];
        }
        hn_channel_sums<TP>(sq, tile, part, sum);             // two passes: no cancellation in the variance
        if (threadIdx.x < TP) {
            int l = l0 + threadIdx.x;
            float r = rsqrtf(sum[threadIdx.x] * inv + eps);
            sRstd[threadIdx.x] = r;
            if (l < L) {
                mean[(size_t)bg * L + l] = sMean[threadIdx.x];
                rstd[(size_t)bg * L + l] = r;
            }
        }
        __syncthreads();
#pragma unroll
        for (int j = 0; j < TP; j++) hv[j] = (hv[j] * sRstd[j] * ga + be) * sC[j] + ds * uv[j];
        hn_store<TP>(y + warpRows, L, l0, tile, hv);
    }
}

template <bool PF, int TP>
__device__ void scan_hidden_norm_backward(const float* __restrict__ u, const float* __restrict__ delta, const float* __restrict__ A,
                                          const float* __restrict__ Bm, const float* __restrict__ Cm, long long bBatch, long long bGroup,
                                          long long cBatch, long long cGroup, const float* __restrict__ Dskip, const float* __restrict__ bias,
                                          const float* __restrict__ gamma, const float* __restrict__ beta,
                                          const float* __restrict__ mean, const float* __restrict__ rstd,
                                          const float* __restrict__ states, const float* __restrict__ gy, float* __restrict__ du,
                                          float* __restrict__ ddelta, float* __restrict__ dB, float* __restrict__ dC,
                                          float* __restrict__ part5, int G, int di, int L) {
    extern __shared__ float smem[];
    int warps = blockDim.x >> 5, w = threadIdx.x >> 5, c = threadIdx.x;
    float* tile = hn_tile<TP>(smem);
    float* part = smem + warps * 32 * (TP + 1);
    float* sum = part + warps * TP;
    float *sB = sum + TP, *sC = sB + TP, *sMean = sC + TP, *sRstd = sMean + TP, *sS = sRstd + TP;
    float* pfTiles = sum + 6 * TP + w * 3 * (32 * (TP + 1));      // PF: this warp's u, delta and gy tiles
    float* pfRows = sum + 6 * TP + warps * 3 * (32 * (TP + 1));   // PF: [2][B, C, mean, rstd][TP]
    int bg = blockIdx.x, b = bg / G, g = bg - b * G, D = G * di, d = g * di + c;
    size_t warpRows = ((size_t)b * D + (size_t)g * di + w * 32) * L;
    const float* bRow = Bm + b * bBatch + g * bGroup;
    const float* cRow = Cm + b * cBatch + g * cGroup;
    float Ad = A[d], a2 = Ad * HN_LOG2E, bi = bias[d], ds = Dskip ? Dskip[d] : 0.f;
    float ga = gamma ? gamma[c] : 1.f, be = beta ? beta[c] : 0.f, inv = 1.f / di;
    int T = (L + TP - 1) / TP;
    float carry = 0.f, accA = 0.f, accD = 0.f, accBias = 0.f, accGamma = 0.f, accBeta = 0.f;
    float h0next = 0.f;                                   // PF: the state entering the next tile (to the left)
    if (PF) {
        int l1 = (T - 1) * TP;
        hn_stage<TP>(u + warpRows, L, l1, pfTiles);
        hn_stage<TP>(delta + warpRows, L, l1, pfTiles + (32 * (TP + 1)));
        hn_stage<TP>(gy + warpRows, L, l1, pfTiles + 2 * (32 * (TP + 1)));
        float* next = pfRows + ((T - 1) & 1) * 4 * TP;
        hn_stage_row<TP>(bRow, L, l1, next);
        hn_stage_row<TP>(cRow, L, l1, next + TP);
        hn_stage_row<TP>(mean + (size_t)bg * L, L, l1, next + 2 * TP);
        hn_stage_row<TP>(rstd + (size_t)bg * L, L, l1, next + 3 * TP);
        hn_cp_commit();
        h0next = T > 1 ? states[((size_t)b * T + T - 2) * D + d] : 0.f;
    }
    for (int t = T - 1; t >= 0; t--) {
        int l0 = t * TP;
        float h0, uv[TP], dv[TP], hv[TP], gv[TP], gh[TP];
        if (PF) {
            hn_cp_wait();
            __syncthreads();                              // tile t's staged data visible; tile t + 1's readers done
            sB = pfRows + (t & 1) * 4 * TP;
            sC = sB + TP;
            sMean = sC + TP;
            sRstd = sMean + TP;
            hn_unstage<TP>(pfTiles, uv);
            hn_unstage<TP>(pfTiles + (32 * (TP + 1)), dv);
            hn_unstage<TP>(pfTiles + 2 * (32 * (TP + 1)), gv);
            __syncwarp();
            h0 = h0next;
            if (t > 0) {
                int l1 = l0 - TP;
                float* next = pfRows + ((t - 1) & 1) * 4 * TP;
                hn_stage<TP>(u + warpRows, L, l1, pfTiles);
                hn_stage<TP>(delta + warpRows, L, l1, pfTiles + (32 * (TP + 1)));
                hn_stage<TP>(gy + warpRows, L, l1, pfTiles + 2 * (32 * (TP + 1)));
                hn_stage_row<TP>(bRow, L, l1, next);
                hn_stage_row<TP>(cRow, L, l1, next + TP);
                hn_stage_row<TP>(mean + (size_t)bg * L, L, l1, next + 2 * TP);
                hn_stage_row<TP>(rstd + (size_t)bg * L, L, l1, next + 3 * TP);
                h0next = t > 1 ? states[((size_t)b * T + t - 2) * D + d] : 0.f;
            }
            hn_cp_commit();
        } else {
            __syncthreads();
            if (threadIdx.x < TP) {
                int l = l0 + threadIdx.x;
                bool in = l < L;
                sB[threadIdx.x] = in ? bRow[l] : 0.f;
                sC[threadIdx.x] = in ? cRow[l] : 0.f;
                sMean[threadIdx.x] = in ? mean[(size_t)bg * L + l] : 0.f;
                sRstd[threadIdx.x] = in ? rstd[(size_t)bg * L + l] : 0.f;
            }
            h0 = t > 0 ? states[((size_t)b * T + t - 1) * D + d] : 0.f;
            hn_load<TP>(u + warpRows, L, l0, tile, uv);
            hn_load<TP>(delta + warpRows, L, l0, tile, dv);
            hn_load<TP>(gy + warpRows, L, l0, tile, gv);
            __syncthreads();
        }
        float hc = h0;
#pragma unroll
        for (int j = 0; j < TP; j++) {                 // h recomputed from the state entering the tile
            float dt = l0 + j < L ? hn_softplus(dv[j] + bi) : 0.f;
            hc = hn_exp2(dt * a2) * hc + dt * sB[j] * uv[j];
            hv[j] = hc;
        }
        // the norm's backward at each position: g = gy·C·gamma, gh = rstd·(g − mean_c(g) − x̂·mean_c(g·x̂));
        // dC_l = Σ_c gy·(x̂·gamma + beta). Terms of channel sums go straight to the warp tile (hn_row): no registers.
        __syncwarp();
#pragma unroll
        for (int j = 0; j < TP; j++) {
            float xh = (hv[j] - sMean[j]) * sRstd[j], gyc = gv[j] * sC[j];
            gh[j] = gyc * ga;                              // g
            hn_row<TP>(tile, j) = gv[j] * (xh * ga + be);      // dC's terms
            accGamma += gyc * xh;
            accBeta += gyc;
            accD += gv[j] * uv[j];
        }
        hn_tile_sums<TP>(tile, part, sum);
        if (threadIdx.x < TP && l0 + (int)threadIdx.x < L) dC[(size_t)bg * L + l0 + threadIdx.x] = sum[threadIdx.x];
        hn_channel_sums<TP>(gh, tile, part, sum);
        if (threadIdx.x < TP) sS[threadIdx.x] = sum[threadIdx.x] * inv;   // mean_c(g)
        __syncwarp();
#pragma unroll
        for (int j = 0; j < TP; j++) hn_row<TP>(tile, j) = gh[j] * (hv[j] - sMean[j]) * sRstd[j];
        hn_tile_sums<TP>(tile, part, sum);                     // Σ_c g·x̂ (its own __syncthreads also publish sS)
#pragma unroll
        for (int j = 0; j < TP; j++) {
            float xh = (hv[j] - sMean[j]) * sRstd[j];
            gh[j] = l0 + j < L ? sRstd[j] * (gh[j] - sS[j] - xh * sum[j] * inv) : 0.f;
        }
        // the scan's adjoint, right to left: gt = gh + a_{l+1}·gt_{l+1}
        __syncwarp();
#pragma unroll
        for (int j = TP - 1; j >= 0; j--) {
            float x = dv[j] + bi, dt = l0 + j < L ? hn_softplus(x) : 0.f, a = hn_exp2(dt * a2);
            float hp = j > 0 ? hv[j - 1] : h0, gt = gh[j] + carry;
            float dBu = sB[j] * uv[j];
            hn_row<TP>(tile, j) = gt * dt * uv[j];             // dB's terms
            gv[j] = gt * dt * sB[j] + ds * gv[j];          // du (the skip's gradient added here)
            float ddt = gt * (dBu + Ad * a * hp);
            accA += gt * dt * a * hp;
            float dd = l0 + j < L ? (x <= 20.f ? ddt * hn_sigmoid(x) : ddt) : 0.f;
            dv[j] = dd;
            accBias += dd;
            carry = gt * a;
        }
        hn_tile_sums<TP>(tile, part, sum);
        if (threadIdx.x < TP && l0 + (int)threadIdx.x < L) dB[(size_t)bg * L + l0 + threadIdx.x] = sum[threadIdx.x];
        hn_store<TP>(du + warpRows, L, l0, tile, gv);
        hn_store<TP>(ddelta + warpRows, L, l0, tile, dv);
    }
    float* row = part5 + (size_t)bg * 5 * di;
    row[c] = accA;
    row[di + c] = accD;
    row[2 * di + c] = accBias;
    row[3 * di + c] = accGamma;
    row[4 * di + c] = accBeta;
}

// Three register budgets: groups of up to 320 channels (10 warps; FractalMamba-T stages 1-2), 640 (stage 3), 1024;
// the prefetching kernels (PF) for the first two (at 1024 channels the backward's staged tiles would not fit).
#define HN_KERNELS(SFX, MAX_THREADS, PF, TP)                                                                                    \
    extern "C" __global__ void __launch_bounds__(MAX_THREADS) scan_hidden_norm_fwd_##SFX(                               \
            const float* u, const float* delta, const float* A, const float* Bm, const float* Cm, long long bBatch, long long bGroup,    \
            long long cBatch, long long cGroup, const float* Dskip, const float* bias, const float* gamma, const float* beta, float* y,  \
            float* mean, float* rstd, float* states, int G, int di, int L, float eps) {                                 \
        scan_hidden_norm_forward<PF, TP>(u, delta, A, Bm, Cm, bBatch, bGroup, cBatch, cGroup, Dskip, bias, gamma, beta, y, mean, \
                                              rstd, states, G, di, L, eps);                                             \
    }                                                                                                                   \
    extern "C" __global__ void __launch_bounds__(MAX_THREADS) scan_hidden_norm_bwd_##SFX(                               \
            const float* u, const float* delta, const float* A, const float* Bm, const float* Cm, long long bBatch, long long bGroup,    \
            long long cBatch, long long cGroup, const float* Dskip, const float* bias, const float* gamma, const float* beta,            \
            const float* mean, const float* rstd, const float* states, const float* gy, float* du, float* ddelta,       \
            float* dB, float* dC, float* part5, int G, int di, int L) {                                                 \
        scan_hidden_norm_backward<PF, TP>(u, delta, A, Bm, Cm, bBatch, bGroup, cBatch, cGroup, Dskip, bias, gamma, beta, mean,   \
                                               rstd, states, gy, du, ddelta, dB, dC, part5, G, di, L);                  \
    }
HN_KERNELS(w10, 320, false, 16)
HN_KERNELS(w20, 640, false, 16)
HN_KERNELS(w32, 1024, false, 16)
HN_KERNELS(pw10, 320, true, 16)
HN_KERNELS(pw20, 640, true, 16)
HN_KERNELS(w20t8, 640, false, 8)
HN_KERNELS(pw20t8, 640, true, 8)

// dst[k] = Σ_{r < rows} src[r·n + k] in r order (float64 sums, float32 result): the per-block parameter sums.
extern "C" __global__ void scan_hidden_norm_rows_sum(const float* src, int rows, int n, float* dst) {
    for (int k = blockIdx.x * blockDim.x + threadIdx.x; k < n; k += gridDim.x * blockDim.x) {
        double s = 0;
        for (int r = 0; r < rows; r++) s += (double)src[(size_t)r * n + k];
        dst[k] = (float)s;
    }
}
