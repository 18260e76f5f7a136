package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * 2-D convolution on the CPU: float32 depthwise convolutions go to {@link DepthwiseConvCpu}, other float32
 * single-group ones to {@link DenseConvCpu} (one GEMM over the batch); the rest, and the reference both are
 * tested against, is im2col + GEMM per image and group:
 * {@code y[n, g] (Og, OH*OW) = W[g] (Og, Cg*kh*kw) @ cols (Cg*kh*kw, OH*OW)}. The im2col gather is
 * an index map computed once per geometry (input index or -1 for padding), so the same code
 * serves F32 and F64. The backward passes are the transposed products plus a scatter-add (col2im).
 */
final class ConvCpu {
    private ConvCpu() {}

    private record Geometry(int cg, int h, int w, int kh, int kw, ConvParams p) {}

    private static final Map<Geometry, int[]> INDEX = new ConcurrentHashMap<>();

    /** cols[r * ohw + q] reads x[idx] of the image-group slab (or 0 when idx < 0). */
    private static int[] indexMap(Geometry g, int oh, int ow) {
        if (INDEX.size() > 64) INDEX.clear();
        return INDEX.computeIfAbsent(g, k -> {
            int ohw = oh * ow;
            int[] map = new int[k.cg * k.kh * k.kw * ohw];
            ConvParams p = k.p;
            for (int c = 0; c < k.cg; c++)
                for (int ky = 0; ky < k.kh; ky++)
                    for (int kx = 0; kx < k.kw; kx++) {
                        int r = (c * k.kh + ky) * k.kw + kx;
                        for (int oy = 0; oy < oh; oy++) {
                            int iy = oy * p.strideH() - p.padH() + ky * p.dilationH();
                            for (int ox = 0; ox < ow; ox++) {
                                int ix = ox * p.strideW() - p.padW() + kx * p.dilationW();
                                boolean in = iy >= 0 && iy < k.h && ix >= 0 && ix < k.w;
                                map[r * ohw + oy * ow + ox] = in ? (c * k.h + iy) * k.w + ix : -1;
                            }
                        }
                    }
            return map;
        });
    }

    private record Dims(int n, int c, int h, int w, int o, int kh, int kw, int oh, int ow, int groups) {
        int cg() { return c / groups; }
        int og() { return o / groups; }
        int rows() { return cg() * kh * kw; }
        int ohw() { return oh * ow; }
    }

