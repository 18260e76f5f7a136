package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;

/** Fused layer-norm and RMS-norm forward over the last dim (statistics in double). */
final class NormCpu {
    private NormCpu() {}

    private static double[] vec(Tensor t, int c, String op) {
        if (t == null) return null;
        if (t.rank() != 1 || t.size(0) != c) throw new TensorException.Shape(op, "a (" + c + ",) parameter", java.util.Arrays.toString(t.shape()));
        return t.toDoubleArray();
    }

    static Tensor[] layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        return x.dtype() == DType.F64 ? layerNormAnyType(x, weight, bias, eps) : layerNormF32(x.to(DType.F32), weight, bias, eps);
    }

    /**
     * {@link #layerNormAnyType} on float arrays without the per-element dtype dispatch: the same operations in the
     * same order (statistics and output in double, rounded once), so the same bits.
     */
    static Tensor[] layerNormF32(Tensor x, Tensor weight, Tensor bias, double eps) {
        int c = x.size(-1);
        Tensor xc = x.contiguous();
        double[] w = vec(weight, c, "layerNorm"), b = vec(bias, c, "layerNorm");
        int rows = c == 0 ? 0 : xc.numel() / c;
        Tensor y = ElementwiseCpu.newTensor(DType.F32, x.shape());
        double[] mean = new double[rows], rstd = new double[rows];
        float[] X = (float[]) ElementwiseCpu.arr(xc), Y = (float[]) ElementwiseCpu.arr(y);
        int xo = xc.offset();
        Parallel.forRange(rows, Math.max(1, 1024 / Math.max(1, c)), r -> {
            int s = xo + r * c;
            double m = 0;
            for (int i = 0; i < c; i++) m += X[s + i];
            m /= c;
            double v = 0;
            for (int i = 0; i < c; i++) { double d = X[s + i] - m; v += d * d; }
            double rs = 1.0 / Math.sqrt(v / c + eps);
            mean[r] = m;
            rstd[r] = rs;
            for (int i = 0; i < c; i++) {
                double o = (X[s + i] - m) * rs;
                if (w != null) o *= w[i];
                if (b != null) o += b[i];
                Y[r * c + i] = (float) o;
            }
        });
        int[] statShape = java.util.Arrays.copyOf(x.shape(), x.rank() - 1);
        return new Tensor[] {y, Tensor.of(mean, statShape).to(DType.F32), Tensor.of(rstd, statShape).to(DType.F32)};
    }

    /** The layer norm for float32 or float64 through {@link ElementwiseCpu#get}/{@code put} (the F32 path's reference). */
    static Tensor[] layerNormAnyType(Tensor x, Tensor weight, Tensor bias, double eps) {
        int c = x.size(-1);
        DType t = x.dtype() == DType.F64 ? DType.F64 : DType.F32;
        Tensor xc = x.to(t).contiguous();
        double[] w = vec(weight, c, "layerNorm"), b = vec(bias, c, "layerNorm");
        int rows = c == 0 ? 0 : xc.numel() / c;
        Tensor y = ElementwiseCpu.newTensor(t, x.shape());
        double[] mean = new double[rows], rstd = new double[rows];
        Object X = ElementwiseCpu.arr(xc), Y = ElementwiseCpu.arr(y);
        int xo = xc.offset();
        Parallel.forRange(rows, Math.max(1, 1024 / Math.max(1, c)), r -> {
            int s = xo + r * c;
            double m = 0;
            for (int i = 0; i < c; i++) m += ElementwiseCpu.get(X, t, s + i);
            m /= c;
            double v = 0;
            for (int i = 0; i < c; i++) { double d = ElementwiseCpu.get(X, t, s + i) - m; v += d * d; }
            double rs = 1.0 / Math.sqrt(v / c + eps);
            mean[r] = m;
            rstd[r] = rs;
            for (int i = 0; i < c; i++) {
                double o = (ElementwiseCpu.get(X, t, s + i) - m) * rs;
                if (w != null) o *= w[i];
                if (b != null) o += b[i];
                ElementwiseCpu.put(Y, t, r * c + i, o);
            }
        });
        int[] statShape = java.util.Arrays.copyOf(x.shape(), x.rank() - 1);
        return new Tensor[] {y, Tensor.of(mean, statShape).to(t), Tensor.of(rstd, statShape).to(t)};
    }

    static Tensor[] rmsNorm(Tensor x, Tensor weight, double eps) {
        int c = x.size(-1);
        DType t = x.dtype() == DType.F64 ? DType.F64 : DType.F32;
        Tensor xc = x.to(t).contiguous();
        double[] w = vec(weight, c, "rmsNorm");
        int rows = c == 0 ? 0 : xc.numel() / c;
        Tensor y = ElementwiseCpu.newTensor(t, x.shape());
        double[] rstd = new double[rows];
        Object X = ElementwiseCpu.arr(xc), Y = ElementwiseCpu.arr(y);
        int xo = xc.offset();
        Parallel.forRange(rows, Math.max(1, 1024 / Math.max(1, c)), r -> {
            int s = xo + r * c;
            double ss = 0;
            for (int i = 0; i < c; i++) { double v = ElementwiseCpu.get(X, t, s + i); ss += v * v; }
            double rs = 1.0 / Math.sqrt(ss / c + eps);
            rstd[r] = rs;
            for (int i = 0; i < c; i++) {
                double o = ElementwiseCpu.get(X, t, s + i) * rs;
                if (w != null) o *= w[i];
                ElementwiseCpu.put(Y, t, r * c + i, o);
            }
        });
        int[] statShape = java.util.Arrays.copyOf(x.shape(), x.rank() - 1);
        return new Tensor[] {y, Tensor.of(rstd, statShape).to(t)};
    }
}
