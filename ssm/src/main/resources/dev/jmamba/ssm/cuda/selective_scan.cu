// Selective scan (S6) forward and backward on the GPU. Reference: dev.jmamba.ssm.kernel.SelectiveScanReference
// (the equations of spec/selective-scan.md §2–3); checked against it by SelectiveScanCudaGpuTest.
//
// Kernels come in two instantiations of the state-slice count S (lanes own S state indices each):
// *_s1 for N <= 32 and *_s8 for N <= 256 (the reference kernel's limit). In *_s1 the backward keeps
// exp(dt·A) and h of a chunk in registers between its two passes, so exp is issued once per
// (b, d, l, n) in forward and once in backward. dB/dC are reduced across the channels of a warp with
// shuffles before one atomic per warp when the warp's channels share (b, g).
//
// Work split (the design of notes/PERFORMANCE.md §3): NP = lanes per (b, d) = next power of two >= N,
// capped at 32; lane n0 of a group owns state indices n0, n0 + NP, ... ("slices"). Every lane carries
// its h in a register through L, so B·D·NP lanes run with no scan tree and no block barriers.
// y = Σ_n C·h is an xor-shuffle reduction inside the NP-lane group.
//
// Backward: forward saves h at the end of every chunk of K positions: states (B, D, nChunks, N).
// Chunks are visited in reverse; each is recomputed forward from the previous chunk's saved state
// into registers (hbuf, abuf), then the adjoint g_l = gy_l·C_l + a_{l+1}·g_{l+1} runs backwards.

#ifndef K_CHUNK
#define K_CHUNK 16     // positions per saved state; the launcher passes -DK_CHUNK
#endif

struct ScanParams {
    int B, D, L, N, G;          // sizes
    int NP;                     // lanes per (b, d)
    int nChunks;                // ceil(L / K_CHUNK)
    int softplus;               // dt = softplus(delta + bias)
    int warpShare;              // 1 when every warp's groups share (b, g): dB/dC reduced across the warp
    const float* u;             // (B, D, L)
    const float* delta;         // (B, D, L)
    const float* A;             // (D, N)
    const float* Bm;            // (B, G, N, L)
    const float* Cm;            // (B, G, N, L)
    const float* Dskip;         // (D) or null
    const float* z;             // (B, D, L) or null
    const float* deltaBias;     // (D) or null
    float* out;                 // (B, D, L)
    float* states;              // (B, D, nChunks, N): h at the end of each chunk
    float* lastState;           // (B, D, N) or null
    // backward
    const float* gout;          // (B, D, L)
    float* du;                  // (B, D, L)
    float* ddelta;              // (B, D, L)
    float* dA;                  // (D, N), accumulated with atomics (zeroed by the launcher)
    float* dB;                  // (B, G, N, L), accumulated (zeroed)
    float* dC;                  // (B, G, N, L), accumulated (zeroed)
    float* dDskip;              // (D) or null, accumulated (zeroed)
    float* dz;                  // (B, D, L) or null
    float* ddeltaBias;          // (D) or null, accumulated (zeroed)
};

__device__ __forceinline__ float softplus_f(float x) { return x <= 20.f ? log1pf(expf(x)) : x; }
__device__ __forceinline__ float sigmoid_f(float x) { return 1.f / (1.f + expf(-x)); }

// Sum over the NP lanes of this lane's group (all of them get the sum).
__device__ __forceinline__ float group_sum(float v, int NP, unsigned mask) {
    for (int off = NP >> 1; off > 0; off >>= 1) v += __shfl_xor_sync(mask, v, off);
    return v;
}

// Mask of the lanes of this lane's NP-group inside the warp.
__device__ __forceinline__ unsigned group_mask(int NP) {
    if (NP == 32) return 0xffffffffu;
    int lane = threadIdx.x & 31;
    return ((1u << NP) - 1u) << (lane & ~(NP - 1));
}

// dt for position l of row bd.
__device__ __forceinline__ float dt_at(const ScanParams& p, int bd, int d, int l) {
    float x = p.delta[(size_t)bd * p.L + l] + (p.deltaBias ? p.deltaBias[d] : 0.f);
    return p.softplus ? softplus_f(x) : x;
}


