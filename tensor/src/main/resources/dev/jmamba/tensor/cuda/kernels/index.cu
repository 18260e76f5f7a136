// Indexing kernels of the CUDA backend (IndexKernels.java): gather and scatter-add along one
// axis, over the strided shape of the (int64) index. index-select and index-add are the same
// kernels with a 1-D index broadcast over the other axes (a stride-0 view made on the Java side).
// The x / target strides passed in have the axis stride zeroed: the index supplies that coordinate.
// An index outside [0, size) is reported through the error flag (thrown at the next host read)
// and the element is skipped (gather writes 0).
//
// Scatter-add is deterministic: one thread per line of the index along the axis (every coordinate
// but the axis one), walking the line in order k = 0, 1, ... An element of the output can only be
// reached from the one line with its other coordinates, so no two threads write it and repeated
// indices add in index order — the same bits on every run (float atomics would add them in
// whatever order the threads ran). The price: a line is serial, so a few very long lines (an
// index-add of many rows into a narrow target) run with little parallelism.
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

// out[.., index[i], ..] += src[i] for every i of the index shape (out already holds the target).
// lines (n of them): the index shape without the axis; len: the index's size along the axis, which
// index and src step through by index_step and src_step; out's axis stride is axis_stride.
template <typename T>
__device__ void scatter_add(T* out, JmStrides os, const long long* index, JmStrides is, const T* src, JmStrides ss,
                            JmShape lines, int n, int len, long long index_step, long long src_step,
                            long long axis_stride, int size, int axis, unsigned long long* flag, int op) {
    for (long long line = jm_thread_index(); line < n; line += jm_thread_count()) {
        T* o = out + jm_offset(line, lines, os);
        const long long* ix = index + jm_offset(line, lines, is);
        const T* sx = src + jm_offset(line, lines, ss);
        for (int k = 0; k < len; k++) {
            long long j = ix[k * index_step];
            if (j < 0 || j >= size) {
                jm_report_index(flag, op, j, size, axis);
                continue;
            }
            o[j * axis_stride] += sx[k * src_step];
        }
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
                                                const T* src, JmStrides ss, JmShape lines, int n, int len,  \
                                                long long index_step, long long src_step,                   \
                                                long long axis_stride, int size, int axis,                  \
                                                unsigned long long* flag, int op) {                         \
        scatter_add<T>(out, os, index, is, src, ss, lines, n, len, index_step, src_step, axis_stride, size, \
                       axis, flag, op);                                                                     \
    }
JM_SCATTER(f32, float)
JM_SCATTER(f64, double)
JM_SCATTER(i32, int)
JM_SCATTER(i64, long long)