    private static Dims dims(int[] xs, int[] ws, ConvParams p) {
        int oh = ConvParams.outSize(xs[2], ws[2], p.strideH(), p.padH(), p.dilationH());
        int ow = ConvParams.outSize(xs[3], ws[3], p.strideW(), p.padW(), p.dilationW());
        return new Dims(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], oh, ow, p.groups());
    }

    private static void gemm(boolean ta, boolean tb, int m, int n, int k, Object a, int ao, int lda, Object b, int bo, int ldb, double beta, Object c, int co, int ldc) {
        if (a instanceof float[] fa) Sgemm.sgemm(ta, tb, m, n, k, 1f, fa, ao, lda, (float[]) b, bo, ldb, (float) beta, (float[]) c, co, ldc);
        else Dgemm.dgemm(ta, tb, m, n, k, 1.0, (double[]) a, ao, lda, (double[]) b, bo, ldb, beta, (double[]) c, co, ldc);
    }

    private static Object newArray(DType t, int n) { return t == DType.F32 ? new float[n] : new double[n]; }

    private static void im2col(Object x, int base, int[] map, Object cols) {
        if (x instanceof float[] f) {
            float[] c = (float[]) cols;
            for (int i = 0; i < map.length; i++) c[i] = map[i] < 0 ? 0f : f[base + map[i]];
        } else {
            double[] d = (double[]) x, c = (double[]) cols;
            for (int i = 0; i < map.length; i++) c[i] = map[i] < 0 ? 0.0 : d[base + map[i]];
        }
    }

    private static void col2imAdd(Object cols, int[] map, Object dx, int base) {
        if (dx instanceof float[] f) {
            float[] c = (float[]) cols;
            for (int i = 0; i < map.length; i++) if (map[i] >= 0) f[base + map[i]] += c[i];
        } else {
            double[] d = (double[]) dx, c = (double[]) cols;
            for (int i = 0; i < map.length; i++) if (map[i] >= 0) d[base + map[i]] += c[i];
        }
    }

    static Tensor conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        if (DepthwiseConvCpu.applies(x.dtype(), x.shape(), w.shape(), p) && w.dtype() == DType.F32
                && (bias == null || bias.dtype() == DType.F32)) {
            return DepthwiseConvCpu.forward(x, w, bias, p, false);
        }
        if (DenseConvCpu.applies(x.dtype(), w.dtype(), p) && (bias == null || bias.dtype() == DType.F32)) {
            return DenseConvCpu.forward(x, w, bias, p);
        }
        return reference(x, w, bias, p);
    }

    /** The im2col + GEMM forward for every dtype and grouping (the reference of {@link DepthwiseConvCpu}). */
    static Tensor reference(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        Tensor xc = x.contiguous(), wc = w.contiguous();
        Dims d = dims(x.shape(), w.shape(), p);
        int[] map = indexMap(new Geometry(d.cg(), d.h, d.w, d.kh, d.kw, p), d.oh, d.ow);
        Tensor out = ElementwiseCpu.newTensor(x.dtype(), new int[] {d.n, d.o, d.oh, d.ow});
        Object X = ElementwiseCpu.arr(xc), W = ElementwiseCpu.arr(wc), Y = ElementwiseCpu.arr(out);
        int xo = xc.offset(), wo = wc.offset();
        Parallel.forRange(d.n * d.groups, job -> {
            int n = job / d.groups, g = job % d.groups;
            Object cols = newArray(x.dtype(), map.length);
            im2col(X, xo + (n * d.c + g * d.cg()) * d.h * d.w, map, cols);
            gemm(false, false, d.og(), d.ohw(), d.rows(), W, wo + g * d.og() * d.rows(), d.rows(), cols, 0, d.ohw(), 0,
                    Y, (n * d.o + g * d.og()) * d.ohw(), d.ohw());
        });
        if (bias == null) return out;
        return out.add(bias.reshape(1, d.o, 1, 1));
    }

    static Tensor inputGrad(Tensor gy, Tensor w, int[] xShape, ConvParams p) {
        if (DepthwiseConvCpu.applies(gy.dtype(), xShape, w.shape(), p) && w.dtype() == DType.F32) {
            return DepthwiseConvCpu.inputGrad(gy, w, xShape, p);
        }
        if (DenseConvCpu.applies(gy.dtype(), w.dtype(), p)) return DenseConvCpu.inputGrad(gy, w, xShape, p);
        return inputGradReference(gy, w, xShape, p);
    }

    /** The GEMM + col2im input gradient (the reference of {@link DepthwiseConvCpu#inputGrad}). */
    static Tensor inputGradReference(Tensor gy, Tensor w, int[] xShape, ConvParams p) {
        Tensor gc = gy.contiguous(), wc = w.contiguous();
        Dims d = dims(xShape, w.shape(), p);
        int[] map = indexMap(new Geometry(d.cg(), d.h, d.w, d.kh, d.kw, p), d.oh, d.ow);
        Tensor dx = ElementwiseCpu.newTensor(gy.dtype(), xShape);
        Object G = ElementwiseCpu.arr(gc), W = ElementwiseCpu.arr(wc), DX = ElementwiseCpu.arr(dx);
        int go = gc.offset(), wo = wc.offset();
        Parallel.forRange(d.n * d.groups, job -> {
            int n = job / d.groups, g = job % d.groups;
            Object cols = newArray(gy.dtype(), map.length);
            // dcols (rows, ohw) = W_g^T (rows, Og) @ gy_g (Og, ohw)
            gemm(true, false, d.rows(), d.ohw(), d.og(), W, wo + g * d.og() * d.rows(), d.rows(),
                    G, go + (n * d.o + g * d.og()) * d.ohw(), d.ohw(), 0, cols, 0, d.ohw());
            col2imAdd(cols, map, DX, (n * d.c + g * d.cg()) * d.h * d.w);
        });
        return dx;
    }

    static Tensor weightGrad(Tensor gy, Tensor x, int[] wShape, ConvParams p) {
        if (DepthwiseConvCpu.applies(gy.dtype(), x.shape(), wShape, p) && x.dtype() == DType.F32) {
            return DepthwiseConvCpu.weightGrad(gy, x, wShape, p);
        }
        if (DenseConvCpu.applies(gy.dtype(), x.dtype(), p)) return DenseConvCpu.weightGrad(gy, x, wShape, p);
        return weightGradReference(gy, x, wShape, p);
    }

    /** The im2col + GEMM weight gradient (the reference of {@link DepthwiseConvCpu#weightGrad}). */
    static Tensor weightGradReference(Tensor gy, Tensor x, int[] wShape, ConvParams p) {
        Tensor gc = gy.contiguous(), xc = x.contiguous();
        Dims d = dims(x.shape(), wShape, p);
        int[] map = indexMap(new Geometry(d.cg(), d.h, d.w, d.kh, d.kw, p), d.oh, d.ow);
        Tensor dw = ElementwiseCpu.newTensor(gy.dtype(), wShape);
        Object G = ElementwiseCpu.arr(gc), X = ElementwiseCpu.arr(xc), DW = ElementwiseCpu.arr(dw);
        int go = gc.offset(), xo = xc.offset();
        // one partial dW per group, accumulated over images (groups in parallel, images in order: deterministic)
        Parallel.forRange(d.groups, g -> {
            Object cols = newArray(gy.dtype(), map.length);
            for (int n = 0; n < d.n; n++) {
                im2col(X, xo + (n * d.c + g * d.cg()) * d.h * d.w, map, cols);
                // dW_g (Og, rows) += gy_g (Og, ohw) @ cols^T (ohw, rows)
                gemm(false, true, d.og(), d.rows(), d.ohw(), G, go + (n * d.o + g * d.og()) * d.ohw(), d.ohw(),
                        cols, 0, d.ohw(), n == 0 ? 0 : 1, DW, g * d.og() * d.rows(), d.rows());
            }
        });
        return dw;
    }
}
