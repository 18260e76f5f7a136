package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Checks;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;

/**
 * Layer norm over the last dim gated by SiLU(z), forward and backward ({@link dev.jmamba.tensor.Backend#layerNormGated}),
 * in double per row. The weight and bias gradients are summed per fixed chunk of {@value AddRmsNormCpu#ROWS_PER_CHUNK}
 * rows, then over the chunks in order, so they do not depend on the thread count. BF16 x (autocast's activations)
 * reads x and z as bf16 and writes y as bf16 (rounded once); statistics, gy and gradients are float32.
 */
final class LayerNormGatedCpu {
    private LayerNormGatedCpu() {}

    static double sigmoid(double z) { return 1 / (1 + Math.exp(-z)); }

    private static double[] doubles(Tensor t) { return t == null ? null : t.toDoubleArray(); }

    /** x, z (..., C), weight/bias (C) or null → {y, mean, rstd}. */
    static Tensor[] forward(Tensor x, Tensor weight, Tensor bias, Tensor z, double eps) {
        Checks.layerNormGated(x, weight, bias, z);
        DType t = x.dtype(), st = t.computeType();                         // x, z and y in t; mean and rstd in st
        int c = x.size(-1);
        Tensor xc = x.contiguous(), zc = z.to(t).contiguous();
        double[] w = doubles(weight), b = doubles(bias);
        int rows = c == 0 ? 0 : xc.numel() / c;
        Tensor y = ElementwiseCpu.newTensor(t, x.shape());
        double[] mean = new double[rows], rstd = new double[rows];
        Object X = ElementwiseCpu.arr(xc), Z = ElementwiseCpu.arr(zc), Y = ElementwiseCpu.arr(y);
        int xo = xc.offset(), zo = zc.offset();
        Parallel.forRange(rows, Math.max(1, 1024 / Math.max(1, c)), r -> {
            int s = r * c;
            double m = 0, v = 0;
            for (int i = 0; i < c; i++) m += ElementwiseCpu.get(X, t, xo + s + i);
            m /= c;
            for (int i = 0; i < c; i++) { double d = ElementwiseCpu.get(X, t, xo + s + i) - m; v += d * d; }
            double rs = 1.0 / Math.sqrt(v / c + eps);
            mean[r] = m;
            rstd[r] = rs;
            for (int i = 0; i < c; i++) {
                double o = (ElementwiseCpu.get(X, t, xo + s + i) - m) * rs * (w == null ? 1 : w[i]) + (b == null ? 0 : b[i]);
                double zv = ElementwiseCpu.get(Z, t, zo + s + i);
                ElementwiseCpu.put(Y, t, s + i, o * zv * sigmoid(zv));
            }
        });
        int[] statShape = java.util.Arrays.copyOf(x.shape(), x.rank() - 1);
        return new Tensor[] {y, Tensor.of(mean, statShape).to(st), Tensor.of(rstd, statShape).to(st)};
    }

    /** See {@link dev.jmamba.tensor.Backend#layerNormGatedBackward}: {gx, gWeight, gBias, gz}, each possibly null. */
    static Tensor[] backward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias, Tensor z,
                             boolean inputGrad, boolean paramGrads, boolean gateGrad) {
        Checks.layerNormGatedBackward(gy, x, mean, rstd, weight, bias, z);
        DType xt = x.dtype(), t = xt.computeType();                        // x, z in xt; gy and the gradients in t
        int c = x.size(-1);
        Tensor xc = x.contiguous(), gyc = gy.to(t).contiguous(), zc = z.to(xt).contiguous();
        double[] w = doubles(weight), b = doubles(bias), ms = mean.toDoubleArray(), rs = rstd.toDoubleArray();
        int rows = c == 0 ? 0 : xc.numel() / c;
        Tensor gx = inputGrad ? ElementwiseCpu.newTensor(t, x.shape()) : null, gz = gateGrad ? ElementwiseCpu.newTensor(t, x.shape()) : null;
        int chunk = AddRmsNormCpu.ROWS_PER_CHUNK, chunks = Math.ceilDiv(rows, chunk);
        double[] partial = paramGrads ? new double[chunks * 2 * c] : null;   // (chunks, 2C): weight then bias
        Object X = ElementwiseCpu.arr(xc), GY = ElementwiseCpu.arr(gyc), Z = ElementwiseCpu.arr(zc);
        Object GX = gx == null ? null : ElementwiseCpu.arr(gx), GZ = gz == null ? null : ElementwiseCpu.arr(gz);
        int xo = xc.offset(), gyo = gyc.offset(), zo = zc.offset();
        Parallel.forRange(chunks, Math.max(1, 4096 / Math.max(1, chunk * c)), k -> {
            double[] xhat = new double[c], g = new double[c];
            int end = Math.min(rows, (k + 1) * chunk);
            for (int r = k * chunk; r < end; r++) {
                int at = r * c;
                double gSum = 0, dot = 0;
                for (int i = 0; i < c; i++) {
                    double xh = (ElementwiseCpu.get(X, xt, xo + at + i) - ms[r]) * rs[r], wi = w == null ? 1 : w[i];
                    double zv = ElementwiseCpu.get(Z, xt, zo + at + i), sg = sigmoid(zv), gyv = ElementwiseCpu.get(GY, t, gyo + at + i);
                    if (GZ != null) {
                        double ln = xh * wi + (b == null ? 0 : b[i]);
                        ElementwiseCpu.put(GZ, t, at + i, gyv * ln * sg * (1 + zv * (1 - sg)));
                    }
                    double gys = gyv * zv * sg;
                    if (partial != null) {
                        partial[(k * 2) * c + i] += gys * xh;
                        partial[(k * 2 + 1) * c + i] += gys;
                    }
                    xhat[i] = xh;
                    g[i] = gys * wi;
                    gSum += g[i];
                    dot += g[i] * xh;
                }
                if (GX == null) continue;
                double meanG = gSum / c, meanGx = dot / c;
                for (int i = 0; i < c; i++) ElementwiseCpu.put(GX, t, at + i, rs[r] * (g[i] - meanG - xhat[i] * meanGx));
            }
        });
        Tensor gw = null, gb = null;
        if (paramGrads) {
            double[] sw = new double[c], sb = new double[c];
            for (int k = 0; k < chunks; k++) {
                for (int i = 0; i < c; i++) {
                    sw[i] += partial[(k * 2) * c + i];
                    sb[i] += partial[(k * 2 + 1) * c + i];
                }
            }
            gw = Tensor.of(sw, c).to(t);
            gb = Tensor.of(sb, c).to(t);
        }
        return new Tensor[] {gx, gw, gb, gz};
    }
}
