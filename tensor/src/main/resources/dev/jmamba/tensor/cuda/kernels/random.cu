// Counter-based random numbers (RandomKernels.java): Philox-4x32-10 exactly as
// dev.jmamba.tensor.Philox, so a seed gives the CPU's numbers (uniform bit for bit; normal
// and truncated normal up to the last bit of the double log/cos).
#include "jm_common.cuh"

enum JmRandom { RK_UNIFORM, RK_NORMAL, RK_TRUNC_NORMAL };

// Word (index % 4) of block (index / 4) for seed.
__device__ unsigned int jm_philox_word(unsigned long long seed, unsigned long long index) {
    unsigned int c0 = (unsigned int)(index >> 2), c1 = (unsigned int)(index >> 34), c2 = 0, c3 = 0;
    unsigned int k0 = (unsigned int)seed, k1 = (unsigned int)(seed >> 32);
    for (int r = 0; r < 10; r++) {
        unsigned long long p0 = (unsigned long long)0xD2511F53u * c0;
        unsigned long long p1 = (unsigned long long)0xCD9E8D57u * c2;
        unsigned int n0 = (unsigned int)(p1 >> 32) ^ c1 ^ k0;
        unsigned int n1 = (unsigned int)p1;
        unsigned int n2 = (unsigned int)(p0 >> 32) ^ c3 ^ k1;
        unsigned int n3 = (unsigned int)p0;
        c0 = n0; c1 = n1; c2 = n2; c3 = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    switch ((int)(index & 3)) {
        case 0: return c0;
        case 1: return c1;
        case 2: return c2;
        default: return c3;
    }
}

__device__ double jm_uniform(unsigned long long seed, unsigned long long index) {
    return (jm_philox_word(seed, index) >> 8) * 0x1.0p-24;
}

__device__ double jm_normal(unsigned long long seed, unsigned long long index) {
    double u1 = ((jm_philox_word(seed, 2 * index) >> 8) + 1) * 0x1.0p-24;  // (0, 1]
    double u2 = (jm_philox_word(seed, 2 * index + 1) >> 8) * 0x1.0p-24;
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

__device__ double jm_trunc_normal(unsigned long long seed, unsigned long long index, double mean, double std) {
    for (unsigned long long attempt = 0;; attempt++) {
        double z = jm_normal(seed + 0x9E3779B97F4A7C15ull * attempt, index);
        if (fabs(z) <= 2.0) return mean + std * z;
    }
}

// out (n) contiguous; UNIFORM on [a, b), NORMAL mean a std b, TRUNC_NORMAL mean a std b within 2 std.
template <typename D>
__device__ void jm_random_fill(D* out, int n, int kind, unsigned long long seed, double a, double b) {
    for (long long i = jm_thread_index(); i < n; i += jm_thread_count()) {
        double v = kind == RK_UNIFORM ? a + (b - a) * jm_uniform(seed, i)
                 : kind == RK_NORMAL  ? a + b * jm_normal(seed, i)
                                      : jm_trunc_normal(seed, i, a, b);
        jm_store(out + i, v);
    }
}

// random_* take the seed as an argument; random_dev_* read it from seeds[index] in device memory when they
// run, so a captured CUDA graph draws new numbers on each replay once new seeds are written there.
#define JM_RANDOM(DN, D)                                                                                      \
    extern "C" __global__ void random_##DN(D* out, int n, int kind, unsigned long long seed, double a, double b) { \
        jm_random_fill<D>(out, n, kind, seed, a, b);                                                          \
    }                                                                                                         \
    extern "C" __global__ void random_dev_##DN(D* out, int n, int kind, const long long* seeds, int index,      \
                                               double a, double b) {                                          \
        jm_random_fill<D>(out, n, kind, (unsigned long long)seeds[index], a, b);                              \
    }
JM_RANDOM(f32, float)
JM_RANDOM(f64, double)
JM_RANDOM(i32, int)
JM_RANDOM(i64, long long)
JM_RANDOM(bf16, jm_bf16)
