package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.BinaryOp;
import dev.jmamba.tensor.Checks;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import dev.jmamba.tensor.UnaryOp;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Launches {@code strided.cu}: copy (with dtype conversion), fill, arange, unary, binary and
 * where over arbitrary strided views, and the helpers the other launchers build on (empty
 * tensors, conversions, contiguous copies). Dtype rules follow the CPU backend: unary and binary
 * ops compute in F32 or F64 and convert the result back where the CPU does.
 */
final class StridedKernels extends Launcher {
    static final String SOURCE = "strided.cu";

    // (src, JmStrides, dst, JmStrides, JmShape, n)
    private final KernelArgs copyArgs = new KernelArgs(8, StridedLayout.STRIDES_BYTES, 8, StridedLayout.STRIDES_BYTES, StridedLayout.SHAPE_BYTES, 4);
    // (src, dst, n)
    private final KernelArgs copyContigArgs = new KernelArgs(8, 8, 4);
    // (dst, JmStrides, JmShape, n, value)
    private final KernelArgs fillArgs = new KernelArgs(8, StridedLayout.STRIDES_BYTES, StridedLayout.SHAPE_BYTES, 4, 8);
    // (dst, n, start, step)
    private final KernelArgs arangeArgs = new KernelArgs(8, 4, 8, 8);
    // (x, JmStrides, y, JmShape, n, op, p0, p1)
    private final KernelArgs unaryArgs = new KernelArgs(8, StridedLayout.STRIDES_BYTES, 8, StridedLayout.SHAPE_BYTES, 4, 4, 8, 8);
    // (a, JmStrides, b, JmStrides, out, JmShape, n, op)
    /** unary_grad_T(x, xs, gy, gs, out, shape, n, op, p0, p1). */
    private final KernelArgs unaryGradArgs = new KernelArgs(8, StridedLayout.STRIDES_BYTES, 8, StridedLayout.STRIDES_BYTES, 8,
            StridedLayout.SHAPE_BYTES, 4, 4, 8, 8);
    private final KernelArgs binaryArgs = new KernelArgs(8, StridedLayout.STRIDES_BYTES, 8, StridedLayout.STRIDES_BYTES, 8, StridedLayout.SHAPE_BYTES, 4, 4);
    /** binary_3d_f32(a, JmStrides3 (off, s0, s1, s2), b, JmStrides3, out, d1, d2, n, op). */
    private final KernelArgs binary3dArgs = new KernelArgs(8, 32, 8, 32, 8, 4, 4, 4, 4);
    // unary_contig_f32(x, y, n, op, p0, p1)
    private final KernelArgs unaryContigArgs = new KernelArgs(8, 8, 4, 4, 8, 8);
    // unary_grad_contig_f32(x, gy, out, n, op, p0, p1)
    private final KernelArgs unaryGradContigArgs = new KernelArgs(8, 8, 8, 4, 4, 8, 8);
    // (x, bias, pre, act, total, n, op, vec)
    private final KernelArgs biasActArgs = new KernelArgs(8, 8, 8, 8, 4, 4, 4, 4);
    // (pre, gy, out, total, op)
    private final KernelArgs actGradArgs = new KernelArgs(8, 8, 8, 4, 4);
    /** residual_add_f32(x, y, bias, scale, out, total, per_sample, c). */
    private final KernelArgs residualArgs = new KernelArgs(8, 8, 8, 8, 8, 4, 4, 4);
    // copy_transpose_bW(src, JmStrides, dst, JmStrides, JmShape, k)
    private final KernelArgs transposeArgs = new KernelArgs(8, StridedLayout.STRIDES_BYTES, 8, StridedLayout.STRIDES_BYTES,
            StridedLayout.SHAPE_BYTES, 4);
    // (a, b, out, n, op)
    private final KernelArgs contigArgs = new KernelArgs(8, 8, 8, 4, 4);
    // (cond, JmStrides, a, JmStrides, b, JmStrides, out, JmShape, n)
    private final KernelArgs whereArgs = new KernelArgs(8, StridedLayout.STRIDES_BYTES, 8, StridedLayout.STRIDES_BYTES, 8,
            StridedLayout.STRIDES_BYTES, 8, StridedLayout.SHAPE_BYTES, 4);

