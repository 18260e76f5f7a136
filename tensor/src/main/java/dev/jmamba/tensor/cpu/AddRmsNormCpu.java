package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Checks;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import java.util.Arrays;

/**
 * Residual add + RMS norm over the last dim, forward and backward, each one pass over the rows
 * ({@link dev.jmamba.tensor.Backend#addRmsNorm}). Rows run in parallel; row statistics are in
 * double. The weight gradient is summed per fixed chunk of {@value #ROWS_PER_CHUNK} rows, then
 * over the chunks in order, so it does not depend on the thread count.
 */
final class AddRmsNormCpu {
    /** Rows whose weight-gradient contributions share one partial sum. */
    static final int ROWS_PER_CHUNK = 32;

    private AddRmsNormCpu() {}

    /** x, residual (..., C), weight (C) or null → {y, sum, rstd}. */
    static Tensor[] forward(Tensor x, Tensor residual, Tensor weight, double eps) {
        DType t = Checks.addRmsNorm(x, residual, weight);
        int c = x.size(-1);
        Tensor xc = x.to(t).contiguous();
        Tensor rc = residual == null ? null : residual.to(t).contiguous();
        double[] w = weight == null ? null : weight.toDoubleArray();
        int rows = c == 0 ? 0 : xc.numel() / c;
        Tensor y = ElementwiseCpu.newTensor(t, x.shape()), sum = ElementwiseCpu.newTensor(t, x.shape());
        double[] rstd = new double[rows];
        Object X = ElementwiseCpu.arr(xc), R = rc == null ? null : ElementwiseCpu.arr(rc);
        Object Y = ElementwiseCpu.arr(y), S = ElementwiseCpu.arr(sum);
        int xo = xc.offset(), ro = rc == null ? 0 : rc.offset();
        Parallel.forRange(rows, Math.max(1, 1024 / Math.max(1, c)), r -> {
            int at = r * c;
            double ss = 0;
            for (int i = 0; i < c; i++) {
                double v = ElementwiseCpu.get(X, t, xo + at + i);
                if (R != null) v += ElementwiseCpu.get(R, t, ro + at + i);
                ElementwiseCpu.put(S, t, at + i, v);
                double s = ElementwiseCpu.get(S, t, at + i);   // rounded to t, as the unfused add
                ss += s * s;
            }
            double rs = 1.0 / Math.sqrt(ss / c + eps);
            rstd[r] = rs;
            for (int i = 0; i < c; i++) {
                double o = ElementwiseCpu.get(S, t, at + i) * rs;
                if (w != null) o *= w[i];
                ElementwiseCpu.put(Y, t, at + i, o);
            }
        });
        int[] statShape = Arrays.copyOf(x.shape(), x.rank() - 1);
        return new Tensor[] {y, sum, Tensor.of(rstd, statShape).to(t)};
    }

    /** gy, gSum (or null), sum (..., C), rstd (...), weight (C) or null → {gSumTotal, gWeight or null}. */
    static Tensor[] backward(Tensor gy, Tensor gSum, Tensor sum, Tensor rstd, Tensor weight, boolean weightGrad) {
        Checks.addRmsNormBackward(gy, gSum, sum, rstd, weight);
        DType t = sum.dtype();
        int c = sum.size(-1);
        Tensor sc = sum.contiguous(), gyc = gy.to(t).contiguous(), gsc = gSum == null ? null : gSum.to(t).contiguous();
        double[] w = weight == null ? null : weight.toDoubleArray();
        double[] rs = rstd.toDoubleArray();
        int rows = c == 0 ? 0 : sc.numel() / c;
        Tensor gx = ElementwiseCpu.newTensor(t, sum.shape());
        boolean wantWeight = weightGrad && weight != null;
        int chunks = Math.ceilDiv(rows, ROWS_PER_CHUNK);
        double[] partial = wantWeight ? new double[chunks * c] : null;   // (chunks, C)
        Object S = ElementwiseCpu.arr(sc), GY = ElementwiseCpu.arr(gyc), GS = gsc == null ? null : ElementwiseCpu.arr(gsc);
        Object GX = ElementwiseCpu.arr(gx);
        int so = sc.offset(), gyo = gyc.offset(), gso = gsc == null ? 0 : gsc.offset();
        Parallel.forRange(chunks, Math.max(1, 4096 / Math.max(1, ROWS_PER_CHUNK * c)), k -> {
            int end = Math.min(rows, (k + 1) * ROWS_PER_CHUNK);
            for (int r = k * ROWS_PER_CHUNK; r < end; r++) {
                int at = r * c;
                double rr = rs[r], dot = 0;
                for (int i = 0; i < c; i++) {
                    double g = ElementwiseCpu.get(GY, t, gyo + at + i), xhat = ElementwiseCpu.get(S, t, so + at + i) * rr;
                    if (partial != null) partial[k * c + i] += g * xhat;
                    if (w != null) g *= w[i];
                    dot += g * xhat;
                }
                double mean = dot / c;
                for (int i = 0; i < c; i++) {
                    double g = ElementwiseCpu.get(GY, t, gyo + at + i), xhat = ElementwiseCpu.get(S, t, so + at + i) * rr;
                    if (w != null) g *= w[i];
                    double o = rr * (g - xhat * mean);
                    if (GS != null) o += ElementwiseCpu.get(GS, t, gso + at + i);
                    ElementwiseCpu.put(GX, t, at + i, o);
                }
            }
        });
        Tensor gw = null;
        if (wantWeight) {
            double[] total = new double[c];
            for (int k = 0; k < chunks; k++) for (int i = 0; i < c; i++) total[i] += partial[k * c + i];
            gw = Tensor.of(total, c).to(t);
        }
        return new Tensor[] {gx, gw};
    }
}
