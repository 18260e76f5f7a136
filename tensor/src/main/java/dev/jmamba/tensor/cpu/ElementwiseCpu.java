package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.BinaryOp;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.UnaryOp;

/**
 * Element-wise CPU kernels over arbitrary strides: copy (with dtype conversion), fill, unary,
 * binary and where. Computation happens on F32 or F64 arrays; other dtypes are converted first.
 * Contiguous F32 rows use {@link ElementwiseSimd} when SIMD is on.
 */
final class ElementwiseCpu {
    private ElementwiseCpu() {}

    static Object arr(Tensor t) { return ((CpuStorage) t.storage()).array(); }

    /** Strides of {@code t} broadcast to {@code shape} (0 for broadcast dims). */
    static int[] broadcastStrides(Tensor t, int[] shape) {
        int[] ts = t.shape(), st = t.strides();
        int[] out = new int[shape.length];
        int lead = shape.length - ts.length;
        for (int i = 0; i < shape.length; i++) {
            if (i < lead) continue;
            out[i] = ts[i - lead] == 1 && shape[i] != 1 ? 0 : st[i - lead];
        }
        return out;
    }

    static Tensor newTensor(DType dtype, int[] shape) {
        CpuStorage s = CpuStorage.allocate(dtype, Shapes.numel(shape));
        return new Tensor(s, shape.clone(), Shapes.contiguousStrides(shape), 0);
    }

    // ------------------------------------------------------------------ copy / fill

    static void copy(Tensor src, Tensor dst) {
        int[] shape = dst.shape();
        Strided p = Strided.plan(shape, new int[][] {dst.strides(), broadcastStrides(src, shape)}, new int[] {dst.offset(), src.offset()});
        Object d = arr(dst), s = arr(src);
        int sd = p.innerStride(0), ss = p.innerStride(1);
        if (d instanceof float[] df && s instanceof float[] sf) {
            p.forEachRow((o, n) -> {
                if (sd == 1 && ss == 1) System.arraycopy(sf, o[1], df, o[0], n);
                else for (int i = 0; i < n; i++) df[o[0] + i * sd] = sf[o[1] + i * ss];
            });
        } else if (d instanceof double[] dd && s instanceof double[] sdd) {
            p.forEachRow((o, n) -> {
                if (sd == 1 && ss == 1) System.arraycopy(sdd, o[1], dd, o[0], n);
                else for (int i = 0; i < n; i++) dd[o[0] + i * sd] = sdd[o[1] + i * ss];
            });
        } else if (d instanceof long[] dl && s instanceof long[] sl) {       // exact: I64 past 2^53 must not go through double
            p.forEachRow((o, n) -> {
                if (sd == 1 && ss == 1) System.arraycopy(sl, o[1], dl, o[0], n);
                else for (int i = 0; i < n; i++) dl[o[0] + i * sd] = sl[o[1] + i * ss];
            });
        } else {
            DType dt = dst.dtype(), st = src.dtype();
            p.forEachRow((o, n) -> {
                for (int i = 0; i < n; i++) put(d, dt, o[0] + i * sd, get(s, st, o[1] + i * ss));
            });
        }
    }

    /** Reads element {@code i} as double (exact for F32/F64/I32/BF16, for I64 up to 2^53). */
    static double get(Object a, DType t, int i) {
        return switch (t) {
            case F32 -> ((float[]) a)[i];
            case F64 -> ((double[]) a)[i];
            case I32 -> ((int[]) a)[i];
            case I64 -> ((long[]) a)[i];
            case BF16 -> DType.fromBf16(((short[]) a)[i]);
        };
    }

    /** Writes element {@code i}; integer targets truncate toward zero like a C cast. */
    static void put(Object a, DType t, int i, double v) {
        switch (t) {
            case F32 -> ((float[]) a)[i] = (float) v;
            case F64 -> ((double[]) a)[i] = v;
            case I32 -> ((int[]) a)[i] = (int) v;
            case I64 -> ((long[]) a)[i] = (long) v;
            case BF16 -> ((short[]) a)[i] = DType.toBf16((float) v);
        }
    }

    static void fill(Tensor dst, double value) {
        int[] shape = dst.shape();
        Strided p = Strided.plan(shape, new int[][] {dst.strides()}, new int[] {dst.offset()});
        Object d = arr(dst);
        int sd = p.innerStride(0);
        DType dt = dst.dtype();
        p.forEachRow((o, n) -> {
            if (d instanceof float[] f && sd == 1) java.util.Arrays.fill(f, o[0], o[0] + n, (float) value);
            else for (int i = 0; i < n; i++) put(d, dt, o[0] + i * sd, value);
        });
    }

    // ------------------------------------------------------------------ unary

    /** Ops that keep an integer dtype; all others turn integers into F32. */
    private static boolean keepsIntegers(UnaryOp op) {
        return switch (op) {
            case NEG, ABS, SIGN, CLAMP, SQUARE, RELU, AFFINE, NONFINITE -> true;
            default -> false;
        };
    }