    StridedKernels(CudaContext context) {
        super(context, SOURCE);
    }

    // ------------------------------------------------------------------ helpers for every launcher

    /** A new contiguous tensor whose elements the caller's kernel will all write. shape: any. */
    Tensor empty(DType dtype, int... shape) {
        CudaStorage s = CudaStorage.uninitialized(context, dtype, Shapes.numel(shape));
        return new Tensor(s, shape.clone(), Shapes.contiguousStrides(shape), 0);
    }

    /** A new zero-filled contiguous tensor. */
    Tensor zeros(DType dtype, int... shape) {
        CudaStorage s = CudaStorage.zeroed(context, dtype, Shapes.numel(shape));
        return new Tensor(s, shape.clone(), Shapes.contiguousStrides(shape), 0);
    }

    /** {@code t} converted to {@code dtype} (t itself when it has it already). */
    Tensor convert(Tensor t, DType dtype) {
        if (t.dtype() == dtype) return t;
        Tensor out = empty(dtype, t.shape());
        copy(t, out);
        return out;
    }

    /** {@code t} if contiguous, else a contiguous copy. */
    Tensor contiguous(Tensor t) {
        if (t.isContiguous()) return t;
        Tensor out = empty(t.dtype(), t.shape());
        copy(t, out);
        return out;
    }

    /** {@code t} contiguous and of {@code dtype}, copied at most once. */
    Tensor contiguous(Tensor t, DType dtype) {
        if (t.dtype() == dtype) return contiguous(t);
        return convert(t, dtype);  // convert writes a fresh contiguous tensor
    }

    // ------------------------------------------------------------------ copy / fill / arange

    /** dst (shape) = src (shape, strides may be 0), converting dtypes. dst may be a strided view. */
    synchronized void copy(Tensor src, Tensor dst) {
        StridedLayout p = StridedLayout.plan("copy", dst.shape(), new int[][] {dst.strides(), src.strides()},
                new int[] {dst.offset(), src.offset()});
        if (p.numel == 0) return;
        DType sd = src.dtype(), dd = dst.dtype();
        if (sd == dd && p.contiguous(0) && p.contiguous(1)) {
            long from = address(src), to = address(dst);
            if (sd == DType.F32 && ((from | to) & 15) == 0) {
                copyContigArgs.setLong(0, from).setLong(1, to).setInt(2, p.numel);
                launch("copy_contig_f32", (p.numel + 3) / 4, copyContigArgs);
            } else {
                CudaDriver.memcpyDtoDAsync(to, from, (long) p.numel * sd.bytes(), context.stream());
            }
            return;
        }
        if (p.contiguous(0) && p.contiguous(1) && ((sd == DType.F32 && dd == DType.BF16) || (sd == DType.BF16 && dd == DType.F32))) {
            copyContigArgs.setLong(0, address(src)).setLong(1, address(dst)).setInt(2, p.numel);
            launch(sd == DType.F32 ? "cast_contig_f32_bf16" : "cast_contig_bf16_f32", (p.numel + 3) / 4, copyContigArgs);
            return;
        }
        int k = sd == dd ? transposedDim(p) : -1;
        if (k >= 0) {
            transposeArgs.setLong(0, base(src)).setLong(2, base(dst)).setInt(5, k);
            p.packStrides(1, transposeArgs.slot(1));
            p.packStrides(0, transposeArgs.slot(3));
            p.packShape(transposeArgs.slot(4));
            int last = p.shape.length - 1;
            long tiles = (long) Math.ceilDiv(p.shape[k], 32) * Math.ceilDiv(p.shape[last], 32) * (p.numel / ((long) p.shape[k] * p.shape[last]));
            CudaDriver.launchKernel(function("copy_transpose_b" + sd.bytes()), (int) Math.min(tiles, 1L << 20), 1, 1,
                    THREADS, 1, 1, 0, context.stream(), transposeArgs);
            return;
        }
        copyArgs.setLong(0, base(src)).setLong(2, base(dst)).setInt(5, p.numel);
        p.packStrides(1, copyArgs.slot(1));
        p.packStrides(0, copyArgs.slot(3));
        p.packShape(copyArgs.slot(4));
        String kernel = sd == dd ? "copy_b" + sd.bytes() : "copy_" + suffix(sd) + "_" + suffix(dd);
        launch(kernel, p.numel, copyArgs);
    }

