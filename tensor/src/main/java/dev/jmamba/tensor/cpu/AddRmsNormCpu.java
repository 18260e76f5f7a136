package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Checks;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import java.util.Arrays;

/**
 * Residual add + RMS norm over the last dim, forward and backward, each one pass over the rows
 * ({@link dev.jmamba.tensor.Backend#addRmsNorm}). Rows run in parallel; each row is loaded into
 * double arrays, computed there and stored back, so one code path serves F32 and F64. The weight gradient is summed per fixed chunk of {@value #ROWS_PER_CHUNK} rows, then
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
        Parallel.forBlocks(rows, Math.max(1, 4096 / Math.max(1, c)), (first, end) -> {
            double[] s = new double[c];                                          // one row of the sum, in double
            for (int r = first; r < end; r++) {
                int at = r * c;
                double ss = addRow(X, xo + at, R, ro + at, S, at, s, c);
                double rs = 1.0 / Math.sqrt(ss / c + eps);
                rstd[r] = rs;
                normRow(s, rs, w, Y, at, c);
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
            double[] xhat = new double[c], g = new double[c], extra = new double[c];   // one row, in double
            int end = Math.min(rows, (k + 1) * ROWS_PER_CHUNK);
            for (int r = k * ROWS_PER_CHUNK; r < end; r++) {
                int at = r * c;
                double rr = rs[r], dot = 0;
                load(S, so + at, xhat, c);
                load(GY, gyo + at, g, c);
                for (int i = 0; i < c; i++) xhat[i] *= rr;
                if (partial != null) for (int i = 0; i < c; i++) partial[k * c + i] += g[i] * xhat[i];
                if (w != null) for (int i = 0; i < c; i++) g[i] *= w[i];
                for (int i = 0; i < c; i++) dot += g[i] * xhat[i];
                double mean = dot / c;
                for (int i = 0; i < c; i++) g[i] = rr * (g[i] - xhat[i] * mean);
                if (GS != null) {
                    load(GS, gso + at, extra, c);
                    for (int i = 0; i < c; i++) g[i] += extra[i];
                }
                store(g, GX, at, c);
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

    /**
     * One row of the sum: S[so, so + n) = X[xo, ..) + R[ro, ..) (R null: X) in the arrays' dtype (an
     * F32 add rounds as the unfused add does), the same values as doubles in s[0, n); returns Σ s².
     */
    private static double addRow(Object X, int xo, Object R, int ro, Object S, int so, double[] s, int n) {
        double ss = 0;
        if (S instanceof float[] sf) {
            float[] xf = (float[]) X, rf = (float[]) R;
            for (int i = 0; i < n; i++) {
                float v = rf == null ? xf[xo + i] : xf[xo + i] + rf[ro + i];
                sf[so + i] = v;
                s[i] = v;
                ss += (double) v * v;
            }
        } else {
            double[] xd = (double[]) X, rd = (double[]) R, sd = (double[]) S;
            for (int i = 0; i < n; i++) {
                double v = rd == null ? xd[xo + i] : xd[xo + i] + rd[ro + i];
                sd[so + i] = v;
                s[i] = v;
                ss += v * v;
            }
        }
        return ss;
    }

    /** Y[yo, yo + n) = s · rs · w (w null: s · rs), rounded to Y's dtype (F32 or F64). */
    private static void normRow(double[] s, double rs, double[] w, Object Y, int yo, int n) {
        if (Y instanceof float[] yf) {
            for (int i = 0; i < n; i++) yf[yo + i] = (float) (w == null ? s[i] * rs : s[i] * rs * w[i]);
        } else {
            double[] yd = (double[]) Y;
            for (int i = 0; i < n; i++) yd[yo + i] = w == null ? s[i] * rs : s[i] * rs * w[i];
        }
    }

    /** dst[0, n) = src[off, off + n) of an F32 or F64 array. */
    private static void load(Object src, int off, double[] dst, int n) {
        if (src instanceof float[] f) for (int i = 0; i < n; i++) dst[i] = f[off + i];
        else System.arraycopy((double[]) src, off, dst, 0, n);
    }

    /** dst[off, off + n) = src[0, n), rounded to the F32 or F64 array. */
    private static void store(double[] src, Object dst, int off, int n) {
        if (dst instanceof float[] f) for (int i = 0; i < n; i++) f[off + i] = (float) src[i];
        else System.arraycopy(src, 0, (double[]) dst, off, n);
    }
}
