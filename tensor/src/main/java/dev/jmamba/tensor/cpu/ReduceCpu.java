package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.ReduceOp;
import dev.jmamba.tensor.Tensor;

/**
 * Reductions, arg-reductions and softmax on the CPU. The reduced axes are moved last (a view),
 * made contiguous if needed, and each output element reduces one contiguous run, in parallel
 * over outputs. Sums accumulate in double.
 */
final class ReduceCpu {
    private ReduceCpu() {}

    /** x viewed as (outer, inner) with the flagged axes last and contiguous; also the kept shape. */
    private record Rows(Tensor x, int outer, int inner, int[] keptShape) {}

    private static Rows rows(Tensor x, boolean[] axes) {
        int r = x.rank();
        int[] perm = new int[r];
        int k = 0, outer = 1, inner = 1;
        int[] shape = x.shape();
        int kept = 0;
        for (int i = 0; i < r; i++) if (!axes[i]) { perm[k++] = i; outer *= shape[i]; kept++; }
        for (int i = 0; i < r; i++) if (axes[i]) { perm[k++] = i; inner *= shape[i]; }
        int[] keptShape = new int[kept];
        for (int i = 0, j = 0; i < r; i++) if (!axes[i]) keptShape[j++] = shape[i];
        Tensor p = x.permute(perm).contiguous();
        if (p.dtype() != DType.F32 && p.dtype() != DType.F64) p = p.to(DType.F64);
        return new Rows(p, outer, inner, keptShape);
    }