    /**
     * The dim k for the tiled transposing copy ({@code copy_transpose_bW} of strided.cu), or -1: dst
     * (operand 0) steps through the innermost merged dim with stride 1, src (operand 1) does not but
     * has stride 1 in an outer dim k, and both dims are long enough (≥ 16) for 32×32 tiles to pay.
     */
    static int transposedDim(StridedLayout p) {
        int last = p.shape.length - 1;
        if (last < 1 || p.strides[0][last] != 1 || p.strides[1][last] == 1 || p.shape[last] < 16) return -1;
        for (int d = last - 1; d >= 0; d--) {
            if (p.strides[1][d] == 1) return p.shape[d] >= 16 ? d : -1;
        }
        return -1;
    }

    /** Every element of the view dst = value (converted like a store of a double). */
    synchronized void fill(Tensor dst, double value) {
        StridedLayout p = StridedLayout.plan("fill", dst.shape(), new int[][] {dst.strides()}, new int[] {dst.offset()});
        if (p.numel == 0) return;
        fillArgs.setLong(0, base(dst)).setInt(3, p.numel);
        p.packStrides(0, fillArgs.slot(1));
        p.packShape(fillArgs.slot(2));
        setDouble(fillArgs, 4, value);
        launch("fill_" + suffix(dst.dtype()), p.numel, fillArgs);
    }

    /** dst[i] = start + i * step; dst contiguous. */
    synchronized void arange(Tensor dst, double start, double step) {
        int n = dst.numel();
        if (n == 0) return;
        arangeArgs.setLong(0, address(dst)).setInt(1, n);
        setDouble(arangeArgs, 2, start);
        setDouble(arangeArgs, 3, step);
        launch("arange_" + suffix(dst.dtype()), n, arangeArgs);
    }

    // ------------------------------------------------------------------ unary / binary / where

    /** Unary ops that keep an integer dtype (as in the CPU backend); others make integers F32. */
    private static boolean keepsIntegers(UnaryOp op) {
        return switch (op) {
            case NEG, ABS, SIGN, CLAMP, SQUARE, RELU, AFFINE, NONFINITE -> true;
            default -> false;
        };
    }

    Tensor unary(UnaryOp op, Tensor x, double p0, double p1) {
        DType in = x.dtype();
        int[] order = in == DType.F32 && !x.isContiguous() ? x.storageOrder() : null;
        if (order != null && x.permute(order).isContiguous()) {
            // a dense block in another dim order (a channels-last view): one coalesced pass in storage order,
            // the result in x's layout (as PyTorch keeps an element-wise result in its input's memory format)
            return unary(op, x.permute(order), p0, p1).permute(Shapes.inversePermutation(order));
        }
        boolean integer = in == DType.I32 || in == DType.I64;
        DType compute = in == DType.F64 || (integer && keepsIntegers(op)) ? DType.F64 : DType.F32;
        Tensor xc = convert(x, compute);
        Tensor out = empty(compute, x.shape());
        unaryKernel(op, xc, out, p0, p1);
        return integer && keepsIntegers(op) ? convert(out, in) : out;
    }

