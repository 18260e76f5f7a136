package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;

/** Batched matmul with broadcast batch dims on the CPU; each matrix goes to {@link Sgemm} / {@link Dgemm}. */
final class MatmulCpu {
    /** A batch of products at least this large runs its products one after another, each on every thread. */
    private static final long BATCH_PARALLEL_MAX_FMAS = 1L << 21;
    /** Products of a batch are handed to a thread in groups of about this many multiply-adds. */
    private static final long BATCH_GRAIN_FMAS = 1L << 15;

    private MatmulCpu() {}

    /** How a 2-D matrix view is laid out: row-major (transposed = false) or column-major, with its leading dim. */
    private record Layout(boolean transposed, int ld) {}

    private static Layout layout(int rows, int cols, int rowStride, int colStride) {
        if (colStride == 1 && (rowStride >= Math.max(1, cols) || rows == 1)) return new Layout(false, Math.max(rowStride, Math.max(1, cols)));
        if (rowStride == 1 && (colStride >= Math.max(1, rows) || cols == 1)) return new Layout(true, Math.max(colStride, Math.max(1, rows)));
        return null;
    }

    static Tensor matmul(Tensor a, Tensor b) {
        // bf16 operands (autocast): the float32 product of their exact float32 values, as tensor cores
        // compute it (bf16 × bf16 products are exact in float32; sums in float32)
        if (a.dtype() == DType.BF16) return matmul(a.to(DType.F32), b.to(DType.F32));
        if (a.dtype() != DType.F32 && a.dtype() != DType.F64) {
            throw new TensorException.DType("matmul", "F32, F64 or BF16 operands", a.dtype().toString());
        }
        int ra = a.rank(), rb = b.rank();
        int m = a.size(-2), k = a.size(-1), n = b.size(-1);
        int[] batchA = java.util.Arrays.copyOf(a.shape(), ra - 2), batchB = java.util.Arrays.copyOf(b.shape(), rb - 2);
        int[] batch = Shapes.broadcast("matmul", batchA, batchB);
        int[] outShape = java.util.Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        int[] ea = java.util.Arrays.copyOf(batch, batch.length + 2), eb = ea.clone();
        ea[batch.length] = m; ea[batch.length + 1] = k;
        eb[batch.length] = k; eb[batch.length + 1] = n;
        Tensor ax = a.expand(ea), bx = b.expand(eb);
        Layout la = layout(m, k, ax.strides()[ax.rank() - 2], ax.strides()[ax.rank() - 1]);
        if (la == null) { ax = ax.contiguous(); la = new Layout(false, Math.max(1, k)); }
        Layout lb = layout(k, n, bx.strides()[bx.rank() - 2], bx.strides()[bx.rank() - 1]);
        if (lb == null) { bx = bx.contiguous(); lb = new Layout(false, Math.max(1, n)); }
        Tensor out = ElementwiseCpu.newTensor(a.dtype(), outShape);
        int batches = Shapes.numel(batch);
        if (batches > 1 && Shapes.numel(batchB) == 1 && Shapes.numel(batchA) == batches && a.isContiguous()) {
            // a (..., m, k) contiguous @ one (k, n) matrix: one GEMM over the (batches·m, k) rows instead of
            // batches small ones (each packing b again)
            Object A = ElementwiseCpu.arr(a), B = ElementwiseCpu.arr(bx), C = ElementwiseCpu.arr(out);
            int ob = bx.offset(), rows = batches * m;
            if (A instanceof float[] fa) {
                Sgemm.sgemm(false, lb.transposed, rows, n, k, 1f, fa, a.offset(), Math.max(1, k), (float[]) B, ob, lb.ld, 0f, (float[]) C, 0, Math.max(1, n));
            } else {
                Dgemm.dgemm(false, lb.transposed, rows, n, k, 1.0, (double[]) A, a.offset(), Math.max(1, k), (double[]) B, ob, lb.ld, 0.0, (double[]) C, 0, Math.max(1, n));
            }
            return out;
        }
        int[] bs = Shapes.contiguousStrides(batch);
        int[] sa = ax.strides(), sb = bx.strides();
        Object A = ElementwiseCpu.arr(ax), B = ElementwiseCpu.arr(bx), C = ElementwiseCpu.arr(out);
        int aBase = ax.offset(), bBase = bx.offset();
        Layout fla = la, flb = lb;
        // small products (SS2D's per-direction projections: 4·32 by 32·49) run side by side, one whole product
        // per index, so each output has the same bits as in the serial loop; large ones use every thread inside
        long fmas = (long) m * n * k;
        int grain = fmas >= BATCH_PARALLEL_MAX_FMAS ? batches : (int) Math.max(1, BATCH_GRAIN_FMAS / Math.max(1, fmas));
        Parallel.forRange(batches, grain, t -> {
            int oa = aBase, ob = bBase, rem = t;
            for (int d = 0; d < batch.length; d++) {
                int idx = rem / bs[d];
                rem %= bs[d];
                oa += idx * sa[d];
                ob += idx * sb[d];
            }
            int oc = t * m * n;
            if (A instanceof float[] fa) {
                Sgemm.sgemm(fla.transposed, flb.transposed, m, n, k, 1f, fa, oa, fla.ld, (float[]) B, ob, flb.ld, 0f, (float[]) C, oc, Math.max(1, n));
            } else {
                Dgemm.dgemm(fla.transposed, flb.transposed, m, n, k, 1.0, (double[]) A, oa, fla.ld, (double[]) B, ob, flb.ld, 0.0, (double[]) C, oc, Math.max(1, n));
            }
        });
        return out;
    }
}
