// Cross scan (a gather through K permutations) and cross merge (its adjoint, a gather-and-sum
// through the K inverse permutations, so no atomics) on the GPU.
// Reference: dev.jmamba.vision.scan2d.CpuScan2dKernels; checked against it by CudaScan2dGpuTest.
//
//   scan:  seq[b, k, c, l]  = map[b, c, perms[k][l]]                    seq (B, K, C, L)
//   merge: map[b, c, p]     = Σ_{k = 0..K-1} seq[b, k, c, inverses[k][p]]  (summed in k order, like the CPU)
//
// perms and inverses are (K, L) int32 tables on the device, L = H·W; map is (B, C, L) channels-first
// or (B, L, C) channels-last. Flat indices are size_t (B·K·C·L may pass 2^31 on large maps).
//
// Channels-first: one thread per output element, l (or p) fastest, so writes are coalesced (reads
// are a gather along one row). Channels-last: the map's contiguous axis is C but the sequences' is L,
// so a block moves a 32 × 32 (l, c) tile through shared memory (padded to 33 to avoid bank
// conflicts): global reads run along c and global writes along l (scan), or the other way (merge).

// bf16 (raw 16-bit patterns): the scan copies them as they are; the merge adds them in float32 and writes float32
// (the sum of K bf16 values is not a bf16 value; widening keeps it exact up to float32 rounding).
typedef unsigned short bf16_bits;
__device__ __forceinline__ float widen(float v) { return v; }
__device__ __forceinline__ double widen(double v) { return v; }
__device__ __forceinline__ float widen(bf16_bits v) { return __uint_as_float(((unsigned int)v) << 16); }

#define TILE 32
#define TILE_ROWS 8    // blockDim = (TILE, TILE_ROWS); each thread handles TILE / TILE_ROWS elements

// ---- channels-first: grid-stride, one thread per output element ----

template <typename T>
__device__ void scan_cf(const T* map, const int* perms, T* seq, int B, int K, int C, int L) {
    size_t n = (size_t)B * K * C * L;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        int l = (int)(i % L);
        size_t row = i / L;                  // (b, k, c)
        int c = (int)(row % C);
        size_t bk = row / C;
        int k = (int)(bk % K);
        size_t b = bk / K;
        seq[i] = map[(b * C + c) * L + perms[(size_t)k * L + l]];
    }
}

template <typename T, typename O>
__device__ void merge_cf(const T* seq, const int* inverses, O* map, int B, int K, int C, int L) {
    size_t n = (size_t)B * C * L;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
        int p = (int)(i % L);
        size_t bc = i / L;                   // (b, c)
        int c = (int)(bc % C);
        size_t b = bc / C;
        O acc = 0;
        for (int k = 0; k < K; k++) acc += widen(seq[((b * K + k) * C + c) * L + inverses[(size_t)k * L + p]]);
        map[i] = acc;
    }
}

// ---- channels-last: one block per (32 positions, 32 channels, b[, k]) tile ----

// grid (ceil(L / 32), ceil(C / 32), B·K)
template <typename T>
__device__ void scan_cl(const T* map, const int* perms, T* seq, int B, int K, int C, int L) {
    __shared__ T tile[TILE][TILE + 1];       // [l - l0][c - c0]
    int l0 = blockIdx.x * TILE, c0 = blockIdx.y * TILE;
    int k = blockIdx.z % K;
    size_t b = blockIdx.z / K;
    const int* perm = perms + (size_t)k * L;
    int c = c0 + threadIdx.x;                // read along c: coalesced in the (B, L, C) map
    for (int j = threadIdx.y; j < TILE; j += TILE_ROWS) {
        int l = l0 + j;
        if (l < L && c < C) tile[j][threadIdx.x] = map[(b * L + perm[l]) * C + c];
    }
    __syncthreads();
    int l = l0 + threadIdx.x;                // write along l: coalesced in the (B, K, C, L) sequences
    for (int j = threadIdx.y; j < TILE; j += TILE_ROWS) {
        int cc = c0 + j;
        if (l < L && cc < C) seq[((b * K + k) * C + cc) * L + l] = tile[threadIdx.x][j];
    }
}

// grid (ceil(L / 32), ceil(C / 32), B)
template <typename T, typename O>
__device__ void merge_cl(const T* seq, const int* inverses, O* map, int B, int K, int C, int L) {
    __shared__ O tile[TILE][TILE + 1];       // [c - c0][p - p0]
    int p0 = blockIdx.x * TILE, c0 = blockIdx.y * TILE;
    size_t b = blockIdx.z;
    int p = p0 + threadIdx.x;                // gather-sum along p (neighbouring cells of one row)
    for (int j = threadIdx.y; j < TILE; j += TILE_ROWS) {
        int c = c0 + j;
        if (p < L && c < C) {
            O acc = 0;
            for (int k = 0; k < K; k++) acc += widen(seq[((b * K + k) * C + c) * L + inverses[(size_t)k * L + p]]);
            tile[j][threadIdx.x] = acc;
        }
    }
    __syncthreads();
    int c = c0 + threadIdx.x;                // write along c: coalesced in the (B, L, C) map
    for (int j = threadIdx.y; j < TILE; j += TILE_ROWS) {
        int pp = p0 + j;
        if (pp < L && c < C) map[(b * L + pp) * C + c] = tile[threadIdx.x][j];
    }
}

// T: the element type of the map and sequences; O: the merged map's (T, or float for bf16).
#define SCAN2D_KERNELS(T, O, SUFFIX)                                                                           \
    extern "C" __global__ void cross_scan_cf_##SUFFIX(const T* in, const int* table, T* out, int B, int K, int C, int L) \
    { scan_cf<T>(in, table, out, B, K, C, L); }                                                               \
    extern "C" __global__ void cross_scan_cl_##SUFFIX(const T* in, const int* table, T* out, int B, int K, int C, int L) \
    { scan_cl<T>(in, table, out, B, K, C, L); }                                                               \
    extern "C" __global__ void cross_merge_cf_##SUFFIX(const T* in, const int* table, O* out, int B, int K, int C, int L) \
    { merge_cf<T, O>(in, table, out, B, K, C, L); }                                                           \
    extern "C" __global__ void cross_merge_cl_##SUFFIX(const T* in, const int* table, O* out, int B, int K, int C, int L) \
    { merge_cl<T, O>(in, table, out, B, K, C, L); }

SCAN2D_KERNELS(float, float, f32)
SCAN2D_KERNELS(double, double, f64)
SCAN2D_KERNELS(bf16_bits, float, bf16)