    private synchronized void unaryKernel(UnaryOp op, Tensor x, Tensor out, double p0, double p1) {
        StridedLayout p = StridedLayout.plan("unary", x.shape(), new int[][] {x.strides()}, new int[] {x.offset()});
        if (p.numel == 0) return;
        if (x.dtype() == DType.F32 && p.contiguous(0)) {   // float arithmetic, float4 moves (strided.cu explains)
            unaryContigArgs.setLong(0, address(x)).setLong(1, address(out)).setInt(2, p.numel).setInt(3, op.ordinal());
            setDouble(unaryContigArgs, 4, p0);
            setDouble(unaryContigArgs, 5, p1);
            launch("unary_contig_f32", (p.numel + 3) / 4, unaryContigArgs);
            return;
        }
        unaryArgs.setLong(0, base(x)).setLong(2, address(out)).setInt(4, p.numel).setInt(5, op.ordinal());
        p.packStrides(0, unaryArgs.slot(1));
        p.packShape(unaryArgs.slot(3));
        setDouble(unaryArgs, 6, p0);
        setDouble(unaryArgs, 7, p1);
        launch("unary_" + suffix(x.dtype()), p.numel, unaryArgs);
    }

    /** gy · op'(x) in one kernel (UnaryOp.derivative, computed in double); x and gy of one shape. */
    Tensor unaryGrad(UnaryOp op, Tensor x, Tensor gy, double p0, double p1) {
        Checks.unaryGrad(op, x, gy);
        DType dt = x.dtype();
        int[] order = dt == DType.F32 && !x.isContiguous() ? x.storageOrder() : null;
        if (order != null && x.permute(order).isContiguous() && gy.permute(order).isContiguous()) {
            // x and gy the same dense block in another dim order (channels-last views): the contiguous kernel in
            // storage order, dx in x's layout — as unary keeps its result in its input's layout
            return unaryGrad(op, x.permute(order), gy.permute(order), p0, p1).permute(Shapes.inversePermutation(order));
        }
        Tensor gc = convert(gy, dt);
        Tensor out = empty(dt, x.shape());
        unaryGradKernel(op, x, gc, out, p0, p1);
        return out;
    }

    private synchronized void unaryGradKernel(UnaryOp op, Tensor x, Tensor gy, Tensor out, double p0, double p1) {
        StridedLayout p = StridedLayout.plan("unaryGrad", x.shape(), new int[][] {x.strides(), gy.strides()},
                new int[] {x.offset(), gy.offset()});
        if (p.numel == 0) return;
        if (x.dtype() == DType.F32 && p.contiguous(0) && p.contiguous(1)) {
            unaryGradContigArgs.setLong(0, address(x)).setLong(1, address(gy)).setLong(2, address(out))
                    .setInt(3, p.numel).setInt(4, op.ordinal());
            setDouble(unaryGradContigArgs, 5, p0);
            setDouble(unaryGradContigArgs, 6, p1);
            launch("unary_grad_contig_f32", (p.numel + 3) / 4, unaryGradContigArgs);
            return;
        }
        unaryGradArgs.setLong(0, base(x)).setLong(2, base(gy)).setLong(4, address(out)).setInt(6, p.numel).setInt(7, op.ordinal());
        p.packStrides(0, unaryGradArgs.slot(1));
        p.packStrides(1, unaryGradArgs.slot(3));
        p.packShape(unaryGradArgs.slot(5));
        setDouble(unaryGradArgs, 8, p0);
        setDouble(unaryGradArgs, 9, p1);
        launch("unary_grad_" + suffix(x.dtype()), p.numel, unaryGradArgs);
    }

    /** Backend.biasActivationBf16 (arguments checked by the backend): one pass, {@code bias_act_*} of strided.cu. */
    synchronized Tensor[] biasActivationBf16(UnaryOp op, Tensor x, Tensor bias) {
        Tensor xc = x.contiguous();
        int total = checkedCount("biasActivationBf16", xc), n = x.size(-1);
        Tensor pre = bias == null ? null : empty(DType.BF16, x.shape()), act = empty(DType.BF16, x.shape());
        if (total == 0) return new Tensor[] {pre, act};
        boolean vec = n % 4 == 0 && (address(xc) & 15) == 0 && (address(act) & 7) == 0
                && (bias == null || (address(bias) & 15) == 0) && (pre == null || (address(pre) & 7) == 0);
        biasActArgs.setLong(0, address(xc)).setLong(1, bias == null ? 0 : address(bias)).setLong(2, pre == null ? 0 : address(pre))
                .setLong(3, address(act)).setInt(4, total).setInt(5, n).setInt(6, op.ordinal()).setInt(7, vec ? 1 : 0);
        launch(bias == null ? "bias_act_bf16_bf16" : "bias_act_f32_bf16", vec ? total / 4 : total, biasActArgs);
        return new Tensor[] {pre, act};
    }

