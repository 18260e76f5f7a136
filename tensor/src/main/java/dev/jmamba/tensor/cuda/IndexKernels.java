package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;

/**
 * gather, scatter-add, index-select and index-add ({@code index.cu}; PyTorch semantics). The
 * kernels loop over the index's shape; index-select and index-add pass their 1-D index as a
 * broadcast view (stride 0 off the axis) of the output's or the source's shape, so they reuse the
 * gather and scatter-add kernels. Scatter-add is deterministic: one thread per line of the index along the
 * axis adds the line's elements in order, no atomics (BF16 targets accumulate in F32).
 * Out-of-range indices are reported through {@link DeviceErrors} at the next host read.
 */
final class IndexKernels extends Launcher {
    static final String SOURCE = "index.cu";

    private final StridedKernels strided;
    private final DeviceErrors errors;
    // (x, xs, index, is, out, shape, n, axis_stride, size, axis, flag, op)
    private final KernelArgs gatherArgs = new KernelArgs(8, StridedLayout.STRIDES_BYTES, 8, StridedLayout.STRIDES_BYTES, 8,
            StridedLayout.SHAPE_BYTES, 4, 8, 4, 4, 8, 4);
    // (out, os, index, is, src, ss, lines, n, len, index_step, src_step, axis_stride, size, axis, flag, op)
    private final KernelArgs scatterArgs = new KernelArgs(8, StridedLayout.STRIDES_BYTES, 8, StridedLayout.STRIDES_BYTES, 8,
            StridedLayout.STRIDES_BYTES, StridedLayout.SHAPE_BYTES, 4, 4, 8, 8, 8, 4, 4, 8, 4);

    IndexKernels(CudaContext context, StridedKernels strided, DeviceErrors errors) {
        super(context, SOURCE);
        this.strided = strided;
        this.errors = errors;
    }

    /** Strides of {@code t} with the axis stride zeroed (the index supplies that coordinate). */
    private static int[] withoutAxis(Tensor t, int axis) {
        int[] s = t.strides();
        s[axis] = 0;
        return s;
    }

    /** A 1-D index (L) viewed as {@code shape} (shape[axis] == L): stride 0 on every other axis. */
    private static Tensor broadcastIndex(Tensor index, int axis, int[] shape) {
        int[] strides = new int[shape.length];
        strides[axis] = index.strides()[0];
        return new Tensor(index.storage(), shape.clone(), strides, index.offset());
    }

    Tensor gather(Tensor x, int axis, Tensor index) {
        return gather(x, axis, strided.convert(index, DType.I64), DeviceErrors.GATHER);
    }

    Tensor indexSelect(Tensor x, int axis, Tensor index) {
        int[] shape = x.shape();
        shape[axis] = index.size(0);
        return gather(x, axis, broadcastIndex(strided.convert(index, DType.I64), axis, shape), DeviceErrors.INDEX_SELECT);
    }

    private synchronized Tensor gather(Tensor x, int axis, Tensor index, int op) {
        Tensor out = strided.empty(x.dtype(), index.shape());
        StridedLayout p = StridedLayout.plan("gather", index.shape(), new int[][] {withoutAxis(x, axis), index.strides()},
                new int[] {x.offset(), index.offset()});
        if (p.numel == 0) return out;
        gatherArgs.setLong(0, base(x)).setLong(2, base(index)).setLong(4, address(out)).setInt(6, p.numel)
                .setLong(7, x.strides()[axis]).setInt(8, x.size(axis)).setInt(9, axis).setLong(10, errors.pointer()).setInt(11, op);
        p.packStrides(0, gatherArgs.slot(1));
        p.packStrides(1, gatherArgs.slot(3));
        p.packShape(gatherArgs.slot(5));
        launch("gather_b" + x.dtype().bytes(), p.numel, gatherArgs);
        return out;
    }

    Tensor scatterAdd(Tensor target, int axis, Tensor index, Tensor src) {
        return scatter("scatterAdd", target, axis, strided.convert(index, DType.I64), src, DeviceErrors.SCATTER_ADD);
    }

    Tensor indexAdd(Tensor target, int axis, Tensor index, Tensor src) {
        return scatter("indexAdd", target, axis, broadcastIndex(strided.convert(index, DType.I64), axis, src.shape()), src, DeviceErrors.INDEX_ADD);
    }

    private Tensor scatter(String name, Tensor target, int axis, Tensor index, Tensor src, int op) {
        for (int d = 0; d < index.rank(); d++) {
            if (d != axis && index.size(d) > target.size(d)) {
                throw new TensorException.Shape(name, "index dims <= target dims except along axis " + axis,
                        Shapes.str(index.shape()) + " for target " + Shapes.str(target.shape()));
            }
        }
        DType work = target.dtype() == DType.BF16 ? DType.F32 : target.dtype();
        Tensor out = strided.empty(work, target.shape());
        strided.copy(target, out);
        Tensor s = strided.convert(src, work);
        scatterKernel(out, axis, index, s, op);
        return strided.convert(out, target.dtype());
    }

    /**
     * One thread per line of the index along {@code axis} (the loop shape is the index shape without the axis),
     * adding the line's elements in order: deterministic, see index.cu.
     */
    private synchronized void scatterKernel(Tensor out, int axis, Tensor index, Tensor src, int op) {
        int len = index.size(axis);
        StridedLayout p = StridedLayout.plan("scatterAdd", dropAxis(index.shape(), axis),
                new int[][] {dropAxis(out.strides(), axis), dropAxis(index.strides(), axis), dropAxis(src.strides(), axis)},
                new int[] {out.offset(), index.offset(), src.offset()});
        if (p.numel == 0 || len == 0) return;
        scatterArgs.setLong(0, base(out)).setLong(2, base(index)).setLong(4, base(src)).setInt(7, p.numel).setInt(8, len)
                .setLong(9, index.strides()[axis]).setLong(10, src.strides()[axis])
                .setLong(11, out.strides()[axis]).setInt(12, out.size(axis)).setInt(13, axis).setLong(14, errors.pointer()).setInt(15, op);
        p.packStrides(0, scatterArgs.slot(1));
        p.packStrides(1, scatterArgs.slot(3));
        p.packStrides(2, scatterArgs.slot(5));
        p.packShape(scatterArgs.slot(6));
        launch("scatter_add_" + suffix(out.dtype()), p.numel, scatterArgs);
    }

    /** {@code dims} without entry {@code axis}. */
    private static int[] dropAxis(int[] dims, int axis) {
        int[] out = new int[dims.length - 1];
        for (int d = 0, k = 0; d < dims.length; d++) if (d != axis) out[k++] = dims[d];
        return out;
    }

    /** Every kernel name this launcher may use. */
    static java.util.List<String> kernelNames() {
        return java.util.List.of("gather_b2", "gather_b4", "gather_b8", "scatter_add_f32", "scatter_add_f64", "scatter_add_i32", "scatter_add_i64");
    }
}
