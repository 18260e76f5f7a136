package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.InterpolateMode;
import dev.jmamba.tensor.Tensor;

/**
 * Pooling and interpolation on (N, C, H, W), written as separable per-axis weight tables:
 * {@code out[oy][ox] = Σ wy[oy][a] · wx[ox][b] · in[iy[oy][a]][ix[ox][b]]}; the backward pass
 * scatters with the same tables. All math in double.
 */
final class ResampleCpu {
    private ResampleCpu() {}

    /** For each output coordinate: input indices and weights (same count per output). */
    private record Taps(int[][] index, double[][] weight) {}

    private static final double CUBIC_A = -0.75; // PyTorch's bicubic coefficient

    private static double cubic1(double x) { return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1; }       // |x| <= 1
    private static double cubic2(double x) { return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A; } // 1 < |x| < 2

    private static Taps interpTaps(int in, int out, InterpolateMode mode, boolean alignCorners) {
        int[][] idx = new int[out][];
        double[][] w = new double[out][];
        double scale = alignCorners ? (out > 1 ? (in - 1) / (double) (out - 1) : 0) : in / (double) out;
        for (int o = 0; o < out; o++) {
            switch (mode) {
                case NEAREST -> {
                    idx[o] = new int[] {Math.min((int) Math.floor(o * (in / (double) out)), in - 1)};
                    w[o] = new double[] {1};
                }
                case BILINEAR -> {
                    double src = alignCorners ? o * scale : Math.max(0, (o + 0.5) * scale - 0.5);
                    int i0 = Math.min((int) Math.floor(src), in - 1), i1 = Math.min(i0 + 1, in - 1);
                    double l = src - i0;
                    idx[o] = new int[] {i0, i1};
                    w[o] = new double[] {1 - l, l};
                }
                case BICUBIC -> {
                    double src = alignCorners ? o * scale : (o + 0.5) * scale - 0.5;
                    int i = (int) Math.floor(src);
                    double t = src - i;
                    idx[o] = new int[4];
                    for (int k = 0; k < 4; k++) idx[o][k] = Math.min(Math.max(i - 1 + k, 0), in - 1);
                    w[o] = new double[] {cubic2(t + 1), cubic1(t), cubic1(1 - t), cubic2(2 - t)};
                }
            }
        }
        return new Taps(idx, w);
    }

    /** Average pooling taps (count_include_pad: taps outside the input are dropped but the divisor stays k). */
    private static Taps poolTaps(int in, int out, int k, int stride, int pad) {
        int[][] idx = new int[out][];
        double[][] w = new double[out][];
        for (int o = 0; o < out; o++) {
            int start = o * stride - pad;
            int lo = Math.max(start, 0), hi = Math.min(start + k, in);
            int n = Math.max(0, hi - lo);
            idx[o] = new int[n];
            w[o] = new double[n];
            for (int j = 0; j < n; j++) { idx[o][j] = lo + j; w[o][j] = 1.0 / k; }
        }
        return new Taps(idx, w);
    }

    private static Taps adaptiveTaps(int in, int out) {
        int[][] idx = new int[out][];
        double[][] w = new double[out][];
        for (int o = 0; o < out; o++) {
            int lo = (int) Math.floor(o * (double) in / out), hi = (int) Math.ceil((o + 1) * (double) in / out);
            idx[o] = new int[hi - lo];
            w[o] = new double[hi - lo];
            for (int j = 0; j < hi - lo; j++) { idx[o][j] = lo + j; w[o][j] = 1.0 / (hi - lo); }
        }
        return new Taps(idx, w);
    }

    private static Tensor apply(Tensor x, Taps ty, Taps tx) {
        int[] s = x.shape();
        int planes = s[0] * s[1], h = s[2], w = s[3], oh = ty.index.length, ow = tx.index.length;
        DType t = x.dtype() == DType.F64 ? DType.F64 : DType.F32;
        Tensor xc = x.to(t).contiguous();
        Tensor out = ElementwiseCpu.newTensor(t, new int[] {s[0], s[1], oh, ow});
        Object X = ElementwiseCpu.arr(xc), O = ElementwiseCpu.arr(out);
        int xo = xc.offset();
        Parallel.forRange(planes, pl -> {
            int ib = xo + pl * h * w, ob = pl * oh * ow;
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double acc = 0;
                    for (int a = 0; a < ty.index[oy].length; a++)
                        for (int b = 0; b < tx.index[ox].length; b++)
                            acc += ty.weight[oy][a] * tx.weight[ox][b] * ElementwiseCpu.get(X, t, ib + ty.index[oy][a] * w + tx.index[ox][b]);
                    ElementwiseCpu.put(O, t, ob + oy * ow + ox, acc);
                }
        });
        return out;
    }

    private static Tensor applyBackward(Tensor gy, int[] xShape, Taps ty, Taps tx) {
        int planes = xShape[0] * xShape[1], h = xShape[2], w = xShape[3], oh = ty.index.length, ow = tx.index.length;
        DType t = gy.dtype() == DType.F64 ? DType.F64 : DType.F32;
        Tensor gc = gy.to(t).contiguous();
        double[] acc = new double[planes * h * w];
        Object G = ElementwiseCpu.arr(gc);
        int go = gc.offset();
        Parallel.forRange(planes, pl -> {
            int ib = pl * h * w, ob = go + pl * oh * ow;
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double g = ElementwiseCpu.get(G, t, ob + oy * ow + ox);
                    for (int a = 0; a < ty.index[oy].length; a++)
                        for (int b = 0; b < tx.index[ox].length; b++)
                            acc[ib + ty.index[oy][a] * w + tx.index[ox][b]] += ty.weight[oy][a] * tx.weight[ox][b] * g;
                }
        });
        return Tensor.of(acc, xShape).to(t);
    }

    static Tensor interpolate(Tensor x, int oh, int ow, InterpolateMode mode, boolean alignCorners) {
        return apply(x, interpTaps(x.size(2), oh, mode, alignCorners), interpTaps(x.size(3), ow, mode, alignCorners));
    }

    static Tensor interpolateBackward(Tensor gy, int[] xShape, InterpolateMode mode, boolean alignCorners) {
        return applyBackward(gy, xShape, interpTaps(xShape[2], gy.size(2), mode, alignCorners), interpTaps(xShape[3], gy.size(3), mode, alignCorners));
    }

    static int poolOut(int in, int k, int stride, int pad) { return (in + 2 * pad - k) / stride + 1; }

    static Tensor avgPool(Tensor x, int kh, int kw, int sh, int sw, int ph, int pw) {
        return apply(x, poolTaps(x.size(2), poolOut(x.size(2), kh, sh, ph), kh, sh, ph), poolTaps(x.size(3), poolOut(x.size(3), kw, sw, pw), kw, sw, pw));
    }

    static Tensor avgPoolBackward(Tensor gy, int[] xShape, int kh, int kw, int sh, int sw, int ph, int pw) {
        return applyBackward(gy, xShape, poolTaps(xShape[2], gy.size(2), kh, sh, ph), poolTaps(xShape[3], gy.size(3), kw, sw, pw));
    }

    static Tensor adaptiveAvgPool(Tensor x, int oh, int ow) {
        return apply(x, adaptiveTaps(x.size(2), oh), adaptiveTaps(x.size(3), ow));
    }

    static Tensor adaptiveAvgPoolBackward(Tensor gy, int[] xShape) {
        return applyBackward(gy, xShape, adaptiveTaps(xShape[2], gy.size(2)), adaptiveTaps(xShape[3], gy.size(3)));
    }
}