template <int S>
__device__ void scan_fwd(const ScanParams& p) {
    int NP = p.NP;
    long tid = (long)blockIdx.x * blockDim.x + threadIdx.x;
    int bd = (int)(tid / NP), n0 = (int)(tid % NP);
    if (bd >= p.B * p.D) return;                       // whole groups exit together
    unsigned mask = group_mask(NP);
    int b = bd / p.D, d = bd % p.D, g = d / (p.D / p.G);
    float h[S], Aval[S];
    bool live[S];
    #pragma unroll
    for (int s = 0; s < S; s++) {
        int n = n0 + s * NP;
        live[s] = n < p.N;
        h[s] = 0.f;
        Aval[s] = live[s] ? p.A[d * p.N + n] : 0.f;
    }
    float dskip = p.Dskip ? p.Dskip[d] : 0.f;
    size_t row = (size_t)bd * p.L;
    size_t bcBase = (size_t)(b * p.G + g) * p.N * p.L;
    #pragma unroll 4
    for (int l = 0; l < p.L; l++) {
        float dt = dt_at(p, bd, d, l);
        float uv = p.u[row + l];
        float acc = 0.f;
        #pragma unroll
        for (int s = 0; s < S; s++) {
            if (live[s]) {
                size_t bc = bcBase + (size_t)(n0 + s * NP) * p.L + l;
                float a = expf(dt * Aval[s]);
                h[s] = a * h[s] + dt * p.Bm[bc] * uv;
                acc += p.Cm[bc] * h[s];
            }
        }
        float y = group_sum(acc, NP, mask) + dskip * uv;
        if (p.z) { float zv = p.z[row + l]; y *= zv * sigmoid_f(zv); }
        if (n0 == 0) p.out[row + l] = y;
        if ((l + 1) % K_CHUNK == 0 || l == p.L - 1) {
            int c = l / K_CHUNK;
            #pragma unroll
            for (int s = 0; s < S; s++)
                if (live[s]) p.states[((size_t)bd * p.nChunks + c) * p.N + n0 + s * NP] = h[s];
        }
    }
    if (p.lastState) {
        #pragma unroll
        for (int s = 0; s < S; s++)
            if (live[s]) p.lastState[(size_t)bd * p.N + n0 + s * NP] = h[s];
    }
}