    private static int[] outShape(Tensor x, boolean[] axes, boolean keepdim) {
        int[] s = x.shape();
        int n = 0;
        for (int i = 0; i < s.length; i++) if (keepdim || !axes[i]) n++;
        int[] out = new int[n];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (!axes[i]) out[j++] = s[i];
            else if (keepdim) out[j++] = 1;
        }
        return out;
    }

    static Tensor reduce(ReduceOp op, Tensor x, boolean[] axes, boolean keepdim) {
        DType resultType = x.dtype().isFloating() ? x.dtype().computeType() : (op == ReduceOp.MEAN ? DType.F32 : x.dtype());
        if ((op == ReduceOp.SUM || op == ReduceOp.MEAN) && x.dtype() == DType.F32 && leadingOnly(axes)) {   // any layout: same bits
            return sumLeading(op, x, axes, keepdim).to(resultType);
        }
        Rows rw = rows(x, axes);
        int inner = rw.inner;
        double[] res = new double[rw.outer];
        Object a = ElementwiseCpu.arr(rw.x);
        int base = rw.x.offset();
        Parallel.forRange(rw.outer, Math.max(1, 4096 / Math.max(1, inner)), o -> {
            int s = base + o * inner;
            double v;
            if (a instanceof float[] f) v = reduceRow(op, f, s, inner);
            else v = reduceRow(op, (double[]) a, s, inner);
            res[o] = v;
        });
        Tensor out = Tensor.of(res, outShape(x, axes, keepdim));
        return out.to(resultType);
    }

    /** Whether the reduced axes are exactly the first p ≥ 1 axes and at least one axis is kept. */
    private static boolean leadingOnly(boolean[] axes) {
        int p = 0;
        while (p < axes.length && axes[p]) p++;
        for (int i = p; i < axes.length; i++) if (axes[i]) return false;
        return p >= 1 && p < axes.length;
    }

    /**
     * Sum (or mean) of a float32 x over its leading axes, as gradients of broadcast operands need it
     * ((B, ...) → (...)): out[j] = Σ_i x[i·outer + j], i in order, in double, reading rows of x as they lie
     * instead of first copying x with the reduced axes moved last (a transpose). Parallel over blocks of j.
     */
    private static Tensor sumLeading(ReduceOp op, Tensor x, boolean[] axes, boolean keepdim) {
        int inner = 1, outer = 1;
        for (int i = 0; i < axes.length; i++) {
            if (axes[i]) inner *= x.size(i);
            else outer *= x.size(i);
        }
        Tensor xc = x.contiguous();                  // row-major order, not a transpose; a strided x gives the same bits
        float[] a = (float[]) ElementwiseCpu.arr(xc);
        int base = xc.offset(), n = inner, m = outer;
        double[] res = new double[m];
        Parallel.forBlocks(m, Math.max(64, 16384 / Math.max(1, n)), (first, end) -> {
            for (int i = 0; i < n; i++) {
                int row = base + i * m;
                for (int j = first; j < end; j++) res[j] += a[row + j];
            }
        });
        if (op == ReduceOp.MEAN) for (int j = 0; j < m; j++) res[j] /= n;
        return Tensor.of(res, outShape(x, axes, keepdim)).to(DType.F32);
    }

    private static double reduceRow(ReduceOp op, float[] a, int s, int n) {
        switch (op) {
            case SUM, MEAN -> {
                double acc = SimdSupport.ENABLED && n >= 16 ? ElementwiseSimd.sum(a, s, n) : 0;
                if (!(SimdSupport.ENABLED && n >= 16)) for (int i = 0; i < n; i++) acc += a[s + i];
                return op == ReduceOp.MEAN ? acc / n : acc;
            }
            case MAX -> {
                float m = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) { float v = a[s + i]; if (v > m || Float.isNaN(v)) m = v; if (Float.isNaN(m)) break; }
                return m;
            }
            default -> {
                float m = Float.POSITIVE_INFINITY;
                for (int i = 0; i < n; i++) { float v = a[s + i]; if (v < m || Float.isNaN(v)) m = v; if (Float.isNaN(m)) break; }
                return m;
            }
        }
    }

    private static double reduceRow(ReduceOp op, double[] a, int s, int n) {
        switch (op) {
            case SUM, MEAN -> {
                double acc = 0;
                for (int i = 0; i < n; i++) acc += a[s + i];
                return op == ReduceOp.MEAN ? acc / n : acc;
            }
            case MAX -> {
                double m = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) { double v = a[s + i]; if (v > m || Double.isNaN(v)) m = v; if (Double.isNaN(m)) break; }
                return m;
            }
            default -> {
                double m = Double.POSITIVE_INFINITY;
                for (int i = 0; i < n; i++) { double v = a[s + i]; if (v < m || Double.isNaN(v)) m = v; if (Double.isNaN(m)) break; }
                return m;
            }
        }
    }

    static Tensor argReduce(boolean max, Tensor x, int axis, boolean keepdim) {
        boolean[] axes = new boolean[x.rank()];
        axes[axis] = true;
        Rows rw = rows(x.dtype() == DType.F32 ? x : x.to(DType.F64), axes);
        int inner = rw.inner;
        long[] res = new long[rw.outer];
        Object a = ElementwiseCpu.arr(rw.x);
        DType t = rw.x.dtype();
        int base = rw.x.offset();
        Parallel.forRange(rw.outer, o -> {
            int s = base + o * inner, best = 0;
            double bv = ElementwiseCpu.get(a, t, s);
            for (int i = 1; i < inner; i++) {
                double v = ElementwiseCpu.get(a, t, s + i);
                if (Double.isNaN(bv)) break;
                if (max ? (v > bv || Double.isNaN(v)) : (v < bv || Double.isNaN(v))) { bv = v; best = i; }
            }
            res[o] = best;
        });
        return Tensor.of(res, outShape(x, axes, keepdim));
    }

    static Tensor softmax(Tensor x, int axis, boolean log) {
        int r = x.rank();
        boolean[] axes = new boolean[r];
        axes[axis] = true;
        DType compute = x.dtype() == DType.F64 ? DType.F64 : DType.F32;
        Rows rw = rows(x.to(compute), axes);
        int inner = rw.inner;
        Tensor out = ElementwiseCpu.newTensor(compute, rw.x.shape());
        Object a = ElementwiseCpu.arr(rw.x), o = ElementwiseCpu.arr(out);
        int base = rw.x.offset();
        Parallel.forRange(rw.outer, Math.max(1, 2048 / Math.max(1, inner)), row -> {
            int s = base + row * inner, d = row * inner;
            double m = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < inner; i++) m = Math.max(m, ElementwiseCpu.get(a, compute, s + i));
            double sum = 0;
            for (int i = 0; i < inner; i++) sum += Math.exp(ElementwiseCpu.get(a, compute, s + i) - m);
            double lse = Math.log(sum);
            for (int i = 0; i < inner; i++) {
                double z = ElementwiseCpu.get(a, compute, s + i) - m;
                ElementwiseCpu.put(o, compute, d + i, log ? z - lse : Math.exp(z) / sum);
            }
        });
        // out is laid out with the axis last: move it back
        int[] perm = new int[r], inv = new int[r];
        for (int i = 0, k = 0; i < r; i++) if (i != axis) perm[k++] = i;
        perm[r - 1] = axis;
        for (int i = 0; i < r; i++) inv[perm[i]] = i;
        return out.permute(inv).contiguous();
    }
}
