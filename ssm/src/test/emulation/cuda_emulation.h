// A CUDA emulation for testing block-level kernels on a CPU (no GPU, no nvcc): one std::thread per CUDA thread of a
// block, std::barrier for __syncthreads and __syncwarp, shuffles through a per-warp exchange array, blocks one after
// another. Shared memory starts as NaN, so a read before its write shows. What it cannot show: timing, memory-model
// subtleties beyond barrier ordering, and the hardware approximations (ex2.approx is std::exp2 here).
// HiddenNormScanEmulationTest includes a kernel source rewritten by textual substitutions (see there).
#pragma once
#include <barrier>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>
struct dim3 { unsigned x = 1, y = 1, z = 1; };
inline thread_local dim3 threadIdx, blockIdx;
inline dim3 blockDim, gridDim;
inline std::barrier<>* g_block;
inline std::vector<std::unique_ptr<std::barrier<>>> g_warp;
inline std::vector<float> g_xchg;
inline std::vector<float> g_smem;
#define __global__
#define __device__
#define __forceinline__ inline
#define __restrict__
#define __launch_bounds__(...)
inline void __syncthreads() { g_block->arrive_and_wait(); }
inline void __syncwarp() { g_warp[threadIdx.x >> 5]->arrive_and_wait(); }
inline float __shfl_xor_sync(unsigned, float v, int o) {
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
    g_xchg[w * 32 + lane] = v;
    __syncwarp();
    float r = g_xchg[w * 32 + (lane ^ o)];
    __syncwarp();
    return r;
}
template <typename T> inline T __ldg(const T* p) { return *p; }
inline float __frcp_rn(float x) { return 1.f / x; }
inline float rsqrtf(float x) { return 1.f / std::sqrt(x); }
inline float* emu_smem() { return g_smem.data(); }
// cp.async: a thread's copies are queued and done at its next wait (as late as the hardware may do them), so a read of
// staged data before the wait sees the old contents (NaN at first).
struct EmuCopy { float* dst; const float* src; bool valid; };
inline thread_local std::vector<EmuCopy> g_pending;
inline void emu_cp4(float* dst, const float* src, bool valid) { g_pending.push_back({dst, src, valid}); }
inline void emu_cp_wait() {
    for (auto& c : g_pending) *c.dst = c.valid ? *c.src : 0.f;
    g_pending.clear();
}
using std::min;
// runs kernel(args...) over grid x blocks of block x threads, smem bytes of dynamic shared memory
template <typename F> void emu_launch(unsigned grid, unsigned block, size_t smemBytes, F kernel) {
    blockDim.x = block; gridDim.x = grid;
    for (unsigned b = 0; b < grid; b++) {
        std::barrier<> bar(block);
        g_block = &bar;
        g_warp.clear();
        for (unsigned w = 0; w < (block + 31) / 32; w++) g_warp.emplace_back(new std::barrier<>(32));
        g_xchg.assign(block, 0.f);
        g_smem.assign(smemBytes / 4 + 1, std::nanf(""));
        std::vector<std::thread> ts;
        for (unsigned t = 0; t < block; t++) ts.emplace_back([=] { threadIdx.x = t; blockIdx.x = b; kernel(); });
        for (auto& t : ts) t.join();
    }
}
