package dev.jmamba.tensor.testing;

import static dev.jmamba.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import org.junit.jupiter.api.Test;

/**
 * Conformance suite for the channels-first layer norm ({@code Backend.layerNormChannels}, normalising dim 1 of
 * (N, C, M) with an optional (N, M) scale) and its backward, against a float64 reference written as plain loops
 * (the backward fed the mean and rstd the backend's own forward returned). Inputs uniform in [-1, 1).
 *
 * <p>Tolerances as in {@link BackendContractLayerNormTest}: F64 differs only in summation order (1e-12 absolute,
 * 1e-10 relative; the weight/bias sums over N·M columns 1e-13 per column). F32: the reference sees the F32-rounded
 * inputs and statistics; what remains is the F32 rounding of each output (~6e-8 relative) on values ≲ 10, so 1e-5;
 * sums add one such error per term (1e-7 per column for gWeight/gBias, per channel for gScale).
 */
public abstract class BackendContractLayerNormChannelsTest {
    protected abstract Device device();

    private final RandomTensors rnd = new RandomTensors(91);

    /** (N, C, M): one element, sub-warp, M past one CPU tile (256) and uneven, wide C, many columns (64 weight-gradient parts). */
    private static final int[][] SHAPES = {{1, 1, 1}, {2, 5, 7}, {3, 33, 300}, {5, 300, 3}, {3, 4, 30000}};

    private static final double EPS = 1e-6;

    private double[] values(DType dt, int... shape) {
        double[] v = rnd.values(shape);
        if (dt == DType.F32) for (int i = 0; i < v.length; i++) v[i] = (float) v[i];
        return v;
    }

    private Tensor t(double[] v, DType dt, int... shape) { return RandomTensors.tensor(v, dt, device(), shape); }

