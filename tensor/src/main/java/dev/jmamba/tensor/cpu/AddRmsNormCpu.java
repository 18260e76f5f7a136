package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.Checks;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import java.util.Arrays;

/**
 * Residual add + RMS norm over the last dim, forward and backward, each one pass over the rows
 * ({@link dev.jmamba.tensor.Backend#addRmsNorm}). Rows run in parallel, each in two loops that
 * read the F32 or F64 arrays, compute in double (a scratch row keeps what the second loop needs)
 * and write rounded results. The weight gradient is summed per fixed chunk of
 * {@value #ROWS_PER_CHUNK} rows, then over the chunks in order, so it does not depend on the
 * thread count.
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
            double[] xhat = new double[c], g = new double[c];   // one row, in double
            double[] part = partial == null ? null : new double[c];
            int end = Math.min(rows, (k + 1) * ROWS_PER_CHUNK);
            for (int r = k * ROWS_PER_CHUNK; r < end; r++) {
                int at = r * c;
                double dot = scaledRow(S, so + at, GY, gyo + at, rs[r], w, xhat, g, part, c);
                gradRow(xhat, g, rs[r], dot / c, GS, gso + at, GX, at, c);
            }
            if (part != null) System.arraycopy(part, 0, partial, k * c, c);
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

    /**
     * First pass of one backward row: xhat = S[so, ..) · rstd and g = GY[gyo, ..) · w (w null: GY)
     * into xhat[0, n) and g[0, n); part (or null) += GY · xhat. Returns Σ g · xhat.
     */
    private static double scaledRow(Object S, int so, Object GY, int gyo, double rstd, double[] w, double[] xhat, double[] g,
                                    double[] part, int n) {
        double dot = 0;
        for (int i = 0; i < n; i++) {
            double xh = (S instanceof float[] sf ? sf[so + i] : ((double[]) S)[so + i]) * rstd;
            double gy = GY instanceof float[] gf ? gf[gyo + i] : ((double[]) GY)[gyo + i];
            if (part != null) part[i] += gy * xh;
            double gi = w == null ? gy : gy * w[i];
            xhat[i] = xh;
            g[i] = gi;
            dot += gi * xh;
        }
        return dot;
    }

    /** Second pass: GX[gxo, gxo + n) = rstd · (g − xhat · mean) + GS[gso, ..) (GS null: no term), rounded to GX's dtype. */
    private static void gradRow(double[] xhat, double[] g, double rstd, double mean, Object GS, int gso, Object GX, int gxo, int n) {
        for (int i = 0; i < n; i++) {
            double o = rstd * (g[i] - xhat[i] * mean);
            if (GS != null) o += GS instanceof float[] sf ? sf[gso + i] : ((double[]) GS)[gso + i];
            if (GX instanceof float[] xf) xf[gxo + i] = (float) o;
            else ((double[]) GX)[gxo + i] = o;
        }
    }
}
