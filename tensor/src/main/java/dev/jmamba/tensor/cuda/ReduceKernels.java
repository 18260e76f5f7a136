package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.ReduceOp;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;

/**
 * Launches {@code reduce.cu}: sum / mean / max / min over flagged axes, arg max / arg min and
 * softmax. When the reduced axes form one group followed by contiguous kept axes (a sum over
 * leading or middle axes; see {@link ColumnReducePlan}) sum / mean / max / min read x in place
 * with the column kernel. Otherwise the reduced axes are moved last with a permuted view and made
 * contiguous by the strided copy kernel, so each kernel reduces (outer, inner) rows. Dtype rules
 * follow the CPU: F32 computes in F32 storage (double accumulators), everything else in F64.
 */
final class ReduceKernels extends Launcher {
    static final String SOURCE = "reduce.cu";
    /** Rows up to this long get one thread each; longer rows one block each. */
    static final int THREAD_PER_ROW_MAX = 16;

    private final StridedKernels strided;
    // (x, out, outer, inner, op|max|log)
    private final KernelArgs rowArgs = new KernelArgs(8, 8, 4, 4, 4);
    // (x, out, partial, outer, rows, inner, outerStride, rowStride, rowsPerSplit, tiles, op)
    private final KernelArgs columnArgs = new KernelArgs(8, 8, 8, 4, 4, 4, 8, 8, 4, 4, 4);
    // (partial, out, count, splits, rows, op)
    private final KernelArgs splitArgs = new KernelArgs(8, 8, 4, 4, 4, 4);

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
        int[] order = x.isContiguous() ? null : x.storageOrder();
        if (order != null && x.permute(order).isContiguous()) {
            // a dense block stored in another dim order (a channels-last view (N, C, H, W) of (N, H, W, C) storage):
            // reduced in storage order, where a bias gradient's axes (0, 2, 3) form one leading group the column
            // kernel reads in place — no transposed copy, no row per channel
            boolean[] storageAxes = new boolean[axes.length];
            for (int i = 0; i < order.length; i++) storageAxes[i] = axes[order[i]];
            return inOriginalOrder(reduce(op, x.permute(order), storageAxes, keepdim), order, storageAxes, keepdim);
        }
        DType in = x.dtype();
        DType result = in.isFloating() ? in.computeType() : (op == ReduceOp.MEAN ? DType.F32 : in);
        DType compute = in == DType.F32 ? DType.F32 : DType.F64;
        Tensor out = strided.empty(compute, outShape(x.shape(), axes, keepdim));
        // a conversion to the compute dtype writes a contiguous copy: plan with its strides
        int[] strides = in == compute ? x.strides() : Shapes.contiguousStrides(x.shape());
        ColumnReducePlan plan = x.numel() == 0 ? null : ColumnReducePlan.of(x.shape(), strides, axes);
        if (plan != null) {
            Tensor source = strided.convert(x, compute);
            columns(plan, source, out, op);
            if (source != x) source.storage().release();
            return convertAndRelease(out, result);
        }
        Rows rw = rows(x, axes, compute);
        if (rw.outer > 0) {
            boolean perThread = rw.inner <= THREAD_PER_ROW_MAX;
            rowKernel((perThread ? "reduce_thread_" : "reduce_block_") + suffix(compute), perThread, rw, out, op.ordinal());
        }
        return strided.convert(out, result);
    }

    /**
     * A reduction computed over {@code x.permute(order)} (its kept dims in storage order) with its kept dims put back
     * in x's order, contiguous: {@code r} has rank n (keepdim) or one dim per kept storage position.
     */
    private Tensor inOriginalOrder(Tensor r, int[] order, boolean[] storageAxes, boolean keepdim) {
        int[] perm;
        if (keepdim) {
            perm = Shapes.inversePermutation(order);
        } else {
            int kept = 0;
            for (boolean a : storageAxes) if (!a) kept++;
            int[] originalDim = new int[kept];   // r's dim j holds x's dim originalDim[j]
            for (int i = 0, j = 0; i < order.length; i++) if (!storageAxes[i]) originalDim[j++] = order[i];
            perm = new int[kept];                // result dim m = r's dim perm[m], x's dims ascending
            for (int m = 0; m < kept; m++) {
                int best = -1;
                for (int j = 0; j < kept; j++) {
                    if ((best < 0 || originalDim[j] < originalDim[best]) && (m == 0 || originalDim[j] > originalDim[perm[m - 1]])) best = j;
                }
                perm[m] = best;
            }
        }
        Tensor viewed = r.permute(perm);
        if (viewed.isContiguous()) return viewed;
        Tensor out = strided.contiguous(viewed);
        r.storage().release();
        return out;
    }

    /** {@code out} in {@code dtype}; when that needs a conversion, {@code out} is released. */
    private Tensor convertAndRelease(Tensor out, DType dtype) {
        Tensor converted = strided.convert(out, dtype);
        if (converted != out) out.storage().release();
        return converted;
    }

    /**
     * reduce_columns over x (compute dtype) into out (O, I contiguous); with more than one split,
     * through a (splits, O, I) double buffer that reduce_splits combines in split order.
     */
    private synchronized void columns(ColumnReducePlan plan, Tensor x, Tensor out, ReduceOp op) {
        long targetThreads = (long) BLOCKS_PER_SM * THREADS * Math.max(1, context.multiprocessors());
        ColumnReducePlan.Splits splits = plan.splits(targetThreads);
        int count = out.numel();  // O * I
        Tensor partial = splits.count() == 1 ? null : strided.empty(DType.F64, Math.multiplyExact(splits.count(), count));
        columnArgs.setLong(0, address(x)).setLong(1, address(out)).setLong(2, partial == null ? 0 : address(partial))
                .setInt(3, plan.outer()).setInt(4, plan.rows()).setInt(5, plan.inner())
                .setLong(6, plan.outerStride()).setLong(7, plan.rowStride())
                .setInt(8, splits.rowsPerSplit()).setInt(9, plan.tiles()).setInt(10, op.ordinal());
        String t = suffix(x.dtype());
        launchGrid("reduce_columns_" + t, plan.blocks(), splits.count(), plan.columnsPerBlock(), plan.rowLanes(), columnArgs);
        if (partial == null) return;
        splitArgs.setLong(0, address(partial)).setLong(1, address(out))
                .setInt(2, count).setInt(3, splits.count()).setInt(4, plan.rows()).setInt(5, op.ordinal());
        launch("reduce_splits_" + t, count, splitArgs);
        partial.storage().release();  // stream-ordered: the allocator reuses it only for later work
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
            for (String k : new String[] {"reduce_block_", "reduce_thread_", "arg_block_", "softmax_block_", "reduce_columns_", "reduce_splits_"}) {
                names.add(k + t);
            }
        }
        return names;
    }
}
