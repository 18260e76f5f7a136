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
// Channels-first: one output row per grid row and l (or p) across a block's threads, so writes are coalesced (reads
// are a gather along one row). Channels-last: the map's contiguous axis is C but the sequences' is L,
// so a block moves a 32 × 32 (l, c) tile through shared memory (padded to 33 to avoid bank
// conflicts): global reads run along c and global writes along l (scan), or the other way (merge).

// bf16 (raw 16-bit patterns): the scan copies them as they are; the merge adds them in float32 and writes float32
// (the sum of K bf16 values is not a bf16 value; widening keeps it exact up to float32 rounding), or, for a map that
// only bf16-reading ops take (cross_merge_cl_bf16_bf16), that float32 sum rounded once to bf16.
typedef unsigned short bf16_bits;
__device__ __forceinline__ float widen(float v) { return v; }
__device__ __forceinline__ double widen(double v) { return v; }
__device__ __forceinline__ float widen(bf16_bits v) { return __uint_as_float(((unsigned int)v) << 16); }
// a merged sum (float or double) stored as O: as it is, or rounded to nearest even bf16 (NaN stays NaN; DType.toBf16)
__device__ __forceinline__ void put(float* p, float v) { *p = v; }
__device__ __forceinline__ void put(double* p, double v) { *p = v; }
__device__ __forceinline__ void put(bf16_bits* p, float v) {
    unsigned int bits = __float_as_uint(v);
    *p = (bits & 0x7fffffffu) > 0x7f800000u ? (bf16_bits)((bits >> 16) | 0x40u)
                                            : (bf16_bits)((bits + 0x7fffu + ((bits >> 16) & 1u)) >> 16);
}

#define TILE 32
#define TILE_ROWS 8    // blockDim = (TILE, TILE_ROWS); each thread handles TILE / TILE_ROWS elements

// ---- channels-first: one output row per grid row, l (or p) across the block's threads ----
// grid (ceil(L / (blockDim.x · 8)), min(rows, 65535)), rows = B·K·C (scan) or B·C (merge), grid-stride over the rows
// and over l: the row's (b, k, c) split is computed once per row and thread and serves up to 8 elements (the flat
// version split every element's index with three 64-bit divisions and was index-bound: VMamba-T's bf16 cross scan
// took ~3× its memory time on the H200).

// row → (outer, inner) for a row index below 2^32 with 32-bit division (the common case), 64-bit otherwise
__device__ __forceinline__ void split_row(size_t row, int inner_size, size_t& outer, int& inner) {
    if (row <= 0xffffffffu) {
        unsigned r = (unsigned)row, q = r / (unsigned)inner_size;
        outer = q;
        inner = (int)(r - q * (unsigned)inner_size);
    } else {
        outer = row / inner_size;
        inner = (int)(row - outer * inner_size);
    }
}

template <typename T>
__device__ void scan_cf(const T* map, const int* perms, T* seq, int B, int K, int C, int L) {
    size_t rows = (size_t)B * K * C;
    for (size_t row = blockIdx.y; row < rows; row += gridDim.y) {   // row = (b, k, c)
        size_t bk, b;
        int c, k;
        split_row(row, C, bk, c);
        split_row(bk, K, b, k);
        const T* src = map + (b * C + c) * L;
        const int* perm = perms + (size_t)k * L;
        T* dst = seq + row * L;
        for (int l = blockIdx.x * blockDim.x + threadIdx.x; l < L; l += gridDim.x * blockDim.x) dst[l] = src[perm[l]];
    }
}

template <typename T, typename O>
__device__ void merge_cf(const T* seq, const int* inverses, O* map, int B, int K, int C, int L) {
    size_t rows = (size_t)B * C;
    for (size_t row = blockIdx.y; row < rows; row += gridDim.y) {   // row = (b, c)
        size_t b;
        int c;
        split_row(row, C, b, c);
        const T* src = seq + (b * K * C + c) * L;                     // k = 0; direction k adds k · C · L
        O* dst = map + row * L;
        for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < L; p += gridDim.x * blockDim.x) {
            auto acc = widen((T)0);
            for (int k = 0; k < K; k++) acc += widen(src[(size_t)k * C * L + inverses[(size_t)k * L + p]]);
            put(dst + p, acc);
        }
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
    __shared__ decltype(widen((T)0)) tile[TILE][TILE + 1];   // [c - c0][p - p0], the sums before their store as O
    int p0 = blockIdx.x * TILE, c0 = blockIdx.y * TILE;
    size_t b = blockIdx.z;
    int p = p0 + threadIdx.x;                // gather-sum along p (neighbouring cells of one row)
    for (int j = threadIdx.y; j < TILE; j += TILE_ROWS) {
        int c = c0 + j;
        if (p < L && c < C) {
            auto acc = widen((T)0);
            for (int k = 0; k < K; k++) acc += widen(seq[((b * K + k) * C + c) * L + inverses[(size_t)k * L + p]]);
            tile[j][threadIdx.x] = acc;
        }
    }
    __syncthreads();
    int c = c0 + threadIdx.x;                // write along c: coalesced in the (B, L, C) map
    for (int j = threadIdx.y; j < TILE; j += TILE_ROWS) {
        int pp = p0 + j;
        if (pp < L && c < C) put(map + (b * L + pp) * C + c, tile[threadIdx.x][j]);
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
extern "C" __global__ void cross_merge_cl_bf16_bf16(const bf16_bits* in, const int* table, bf16_bits* out, int B, int K, int C, int L)
{ merge_cl<bf16_bits, bf16_bits>(in, table, out, B, K, C, L); }
