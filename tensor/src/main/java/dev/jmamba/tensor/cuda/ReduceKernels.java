package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.ReduceOp;
import dev.jmamba.tensor.Tensor;

/**
 * Launches {@code reduce.cu}: sum / mean / max / min over flagged axes, arg max / arg min and
 * softmax. The reduced axes are moved last with a permuted view and made contiguous by the
 * strided copy kernel, so each kernel reduces (outer, inner) rows. Dtype rules follow the CPU:
 * F32 computes in F32 storage (double accumulators), everything else in F64.
 */
final class ReduceKernels extends Launcher {
    static final String SOURCE = "reduce.cu";
    /** Rows up to this long get one thread each; longer rows one block each. */
    static final int THREAD_PER_ROW_MAX = 16;

    private final StridedKernels strided;
    // (x, out, outer, inner, op|max|log)
    private final KernelArgs rowArgs = new KernelArgs(8, 8, 4, 4, 4);

    ReduceKernels(CudaContext context, StridedKernels strided) {
        super(context, SOURCE);
        this.strided = strided;
    }

    /** x with the flagged axes last, contiguous, in {@code compute}: (outer, inner) rows. */
    private record Rows(Tensor x, int outer, int inner) {}

    private Rows rows(Tensor x, boolean[] axes, DType compute) {
        int r = x.rank();
        int[] perm = new int[r], shape = x.shape();
        int k = 0, outer = 1, inner = 1;
        for (int i = 0; i < r; i++) if (!axes[i]) { perm[k++] = i; outer *= shape[i]; }
        for (int i = 0; i < r; i++) if (axes[i]) { perm[k++] = i; inner *= shape[i]; }
        return new Rows(strided.contiguous(x.permute(perm), compute), outer, inner);
    }

    private static int[] outShape(int[] s, boolean[] axes, boolean keepdim) {
        int n = 0;
        for (int i = 0; i < s.length; i++) if (keepdim || !axes[i]) n++;
        int[] out = new int[n];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (!axes[i]) out[j++] = s[i];
            else if (keepdim) out[j++] = 1;
        }
        return out;
    }

    Tensor reduce(ReduceOp op, Tensor x, boolean[] axes, boolean keepdim) {
        DType in = x.dtype();
        DType result = in.isFloating() ? in.computeType() : (op == ReduceOp.MEAN ? DType.F32 : in);
        DType compute = in == DType.F32 ? DType.F32 : DType.F64;
        Rows rw = rows(x, axes, compute);
        Tensor out = strided.empty(compute, outShape(x.shape(), axes, keepdim));
        if (rw.outer > 0) {
            boolean perThread = rw.inner <= THREAD_PER_ROW_MAX;
            rowKernel((perThread ? "reduce_thread_" : "reduce_block_") + suffix(compute), perThread, rw, out, op.ordinal());
        }
        return strided.convert(out, result);
    }

    Tensor argReduce(boolean max, Tensor x, int axis, boolean keepdim) {
        boolean[] axes = new boolean[x.rank()];
        axes[axis] = true;
        DType compute = x.dtype() == DType.F32 ? DType.F32 : DType.F64;
        Rows rw = rows(x, axes, compute);
        Tensor out = strided.zeros(DType.I64, outShape(x.shape(), axes, keepdim));
        if (rw.outer > 0 && rw.inner > 0) rowKernel("arg_block_" + suffix(compute), false, rw, out, max ? 1 : 0);
        return out;
    }

    Tensor softmax(Tensor x, int axis, boolean log) {
        int r = x.rank();
        boolean[] axes = new boolean[r];
        axes[axis] = true;
        DType compute = x.dtype() == DType.F64 ? DType.F64 : DType.F32;
        Rows rw = rows(x, axes, compute);
        Tensor y = strided.empty(compute, rw.x.shape());  // laid out with the axis last
        if (rw.outer > 0 && rw.inner > 0) rowKernel("softmax_block_" + suffix(compute), false, rw, y, log ? 1 : 0);
        int[] perm = new int[r], inverse = new int[r];
        for (int i = 0, k = 0; i < r; i++) if (i != axis) perm[k++] = i;
        perm[r - 1] = axis;
        for (int i = 0; i < r; i++) inverse[perm[i]] = i;
        return strided.contiguous(y.permute(inverse));
    }

    private synchronized void rowKernel(String kernel, boolean perThread, Rows rw, Tensor out, int flag) {
        rowArgs.setLong(0, address(rw.x)).setLong(1, address(out)).setInt(2, rw.outer).setInt(3, rw.inner).setInt(4, flag);
        if (perThread) launch(kernel, rw.outer, rowArgs);
        else launchRows(kernel, rw.outer, rowThreads(rw.inner), rowArgs);
    }

    /** Every kernel name this launcher may use. */
    static java.util.List<String> kernelNames() {
        java.util.List<String> names = new java.util.ArrayList<>();
        for (String t : new String[] {"f32", "f64"}) {
            for (String k : new String[] {"reduce_block_", "reduce_thread_", "arg_block_", "softmax_block_"}) names.add(k + t);
        }
        return names;
    }
}