// Adds v into dst once per warp when all groups of the warp share the address (warpShare), else per lane.
__device__ __forceinline__ void add_shared(float* dst, float v, int NP, int warpShare) {
    if (warpShare) {
        for (int off = 16; off >= NP; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
        if ((threadIdx.x & 31) < NP) atomicAdd(dst, v);
    } else {
        atomicAdd(dst, v);
    }
}

// Recomputes h (and a = exp(dt·A)) of one state slice over chunk positions [0, len) from hstart.
__device__ __forceinline__ void recompute_chunk(const ScanParams& p, size_t row, size_t bcRow, int l0, int len,
                                                const float* dtb, float A, float hstart, float* hb, float* ab) {
    float hv = hstart;
    #pragma unroll
    for (int i = 0; i < K_CHUNK; i++) {
        if (i < len) {
            float a = expf(dtb[i] * A);
            hv = a * hv + dtb[i] * p.Bm[bcRow + l0 + i] * p.u[row + l0 + i];
            ab[i] = a;
            hb[i] = hv;
        }
    }
}

template <int S>
__device__ void scan_bwd(const ScanParams& p) {
    int NP = p.NP;
    long tid = (long)blockIdx.x * blockDim.x + threadIdx.x;
    int bd = (int)(tid / NP), n0 = (int)(tid % NP);
    // warpShare is only set when no warp is partial, so this exit never splits a warp that shuffles.
    if (bd >= p.B * p.D) return;
    unsigned mask = group_mask(NP);
    int b = bd / p.D, d = bd % p.D, g = d / (p.D / p.G);
    float dskip = p.Dskip ? p.Dskip[d] : 0.f;
    float bias = p.deltaBias ? p.deltaBias[d] : 0.f;
    size_t row = (size_t)bd * p.L;
    size_t bcBase = (size_t)(b * p.G + g) * p.N * p.L;
    float gcarry[S], acarry[S], dAacc[S], Aval[S];
    bool live[S];
    size_t bcRow[S];
    #pragma unroll
    for (int s = 0; s < S; s++) {
        int n = n0 + s * NP;
        live[s] = n < p.N;
        bcRow[s] = bcBase + (size_t)(live[s] ? n : 0) * p.L;
        gcarry[s] = 0.f; acarry[s] = 0.f; dAacc[s] = 0.f;
        Aval[s] = live[s] ? p.A[d * p.N + n] : 0.f;
    }
    float dDacc = 0.f, dbiasAcc = 0.f;
    for (int c = p.nChunks - 1; c >= 0; c--) {
        int l0 = c * K_CHUNK, len = min(K_CHUNK, p.L - l0);
        float dtb[K_CHUNK], gyb[K_CHUNK], hb[K_CHUNK], ab[K_CHUNK];
        #pragma unroll
        for (int i = 0; i < K_CHUNK; i++) if (i < len) dtb[i] = dt_at(p, bd, d, l0 + i);
        float hstart[S];
        #pragma unroll
        for (int s = 0; s < S; s++)
            hstart[s] = (c == 0 || !live[s]) ? 0.f : p.states[((size_t)bd * p.nChunks + c - 1) * p.N + n0 + s * NP];
        // pass 1: the gated output's gradient gy (needs the pre-gate output y0 = Σ_n C·h + D·u when z is given)
        float y0b[K_CHUNK];
        #pragma unroll
        for (int i = 0; i < K_CHUNK; i++) y0b[i] = 0.f;
        if (p.z || S == 1) {
            #pragma unroll
            for (int s = 0; s < S; s++) {
                if (!live[s]) continue;
                recompute_chunk(p, row, bcRow[s], l0, len, dtb, Aval[s], hstart[s], hb, ab);
                #pragma unroll
                for (int i = 0; i < K_CHUNK; i++) if (i < len) y0b[i] += p.Cm[bcRow[s] + l0 + i] * hb[i];
            }
        }
        #pragma unroll
        for (int i = 0; i < K_CHUNK; i++) {
            if (i >= len) continue;
            float go = p.gout[row + l0 + i];
            if (p.z) {
                float y0 = group_sum(y0b[i], NP, mask) + dskip * p.u[row + l0 + i];
                float zv = p.z[row + l0 + i], sg = sigmoid_f(zv);
                if (n0 == 0) p.dz[row + l0 + i] = go * y0 * sg * (1.f + zv * (1.f - sg));
                gyb[i] = go * zv * sg;
            } else {
                gyb[i] = go;
            }
        }
        float dub[K_CHUNK], ddtb[K_CHUNK];
        #pragma unroll
        for (int i = 0; i < K_CHUNK; i++) { dub[i] = 0.f; ddtb[i] = 0.f; }
        // pass 2 per slice: h and a of the chunk (kept from pass 1 when S == 1), then the adjoint backwards
        #pragma unroll
        for (int s = 0; s < S; s++) {
            if (S > 1 && live[s]) recompute_chunk(p, row, bcRow[s], l0, len, dtb, Aval[s], hstart[s], hb, ab);
            float gv = gcarry[s], anext = acarry[s];
            #pragma unroll
            for (int i = K_CHUNK - 1; i >= 0; i--) {
                if (i >= len) continue;
                size_t bc = bcRow[s] + l0 + i;
                float Bv = live[s] ? p.Bm[bc] : 0.f, Cv = live[s] ? p.Cm[bc] : 0.f;
                float uv = p.u[row + l0 + i];
                gv = gyb[i] * Cv + anext * gv;                              // adjoint of h_l
                float hprev = i == 0 ? hstart[s] : hb[i - 1];
                float ahp = live[s] ? ab[i] * hprev : 0.f;                  // a_l·h_{l-1} = h_l - dt·B·u
                add_shared(p.dC + bc, live[s] ? gyb[i] * hb[i] : 0.f, NP, p.warpShare);
                add_shared(p.dB + bc, gv * dtb[i] * uv, NP, p.warpShare);
                dub[i] += gv * Bv * dtb[i];
                ddtb[i] += gv * (Bv * uv + Aval[s] * ahp);
                dAacc[s] += gv * dtb[i] * ahp;
                anext = live[s] ? ab[i] : 0.f;
            }
            gcarry[s] = gv; acarry[s] = anext;
        }
        // per-position outputs: reduce over the state lanes
        #pragma unroll
        for (int i = 0; i < K_CHUNK; i++) {
            if (i >= len) continue;
            float duv = group_sum(dub[i], NP, mask);
            float ddt = group_sum(ddtb[i], NP, mask);
            if (n0 == 0) {
                float uv = p.u[row + l0 + i];
                float x = p.delta[row + l0 + i] + bias;
                float dd = (p.softplus && x <= 20.f) ? ddt * sigmoid_f(x) : ddt;
                p.du[row + l0 + i] = duv + dskip * gyb[i];
                p.ddelta[row + l0 + i] = dd;
                dDacc += gyb[i] * uv;
                dbiasAcc += dd;
            }
        }
    }
    #pragma unroll
    for (int s = 0; s < S; s++)
        if (live[s]) atomicAdd(p.dA + d * p.N + n0 + s * NP, dAacc[s]);
    if (n0 == 0) {
        if (p.dDskip) atomicAdd(p.dDskip + d, dDacc);
        if (p.ddeltaBias) atomicAdd(p.ddeltaBias + d, dbiasAcc);
    }
}

extern "C" __global__ void scan_fwd_s1(ScanParams p) { scan_fwd<1>(p); }
extern "C" __global__ void scan_fwd_s8(ScanParams p) { scan_fwd<8>(p); }
extern "C" __global__ void scan_bwd_s1(ScanParams p) { scan_bwd<1>(p); }
extern "C" __global__ void scan_bwd_s8(ScanParams p) { scan_bwd<8>(p); }