    /** Backend.residualAdd for contiguous x and y (arguments checked by the backend): {@code residual_add_f32} of strided.cu. */
    synchronized Tensor residualAdd(Tensor x, Tensor y, Tensor bias, Tensor scale) {
        Tensor out = empty(DType.F32, x.shape());
        int total = (int) x.numel();
        if (total == 0) return out;
        Tensor bc = bias == null ? null : contiguous(bias), sc = scale == null ? null : contiguous(scale);
        residualArgs.setLong(0, address(x)).setLong(1, address(y)).setLong(2, bc == null ? 0 : address(bc))
                .setLong(3, sc == null ? 0 : address(sc)).setLong(4, address(out)).setInt(5, total)
                .setInt(6, total / x.size(0)).setInt(7, x.size(-1));
        launch("residual_add_f32", total, residualArgs);
        return out;
    }

    /** Backend.activationGradBf16 (arguments checked by the backend): {@code act_grad_bf16} of strided.cu. */
    synchronized Tensor activationGradBf16(UnaryOp op, Tensor pre, Tensor gy) {
        Tensor pc = pre.contiguous(), gc = gy.contiguous();
        int total = checkedCount("activationGradBf16", pc);
        Tensor out = empty(DType.F32, pre.shape());
        if (total == 0) return out;
        actGradArgs.setLong(0, address(pc)).setLong(1, address(gc)).setLong(2, address(out)).setInt(3, total).setInt(4, op.ordinal());
        launch("act_grad_bf16", total, actGradArgs);
        return out;
    }

