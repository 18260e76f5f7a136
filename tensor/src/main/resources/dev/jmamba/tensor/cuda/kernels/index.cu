// Indexing kernels of the CUDA backend (IndexKernels.java): gather and scatter-add along one
// axis, over the strided shape of the (int64) index. index-select and index-add are the same
// kernels with a 1-D index broadcast over the other axes (a stride-0 view made on the Java side).
// The x / target strides passed in have the axis stride zeroed: the index supplies that coordinate.
// An index outside [0, size) is reported through the error flag (thrown at the next host read)
// and the element is skipped (gather writes 0).
#include "jm_common.cuh"

template <typename W>
__device__ void gather(const W* x, JmStrides xs, const long long* index, JmStrides is, W* out, JmShape shape, int n,
                       long long axis_stride, int size, int axis, unsigned long long* flag, int op) {
    for (long long i = jm_thread_index(); i < n; i += jm_thread_count()) {
        long long j = index[jm_offset(i, shape, is)];
        if (j < 0 || j >= size) {
            jm_report_index(flag, op, j, size, axis);
            out[i] = (W)0;
            continue;
        }
        out[i] = x[jm_offset(i, shape, xs) + j * axis_stride];
    }
}

__device__ __forceinline__ void jm_atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void jm_atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void jm_atomic_add(int* p, int v) { atomicAdd(p, v); }
// two's complement: an unsigned 64-bit add is a signed one
__device__ __forceinline__ void jm_atomic_add(long long* p, long long v) {
    atomicAdd(reinterpret_cast<unsigned long long*>(p), (unsigned long long)v);
}

// out[.., index[i], ..] += src[i] for every i of the index shape (out already holds the target).
template <typename T>
__device__ void scatter_add(T* out, JmStrides os, const long long* index, JmStrides is, const T* src, JmStrides ss,
                            JmShape shape, int n, long long axis_stride, int size, int axis,
                            unsigned long long* flag, int op) {
    for (long long i = jm_thread_index(); i < n; i += jm_thread_count()) {
        long long j = index[jm_offset(i, shape, is)];
        if (j < 0 || j >= size) {
            jm_report_index(flag, op, j, size, axis);
            continue;
        }
        jm_atomic_add(out + jm_offset(i, shape, os) + j * axis_stride, src[jm_offset(i, shape, ss)]);
    }
}

#define JM_GATHER(NAME, W)                                                                                  \
    extern "C" __global__ void NAME(const W* x, JmStrides xs, const long long* index, JmStrides is, W* out,  \
                                    JmShape shape, int n, long long axis_stride, int size, int axis,         \
                                    unsigned long long* flag, int op) {                                      \
        gather<W>(x, xs, index, is, out, shape, n, axis_stride, size, axis, flag, op);                       \
    }
JM_GATHER(gather_b2, unsigned short)
JM_GATHER(gather_b4, unsigned int)
JM_GATHER(gather_b8, unsigned long long)

#define JM_SCATTER(TN, T)                                                                                   \
    extern "C" __global__ void scatter_add_##TN(T* out, JmStrides os, const long long* index, JmStrides is, \
                                                const T* src, JmStrides ss, JmShape shape, int n,           \
                                                long long axis_stride, int size, int axis,                  \
                                                unsigned long long* flag, int op) {                         \
        scatter_add<T>(out, os, index, is, src, ss, shape, n, axis_stride, size, axis, flag, op);           \
    }
JM_SCATTER(f32, float)
JM_SCATTER(f64, double)
JM_SCATTER(i32, int)
JM_SCATTER(i64, long long)