    /** {y, mean, rstd} in plain loops. */
    static double[][] forwardReference(double[] x, double[] w, double[] b, double[] s, int n, int c, int m) {
        double[] y = new double[n * c * m], mean = new double[n * m], rstd = new double[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double mu = 0, v = 0;
                for (int ch = 0; ch < c; ch++) mu += x[(i * c + ch) * m + j];
                mu /= c;
                for (int ch = 0; ch < c; ch++) v += Math.pow(x[(i * c + ch) * m + j] - mu, 2);
                double r = 1 / Math.sqrt(v / c + EPS);
                mean[i * m + j] = mu;
                rstd[i * m + j] = r;
                for (int ch = 0; ch < c; ch++) {
                    int k = (i * c + ch) * m + j;
                    double o = (x[k] - mu) * r * (w == null ? 1 : w[ch]) + (b == null ? 0 : b[ch]);
                    y[k] = o * (s == null ? 1 : s[i * m + j]);
                }
            }
        }
        return new double[][] {y, mean, rstd};
    }

    /** {gx, gWeight, gBias, gScale} in plain loops. */
    static double[][] backwardReference(double[] gy, double[] x, double[] mean, double[] rstd, double[] w, double[] b, double[] s,
                                        int n, int c, int m) {
        double[] gx = new double[n * c * m], gw = new double[c], gb = new double[c], gs = new double[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                int col = i * m + j;
                double sc = s == null ? 1 : s[col], sumG = 0, dot = 0;
                for (int ch = 0; ch < c; ch++) {
                    int k = (i * c + ch) * m + j;
                    double xh = (x[k] - mean[col]) * rstd[col], wc = w == null ? 1 : w[ch];
                    gs[col] += gy[k] * (xh * wc + (b == null ? 0 : b[ch]));
                    gw[ch] += gy[k] * sc * xh;
                    gb[ch] += gy[k] * sc;
                    double g = gy[k] * sc * wc;
                    sumG += g;
                    dot += g * xh;
                }
                for (int ch = 0; ch < c; ch++) {
                    int k = (i * c + ch) * m + j;
                    double xh = (x[k] - mean[col]) * rstd[col], g = gy[k] * sc * (w == null ? 1 : w[ch]);
                    gx[k] = rstd[col] * (g - sumG / c - xh * dot / c);
                }
            }
        }
        return new double[][] {gx, gw, gb, gs};
    }

    @Test void forwardAndBackwardMatchTheFloat64Reference() {
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            for (int[] shape : SHAPES) {
                int n = shape[0], c = shape[1], m = shape[2];
                for (int variant = 0; variant < 5; variant++) {
                    boolean affine = variant != 1, scaled = variant != 2, stridedX = variant == 3;
                    boolean inputGrad = variant != 4, paramGrads = variant != 2, scaleGrad = variant != 3;
                    String what = "layerNormChannels " + dt + " (" + n + ", " + c + ", " + m + ") variant " + variant;
                    double[] x = values(dt, n, c, m), gy = values(dt, n, c, m);
                    double[] w = affine ? values(dt, c) : null, b = affine ? values(dt, c) : null, s = scaled ? values(dt, n, m) : null;
                    Tensor tx = t(x, dt, n, c, m);
                    if (stridedX) tx = RandomTensors.nonContiguous(tx);
                    Tensor tw = w == null ? null : t(w, dt, c), tb = b == null ? null : t(b, dt, c), ts = s == null ? null : t(s, dt, n, m);
                    Tensor[] fwd = tx.backend().layerNormChannels(tx, tw, tb, ts, EPS);
                    double[][] ref = forwardReference(x, w, b, s, n, c, m);
                    double atol = dt == DType.F64 ? 1e-12 : 1e-5, rtol = dt == DType.F64 ? 1e-10 : 1e-5;
                    assertClose(ref[0], new int[] {n, c, m}, fwd[0], atol, rtol, what + ": y");
                    assertClose(ref[1], new int[] {n, m}, fwd[1], atol, rtol, what + ": mean");
                    assertClose(ref[2], new int[] {n, m}, fwd[2], dt == DType.F64 ? 1e-9 : 1e-3, rtol, what + ": rstd");

                    Tensor[] g = tx.backend().layerNormChannelsBackward(t(gy, dt, n, c, m), tx, fwd[1], fwd[2], tw, tb, ts,
                            inputGrad, paramGrads, scaleGrad);
                    double[][] gr = backwardReference(gy, x, fwd[1].toDoubleArray(), fwd[2].toDoubleArray(), w, b, s, n, c, m);
                    if (inputGrad) assertClose(gr[0], new int[] {n, c, m}, g[0], atol, rtol, what + ": gx");
                    else assertNull(g[0], what + ": no gx unless asked for");
                    if (paramGrads) {
                        double colTol = dt == DType.F64 ? 1e-13 * n * m + 1e-12 : 1e-7 * n * m + 1e-6;
                        assertClose(gr[1], new int[] {c}, g[1], colTol, rtol, what + ": gWeight");
                        assertClose(gr[2], new int[] {c}, g[2], colTol, rtol, what + ": gBias");
                        assertTrue(g[1].dtype() == dt && g[2].dtype() == dt, what + ": dtypes");
                    } else {
                        assertNull(g[1], what + ": no gWeight unless asked for");
                        assertNull(g[2], what + ": no gBias unless asked for");
                    }
                    if (scaled && scaleGrad) {
                        assertClose(gr[3], new int[] {n, m}, g[3], dt == DType.F64 ? 1e-12 : 1e-7 * c + 1e-5, rtol, what + ": gScale");
                    } else {
                        assertNull(g[3], what + ": no gScale without a scale or unless asked for");
                    }
                }
            }
        }
    }

    /**
     * The skip form: y gains skipWeight[n mod G, c] · skip[n, c, m], the backward gSkip = gy · skipWeight[n mod G, c] and
     * gSkipWeight[g, c] = Σ_{n ≡ g, m} gy · skip, and every other output equals the plain form's reference. Shapes
     * with N = B · K as FractalMamba's read-out uses them (G = K = 2, 4), G = 1 and G = N; strided skip.
     */
    @Test void skipTermMatchesTheFloat64Reference() {
        int[][] shapes = {{2, 5, 7, 2}, {4, 33, 300, 2}, {8, 16, 49, 4}, {3, 4, 30000, 1}, {6, 3, 5, 6}};   // n, c, m, groups
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            for (int[] shape : shapes) {
                int n = shape[0], c = shape[1], m = shape[2], groups = shape[3];
                for (int variant = 0; variant < 3; variant++) {
                    boolean affine = variant != 1, scaled = variant != 2, stridedSkip = variant == 1;
                    String what = "layerNormChannels skip " + dt + " (" + n + ", " + c + ", " + m + ") G " + groups + " variant " + variant;
                    double[] x = values(dt, n, c, m), gy = values(dt, n, c, m), sk = values(dt, n, c, m), skw = values(dt, groups, c);
                    double[] w = affine ? values(dt, c) : null, b = affine ? values(dt, c) : null, s = scaled ? values(dt, n, m) : null;
                    Tensor tx = t(x, dt, n, c, m), tsk = t(sk, dt, n, c, m), tskw = t(skw, dt, groups, c);
                    if (stridedSkip) tsk = RandomTensors.nonContiguous(tsk);
                    Tensor tw = w == null ? null : t(w, dt, c), tb = b == null ? null : t(b, dt, c), ts = s == null ? null : t(s, dt, n, m);
                    Tensor[] fwd = tx.backend().layerNormChannels(tx, tw, tb, ts, tsk, tskw, EPS);
                    double[] y = forwardReference(x, w, b, s, n, c, m)[0];
                    double[] gSkip = new double[n * c * m], gSkipWeight = new double[groups * c];
                    for (int i = 0; i < n; i++) {
                        for (int ch = 0; ch < c; ch++) {
                            double sw = skw[(i % groups) * c + ch];
                            for (int j = 0; j < m; j++) {
                                int k = (i * c + ch) * m + j;
                                y[k] += sw * sk[k];
                                gSkip[k] = gy[k] * sw;
                                gSkipWeight[(i % groups) * c + ch] += gy[k] * sk[k];
                            }
                        }
                    }
                    double atol = dt == DType.F64 ? 1e-12 : 1e-5, rtol = dt == DType.F64 ? 1e-10 : 1e-5;
                    assertClose(y, new int[] {n, c, m}, fwd[0], atol, rtol, what + ": y");
                    Tensor[] g = tx.backend().layerNormChannelsBackward(t(gy, dt, n, c, m), tx, fwd[1], fwd[2], tw, tb, ts, tsk, tskw,
                            true, true, scaled, true);
                    double[][] gr = backwardReference(gy, x, fwd[1].toDoubleArray(), fwd[2].toDoubleArray(), w, b, s, n, c, m);
                    double colTol = dt == DType.F64 ? 1e-13 * n * m + 1e-12 : 1e-7 * n * m + 1e-6;
                    assertClose(gr[0], new int[] {n, c, m}, g[0], atol, rtol, what + ": gx");
                    assertClose(gr[1], new int[] {c}, g[1], colTol, rtol, what + ": gWeight");
                    assertClose(gr[2], new int[] {c}, g[2], colTol, rtol, what + ": gBias");
                    if (scaled) assertClose(gr[3], new int[] {n, m}, g[3], dt == DType.F64 ? 1e-12 : 1e-7 * c + 1e-5, rtol, what + ": gScale");
                    assertClose(gSkip, new int[] {n, c, m}, g[4], atol, rtol, what + ": gSkip");
                    assertClose(gSkipWeight, new int[] {groups, c}, g[5], colTol, rtol, what + ": gSkipWeight");
                    Tensor[] none = tx.backend().layerNormChannelsBackward(t(gy, dt, n, c, m), tx, fwd[1], fwd[2], tw, tb, ts, tsk, tskw,
                            false, false, false, false);
                    for (Tensor r : none) assertNull(r, what + ": nothing unless asked for");
                }
            }
        }
    }

    @Test void rejectsMismatchedSkipOperands() {
        Tensor x = rnd.uniform(DType.F32, device(), 4, 3, 5);
        var alone = assertThrows(TensorException.class,
                () -> x.backend().layerNormChannels(x, null, null, null, x, null, EPS));
        assertTrue(alone.getMessage().contains("skip without skipWeight"), alone.getMessage());
        var groups = assertThrows(TensorException.Shape.class,
                () -> x.backend().layerNormChannels(x, null, null, null, x, rnd.uniform(DType.F32, device(), 3, 3), EPS));
        assertTrue(groups.getMessage().contains("skipWeight of shape (G, 3) with G dividing N = 4"), groups.getMessage());
        var shape = assertThrows(TensorException.Shape.class,
                () -> x.backend().layerNormChannels(x, null, null, null, x.narrow(2, 0, 4), rnd.uniform(DType.F32, device(), 2, 3), EPS));
        assertTrue(shape.getMessage().contains("skip of x's shape (4, 3, 5)"), shape.getMessage());
    }

    /** Equal to the unfused composition: permute to (N, M, C), the row layer norm, permute back, times the scale. */
    @Test void equalsPermuteLayerNormPermuteTimesScale() {
        Tensor x = rnd.uniform(DType.F32, device(), 4, 24, 37), w = rnd.uniform(DType.F32, device(), 24);
        Tensor b = rnd.uniform(DType.F32, device(), 24), s = rnd.uniform(DType.F32, device(), 4, 37);
        Tensor fused = x.backend().layerNormChannels(x, w, b, s, EPS)[0];
        Tensor composed = x.permute(0, 2, 1).layerNorm(w, b, EPS).permute(0, 2, 1).mul(s.unsqueeze(1));
        assertClose(composed, fused, 1e-5, 1e-5, "layerNormChannels vs permute + layerNorm + permute + mul");
    }

    @Test void rejectsMismatchedOperands() {
        Tensor x = rnd.uniform(DType.F32, device(), 2, 3, 4);
        var badRank = assertThrows(TensorException.Shape.class, () -> x.backend().layerNormChannels(x.reshape(6, 4), null, null, null, EPS));
        assertTrue(badRank.getMessage().contains("(N, C, M)"), badRank.getMessage());
        var badWeight = assertThrows(TensorException.Shape.class,
                () -> x.backend().layerNormChannels(x, rnd.uniform(DType.F32, device(), 4), null, null, EPS));
        assertTrue(badWeight.getMessage().contains("weight of shape (3)"), badWeight.getMessage());
        var badScale = assertThrows(TensorException.Shape.class,
                () -> x.backend().layerNormChannels(x, null, null, rnd.uniform(DType.F32, device(), 2, 3), EPS));
        assertTrue(badScale.getMessage().contains("scale of shape (2, 4)"), badScale.getMessage());
        Tensor[] fwd = x.backend().layerNormChannels(x, null, null, null, EPS);
        var badMean = assertThrows(TensorException.Shape.class,
                () -> x.backend().layerNormChannelsBackward(x, x, fwd[1].reshape(8), fwd[2], null, null, null, true, true, false));
        assertTrue(badMean.getMessage().contains("mean of shape (2, 4)"), badMean.getMessage());
    }
}
