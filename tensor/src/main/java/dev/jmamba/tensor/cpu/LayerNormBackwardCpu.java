package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Checks;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;

/**
 * LayerNorm backward over the last dim in one pass over the rows ({@link dev.jmamba.tensor.Backend#layerNormBackward}).
 * Each row is read twice (statistics of g = gy·w and g·x̂, then gx), in double; the weight and bias
 * gradients are summed per fixed chunk of {@value AddRmsNormCpu#ROWS_PER_CHUNK} rows, then over
 * the chunks in order, so they do not depend on the thread count.
 */
final class LayerNormBackwardCpu {
    private LayerNormBackwardCpu() {}

    /** gy, x (..., C), mean and rstd (...), weight (C) or null → {gx or null, gWeight or null, gBias or null}. */
    static Tensor[] backward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, boolean inputGrad, boolean paramGrads) {
        Checks.layerNormBackward(gy, x, mean, rstd, weight);
        DType t = x.dtype();
        int c = x.size(-1);
        Tensor xc = x.contiguous(), gyc = gy.to(t).contiguous();
        double[] w = weight == null ? null : weight.toDoubleArray();
        double[] ms = mean.toDoubleArray(), rs = rstd.toDoubleArray();
        int rows = c == 0 ? 0 : xc.numel() / c;
        Tensor gx = inputGrad ? ElementwiseCpu.newTensor(t, x.shape()) : null;
        int chunk = AddRmsNormCpu.ROWS_PER_CHUNK, chunks = Math.ceilDiv(rows, chunk);
        double[] partial = paramGrads ? new double[chunks * 2 * c] : null;   // (chunks, 2C): weight then bias
        Object X = ElementwiseCpu.arr(xc), GY = ElementwiseCpu.arr(gyc), GX = gx == null ? null : ElementwiseCpu.arr(gx);
        int xo = xc.offset(), gyo = gyc.offset();
        Parallel.forRange(chunks, Math.max(1, 4096 / Math.max(1, chunk * c)), k -> {
            double[] xhat = new double[c], g = new double[c];
            int end = Math.min(rows, (k + 1) * chunk);
            for (int r = k * chunk; r < end; r++) {
                int at = r * c;
                double gSum = 0, dot = 0;
                for (int i = 0; i < c; i++) {
                    double xh = (value(X, xo + at + i) - ms[r]) * rs[r];
                    double gyi = value(GY, gyo + at + i);
                    if (partial != null) {
                        partial[(k * 2) * c + i] += gyi * xh;
                        partial[(k * 2 + 1) * c + i] += gyi;
                    }
                    double gi = w == null ? gyi : gyi * w[i];
                    xhat[i] = xh;
                    g[i] = gi;
                    gSum += gi;
                    dot += gi * xh;
                }
                if (GX == null) continue;
                double meanG = gSum / c, meanGx = dot / c;
                for (int i = 0; i < c; i++) {
                    double o = rs[r] * (g[i] - meanG - xhat[i] * meanGx);
                    if (GX instanceof float[] f) f[at + i] = (float) o;
                    else ((double[]) GX)[at + i] = o;
                }
            }
        });
        if (!paramGrads) return new Tensor[] {gx, null, null};
        double[] gw = new double[c], gb = new double[c];
        for (int k = 0; k < chunks; k++) {
            for (int i = 0; i < c; i++) {
                gw[i] += partial[(k * 2) * c + i];
                gb[i] += partial[(k * 2 + 1) * c + i];
            }
        }
        return new Tensor[] {gx, Tensor.of(gw, c).to(t), Tensor.of(gb, c).to(t)};
    }

    private static double value(Object a, int i) { return a instanceof float[] f ? f[i] : ((double[]) a)[i]; }
}