    /** Ops whose scalar form (in double, through exp or erf) costs many times a copy of the element. */
    private static boolean isTranscendental(UnaryOp op) {
        return switch (op) {
            case EXP, SIGMOID, SILU, GELU -> true;
            default -> false;
        };
    }

    static Tensor unary(UnaryOp op, Tensor x, double p0, double p1) {
        DType in = x.dtype();
        DType compute = in == DType.F64 ? DType.F64 : (in == DType.I64 || in == DType.I32) && keepsIntegers(op) ? DType.F64 : DType.F32;
        Tensor xc = x.dtype() == compute ? x : x.to(compute);
        if (compute == DType.F32 && SimdSupport.ENABLED && ElementwiseSimd.supports(op) && isTranscendental(op) && !xc.isContiguous()) {
            xc = xc.contiguous();        // a strided copy, then vector lanes: the per-element scalar exp/erf costs far more
        }
        Tensor out = newTensor(compute, x.shape());
        int[] shape = x.shape();
        Strided p = Strided.plan(shape, new int[][] {out.strides(), xc.strides()}, new int[] {0, xc.offset()});
        int so = p.innerStride(0), sx = p.innerStride(1);
        if (compute == DType.F32) {
            float[] o = (float[]) arr(out), a = (float[]) arr(xc);
            float f0 = (float) p0, f1 = (float) p1;
            boolean simd = SimdSupport.ENABLED && ElementwiseSimd.supports(op);
            p.forEachRow((off, n) -> {
                int done = 0;
                if (simd && so == 1 && sx == 1) done = ElementwiseSimd.unary(op, a, off[1], o, off[0], n, f0, f1);
                for (int i = done; i < n; i++) o[off[0] + i * so] = (float) op.apply(a[off[1] + i * sx], p0, p1);
            });
        } else {
            double[] o = (double[]) arr(out), a = (double[]) arr(xc);
            p.forEachRow((off, n) -> {
                for (int i = 0; i < n; i++) o[off[0] + i * so] = op.apply(a[off[1] + i * sx], p0, p1);
            });
        }
        if (!in.isFloating() && keepsIntegers(op)) return out.to(in);
        return out;
    }

    // ------------------------------------------------------------------ binary

    static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        int[] shape = Shapes.broadcast(op.name().toLowerCase(), a.shape(), b.shape());
        DType result = DType.promote(a.dtype(), b.dtype());
        DType compute = result == DType.F32 ? DType.F32 : DType.F64;
        Tensor ac = a.dtype() == compute ? a : a.to(compute);
        Tensor bc = b.dtype() == compute ? b : b.to(compute);
        Tensor out = newTensor(compute, shape);
        Strided p = Strided.plan(shape, new int[][] {out.strides(), broadcastStrides(ac, shape), broadcastStrides(bc, shape)},
                new int[] {0, ac.offset(), bc.offset()});
        int so = p.innerStride(0), sa = p.innerStride(1), sb = p.innerStride(2);
        if (compute == DType.F32) {
            float[] o = (float[]) arr(out), x = (float[]) arr(ac), y = (float[]) arr(bc);
            boolean simd = SimdSupport.ENABLED && ElementwiseSimd.supports(op) && so == 1 && sa == 1 && (sb == 1 || sb == 0);
            p.forEachRow((off, n) -> {
                int done = simd ? ElementwiseSimd.binary(op, x, off[1], y, off[2], sb == 0, o, off[0], n) : 0;
                for (int i = done; i < n; i++) o[off[0] + i * so] = (float) op.apply(x[off[1] + i * sa], y[off[2] + i * sb]);
            });
        } else {
            double[] o = (double[]) arr(out), x = (double[]) arr(ac), y = (double[]) arr(bc);
            p.forEachRow((off, n) -> {
                for (int i = 0; i < n; i++) o[off[0] + i * so] = op.apply(x[off[1] + i * sa], y[off[2] + i * sb]);
            });
        }
        return result == compute ? out : out.to(result);
    }

    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        int[] shape = Shapes.broadcast("where", Shapes.broadcast("where", cond.shape(), a.shape()), b.shape());
        DType result = DType.promote(a.dtype(), b.dtype());
        DType compute = result == DType.F32 ? DType.F32 : DType.F64;
        Tensor cc = cond.to(DType.F64), ac = a.to(compute), bc = b.to(compute);
        Tensor out = newTensor(compute, shape);
        Strided p = Strided.plan(shape, new int[][] {out.strides(), broadcastStrides(cc, shape), broadcastStrides(ac, shape), broadcastStrides(bc, shape)},
                new int[] {0, cc.offset(), ac.offset(), bc.offset()});
        int so = p.innerStride(0), sc = p.innerStride(1), sa = p.innerStride(2), sb = p.innerStride(3);
        double[] c = (double[]) arr(cc);
        Object o = arr(out), x = arr(ac), y = arr(bc);
        p.forEachRow((off, n) -> {
            for (int i = 0; i < n; i++) {
                boolean take = c[off[1] + i * sc] != 0;
                double v = take ? get(x, compute, off[2] + i * sa) : get(y, compute, off[3] + i * sb);
                put(o, compute, off[0] + i * so, v);
            }
        });
        return result == compute ? out : out.to(result);
    }
}