    /** t's element count as an int index range of the kernels (below 2^31). */
    private static int checkedCount(String op, Tensor t) {
        long n = t.numel();
        if (n > Integer.MAX_VALUE) throw new TensorException(op, "fewer than 2^31 elements", String.valueOf(n));
        return (int) n;
    }

    Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        String name = op.name().toLowerCase(java.util.Locale.ROOT);
        int[] shape = Shapes.broadcast(name, a.shape(), b.shape());
        DType result = DType.promote(a.dtype(), b.dtype());
        DType compute = result == DType.F32 ? DType.F32 : DType.F64;
        Tensor ac = convert(a, compute), bc = convert(b, compute);
        Tensor out = empty(compute, shape);
        binaryKernel(name, op, ac, bc, out);
        return result == compute ? out : convert(out, result);
    }

    private synchronized void binaryKernel(String name, BinaryOp op, Tensor a, Tensor b, Tensor out) {
        int[] shape = out.shape();
        StridedLayout p = StridedLayout.plan(name, shape, new int[][] {StridedLayout.broadcastStrides(a, shape),
                StridedLayout.broadcastStrides(b, shape)}, new int[] {a.offset(), b.offset()});
        if (p.numel == 0) return;
        if (a.dtype() == DType.F32 && p.contiguous(0) && p.contiguous(1)) {
            contigArgs.setLong(0, address(a)).setLong(1, address(b)).setLong(2, address(out)).setInt(3, p.numel).setInt(4, op.ordinal());
            launch("binary_contig_f32", (p.numel + 3) / 4, contigArgs);
            return;
        }
        if (a.dtype() == DType.F32 && p.shape.length <= 3) {   // broadcasts and transposes of up to three dims
            int lead = 3 - p.shape.length;                          // the loop as (d0, d1, d2), missing leading dims of size 1
            int[] dims = new int[3];
            for (int d = 0; d < 3; d++) dims[d] = d < lead ? 1 : p.shape[d - lead];
            for (int k = 0; k < 2; k++) {
                MemorySegment slot = binary3dArgs.slot(2 * k + 1);
                slot.set(ValueLayout.JAVA_LONG, 0, p.offsets[k]);
                for (int d = 0; d < 3; d++) slot.set(ValueLayout.JAVA_LONG, 8L * (d + 1), d < lead ? 0 : p.strides[k][d - lead]);
            }
            binary3dArgs.setLong(0, base(a)).setLong(2, base(b)).setLong(4, address(out))
                    .setInt(5, dims[1]).setInt(6, dims[2]).setInt(7, p.numel).setInt(8, op.ordinal());
            launch("binary_3d_f32", p.numel, binary3dArgs);
            return;
        }
        binaryArgs.setLong(0, base(a)).setLong(2, base(b)).setLong(4, address(out)).setInt(6, p.numel).setInt(7, op.ordinal());
        p.packStrides(0, binaryArgs.slot(1));
        p.packStrides(1, binaryArgs.slot(3));
        p.packShape(binaryArgs.slot(5));
        launch("binary_" + suffix(a.dtype()), p.numel, binaryArgs);
    }

    Tensor where(Tensor cond, Tensor a, Tensor b) {
        int[] shape = Shapes.broadcast("where", Shapes.broadcast("where", cond.shape(), a.shape()), b.shape());
        DType result = DType.promote(a.dtype(), b.dtype());
        DType compute = result == DType.F32 ? DType.F32 : DType.F64;
        // F64 conditions stay F64 (a tiny value must not round to 0); others convert exactly enough to T
        DType condType = cond.dtype() == DType.F64 ? DType.F64 : compute;
        Tensor cc = convert(cond, condType), ac = convert(a, compute), bc = convert(b, compute);
        Tensor out = empty(compute, shape);
        whereKernel(cc, ac, bc, out);
        return result == compute ? out : convert(out, result);
    }

    private synchronized void whereKernel(Tensor cond, Tensor a, Tensor b, Tensor out) {
        int[] shape = out.shape();
        StridedLayout p = StridedLayout.plan("where", shape, new int[][] {StridedLayout.broadcastStrides(cond, shape),
                StridedLayout.broadcastStrides(a, shape), StridedLayout.broadcastStrides(b, shape)},
                new int[] {cond.offset(), a.offset(), b.offset()});
        if (p.numel == 0) return;
        whereArgs.setLong(0, base(cond)).setLong(2, base(a)).setLong(4, base(b)).setLong(6, address(out)).setInt(8, p.numel);
        p.packStrides(0, whereArgs.slot(1));
        p.packStrides(1, whereArgs.slot(3));
        p.packStrides(2, whereArgs.slot(5));
        p.packShape(whereArgs.slot(7));
        launch("where_" + suffix(cond.dtype()) + "_" + suffix(a.dtype()), p.numel, whereArgs);
    }

    /** Checks a copy's shapes like the CPU backend. */
    static void checkCopyShapes(Tensor src, Tensor dst) {
        if (!Shapes.same(src.shape(), dst.shape())) {
            throw new TensorException.Shape("copy", Shapes.str(dst.shape()), Shapes.str(src.shape()));
        }
    }

    /** Every kernel name this launcher may use (checked against the compiled PTX by a test). */
    static java.util.List<String> kernelNames() {
        java.util.List<String> names = new java.util.ArrayList<>(java.util.List.of("copy_b2", "copy_b4", "copy_b8",
                "copy_contig_f32", "binary_contig_f32", "binary_3d_f32", "unary_contig_f32", "unary_grad_contig_f32",
                "copy_transpose_b2", "copy_transpose_b4", "copy_transpose_b8",
                "cast_contig_f32_bf16", "cast_contig_bf16_f32", "unary_f32", "unary_f64", "unary_grad_f32", "unary_grad_f64", "binary_f32", "binary_f64",
                "where_f32_f32", "where_f64_f32", "where_f64_f64", "bias_act_f32_bf16", "bias_act_bf16_bf16", "act_grad_bf16", "residual_add_f32"));
        for (DType s : DType.values()) {
            names.add("fill_" + suffix(s));
            names.add("arange_" + suffix(s));
            for (DType d : DType.values()) if (s != d) names.add("copy_" + suffix(s) + "_" + suffix(d));
        }
        return names;
    }
}
