package dev.jmamba.tensor.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import org.junit.jupiter.api.Test;

/**
 * Conformance suite for the autocast LayerNorm ({@code Backend.layerNormBf16} and its backward from the saved bf16
 * x̂) against float64 loops. Inputs: x uniform in [-1, 1) plus a per-row offset up to ±3 (a residual stream's mean),
 * float32 or bf16-rounded; weight in [0.5, 1.5), bias in [-1, 1).
 *
 * <p>Tolerances. Forward, per element with the exact x̂ = (x − m)·rs: one rounding to bf16 is at most 2⁻⁹ relative;
 * a backend may round once more before it (float32 arithmetic, float32 mean and rstd in the composite default:
 * absolute ≤ 2⁻²²·rs·(|x| + |m|)), which can move the bf16 rounding to the neighbouring value: 2⁻⁸·|exact| +
 * 2⁻²⁰·(that term) (16× margin on the float part). y is the affine step of the backend's own bf16 x̂ (the contract:
 * a product rebuilds y from x̂), so it is checked against x̂_bf16·w + b in float64: the float32 product and sum of the
 * composite add at most 2⁻²⁴·(|x̂·w| + |x̂·w + b|) before the bf16 rounding: 2⁻⁸·|exact| + 2⁻²⁰·(|x̂·w| + |b|). rstd:
 * float32 of a double statistic, 2⁻²² relative. Backward, against loops fed the backend's own bf16 x̂ and rstd: the
 * backends compute the formula in double and round the result (the composite rounds twice: before and after the
 * rstd scale), so gx is within 2⁻²⁰ of r·(|g| + |mean g| + |x̂·mean(g x̂)|) (the terms' size, which bounds
 * cancellation), and the parameter sums within 2⁻²⁰ of Σ|gy·x̂| and Σ|gy| plus 1e-7·rows (float32 partial sums in
 * the CPU's column reduction, as BackendContractLayerNormTest states). A wrong formula or a float32 x read where the
 * bf16 x̂ was meant misses these by orders of magnitude.
 */
public abstract class BackendContractLayerNormBf16Test {
    protected abstract Device device();

    private final RandomTensors rnd = new RandomTensors(2026_12_04);

    /** (rows, C): sub-warp, warp kernels with 4..32 values per lane, several rows per warp, block backward (C > 256), past the warp forward (C > 1024). */
    private static final int[][] SHAPES = {{1, 7}, {9, 300}, {2051, 96}, {20011, 96}, {301, 200}, {37, 384}, {33, 768}, {40, 1000}, {5, 1500}};
    private static final double EPS = 1e-6, F = 0x1p-20;

    private double[] inputs(DType dt, int rows, int c) {
        double[] x = rnd.values(rows, c);
        for (int r = 0; r < rows; r++) {
            double offset = 3 * (2.0 * r / Math.max(1, rows - 1) - 1);
            for (int i = 0; i < c; i++) x[r * c + i] = (float) (x[r * c + i] + offset);
        }
        return dt == DType.BF16 ? Tensor.of(x, x.length).to(DType.BF16).toDoubleArray() : x;   // rounded once more, to bf16
    }

    private double[] scaled(int c, double lo, double width) {
        double[] v = rnd.values(c);
        for (int i = 0; i < c; i++) v[i] = (float) (lo + width * (v[i] + 1) / 2);
        return v;
    }

    @Test void forwardRoundsTheExactNormalisedRowsOnceToBf16() {
        for (DType dt : new DType[] {DType.F32, DType.BF16}) {
            for (int[] shape : SHAPES) {
                int rows = shape[0], c = shape[1];
                double[] x = inputs(dt, rows, c), w = scaled(c, 0.5, 1), b = scaled(c, -1, 2);
                Tensor tx = RandomTensors.tensor(x, dt, device(), rows, c);
                Tensor[] r = tx.backend().layerNormBf16(tx, RandomTensors.tensor(w, DType.F32, device(), c),
                        RandomTensors.tensor(b, DType.F32, device(), c), EPS, true);
                String what = "layerNormBf16 " + dt + " (" + rows + ", " + c + ")";
                assertEquals(DType.BF16, r[0].dtype(), what + ": y dtype");
                assertEquals(DType.BF16, r[1].dtype(), what + ": xhat dtype");
                assertEquals(DType.F32, r[2].dtype(), what + ": rstd dtype");
                double[] y = r[0].toDoubleArray(), xhat = r[1].toDoubleArray(), rstd = r[2].toDoubleArray();
                for (int row = 0; row < rows; row++) {
                    double m = 0, v = 0;
                    for (int i = 0; i < c; i++) m += x[row * c + i];
                    m /= c;
                    for (int i = 0; i < c; i++) v += (x[row * c + i] - m) * (x[row * c + i] - m);
                    double rs = 1 / Math.sqrt(v / c + EPS);
                    assertEquals(rs, rstd[row], 0x1p-22 * rs, what + ": rstd of row " + row);
                    for (int i = 0; i < c; i++) {
                        int k = row * c + i;
                        double xh = (x[k] - m) * rs, floatPart = rs * (Math.abs(x[k]) + Math.abs(m));
                        within(xh, xhat[k], 0x1p-8 * Math.abs(xh) + F * floatPart, what + ": xhat[" + k + "]");
                        double yy = xhat[k] * w[i] + b[i];   // the affine step of the kept bf16 x̂
                        within(yy, y[k], 0x1p-8 * Math.abs(yy) + F * (Math.abs(xhat[k] * w[i]) + Math.abs(b[i])), what + ": y[" + k + "]");
                    }
                }
                Tensor[] noKeep = tx.backend().layerNormBf16(tx, RandomTensors.tensor(w, DType.F32, device(), c),
                        RandomTensors.tensor(b, DType.F32, device(), c), EPS, false);
                assertNull(noKeep[1], what + ": no xhat unless asked");
                assertTrue(java.util.Arrays.equals(y, noKeep[0].toDoubleArray()), what + ": y does not depend on keepNormalized");
            }
        }
    }

    /** A product that did not keep y rebuilds it from x̂ (layerNormAffineBf16): the same bits, with and without weight and bias. */
    @Test void affineStepRebuildsTheForwardOutputBitForBit() {
        for (DType dt : new DType[] {DType.F32, DType.BF16}) {
            for (int[] shape : SHAPES) {
                int rows = shape[0], c = shape[1];
                Tensor tx = RandomTensors.tensor(inputs(dt, rows, c), dt, device(), rows, c);
                Tensor w = RandomTensors.tensor(scaled(c, 0.5, 1), DType.F32, device(), c), b = RandomTensors.tensor(scaled(c, -1, 2), DType.F32, device(), c);
                for (boolean affine : new boolean[] {true, false}) {
                    Tensor tw = affine ? w : null, tb = affine ? b : null;
                    Tensor[] r = tx.backend().layerNormBf16(tx, tw, tb, EPS, true);
                    Tensor rebuilt = tx.backend().layerNormAffineBf16(r[1], tw, tb);
                    String what = "layerNormAffineBf16 " + dt + " (" + rows + ", " + c + ")" + (affine ? "" : " without weight and bias");
                    assertEquals(DType.BF16, rebuilt.dtype(), what + ": dtype");
                    assertTrue(java.util.Arrays.equals(r[0].toDoubleArray(), rebuilt.toDoubleArray()), what + ": equals the forward's y");
                }
            }
        }
        Tensor odd = RandomTensors.tensor(inputs(DType.F32, 3, 12), DType.F32, device(), 3, 12).to(DType.BF16).narrow(1, 2, 9);   // a strided x̂
        Tensor w = RandomTensors.tensor(scaled(9, 0.5, 1), DType.F32, device(), 9);
        double[] got = odd.backend().layerNormAffineBf16(odd, w, null).toDoubleArray(), xh = odd.toDoubleArray();
        for (int k = 0; k < got.length; k++) {
            double want = xh[k] * w.toDoubleArray()[k % 9];
            within(want, got[k], 0x1p-8 * Math.abs(want) + F * Math.abs(want), "layerNormAffineBf16 of a strided x̂ [" + k + "]");
        }
    }

    @Test void backwardFromTheBf16NormalisedRowsMatchesTheFloat64Formula() {
        for (int[] shape : SHAPES) {
            int rows = shape[0], c = shape[1];
            for (int variant = 0; variant < 3; variant++) {
                boolean weighted = variant != 1, inputGrad = variant != 2, paramGrads = variant != 1;
                String what = "layerNormBf16Backward (" + rows + ", " + c + ") weight " + weighted + " inputGrad " + inputGrad
                        + " paramGrads " + paramGrads;
                double[] x = inputs(DType.F32, rows, c), w = weighted ? scaled(c, 0.5, 1) : null, gy = rnd.values(rows, c);
                for (int i = 0; i < gy.length; i++) gy[i] = (float) gy[i];
                Tensor tx = RandomTensors.tensor(x, DType.F32, device(), rows, c);
                Tensor tw = w == null ? null : RandomTensors.tensor(w, DType.F32, device(), c);
                Tensor[] fwd = tx.backend().layerNormBf16(tx, tw, null, EPS, true);   // {y, xhat, rstd}
                double[] xhat = fwd[1].toDoubleArray(), rstd = fwd[2].toDoubleArray();
                Tensor[] g = tx.backend().layerNormBf16Backward(RandomTensors.tensor(gy, DType.F32, device(), rows, c), fwd[1], fwd[2],
                        tw, inputGrad, paramGrads);
                double[] gx = inputGrad ? g[0].toDoubleArray() : null;
                double[] gw = new double[c], gb = new double[c], absW = new double[c], absB = new double[c];
                for (int row = 0; row < rows; row++) {
                    double sumG = 0, dot = 0;
                    for (int i = 0; i < c; i++) {
                        int k = row * c + i;
                        double gg = gy[k] * (w == null ? 1 : w[i]);
                        sumG += gg;
                        dot += gg * xhat[k];
                        gw[i] += gy[k] * xhat[k];
                        gb[i] += gy[k];
                        absW[i] += Math.abs(gy[k] * xhat[k]);
                        absB[i] += Math.abs(gy[k]);
                    }
                    double meanG = sumG / c, meanGx = dot / c, r = rstd[row];
                    if (gx == null) continue;
                    for (int i = 0; i < c; i++) {
                        int k = row * c + i;
                        double gg = gy[k] * (w == null ? 1 : w[i]);
                        double want = r * (gg - meanG - xhat[k] * meanGx);
                        within(want, gx[k], F * r * (Math.abs(gg) + Math.abs(meanG) + Math.abs(xhat[k] * meanGx)), what + ": gx[" + k + "]");
                    }
                }
                if (!inputGrad) assertNull(g[0], what + ": no gx unless asked");
                if (!paramGrads) {
                    assertNull(g[1], what + ": no gWeight unless asked");
                    continue;
                }
                double[] gotW = g[1].toDoubleArray(), gotB = g[2].toDoubleArray();
                for (int i = 0; i < c; i++) {
                    within(gw[i], gotW[i], F * absW[i] + 1e-7 * rows, what + ": gWeight[" + i + "]");
                    within(gb[i], gotB[i], F * absB[i] + 1e-7 * rows, what + ": gBias[" + i + "]");
                }
            }
        }
    }

    @Test void badOperandsAreNamed() {
        Tensor ints = Tensor.zeros(DType.I32, device(), 2, 4);
        var e = assertThrows(TensorException.class, () -> ints.backend().layerNormBf16(ints, null, null, EPS, true));
        assertTrue(e.getMessage().contains("layerNormBf16") && e.getMessage().contains("F32 or BF16"), e.getMessage());
        Tensor x = rnd.uniform(DType.F32, device(), 2, 4);
        var wide = assertThrows(TensorException.class, () -> x.backend().layerNormBf16(x, rnd.uniform(DType.F32, device(), 5), null, EPS, true));
        assertTrue(wide.getMessage().contains("weight of shape (4)"), wide.getMessage());
        Tensor rstd = Tensor.full(1, DType.F32, device(), 2);
        var notBf16 = assertThrows(TensorException.class, () -> x.backend().layerNormBf16Backward(x, x, rstd, null, true, true));
        assertTrue(notBf16.getMessage().contains("layerNormBf16Backward") && notBf16.getMessage().contains("BF16"), notBf16.getMessage());
        var affineF32 = assertThrows(TensorException.class, () -> x.backend().layerNormAffineBf16(x, null, null));
        assertTrue(affineF32.getMessage().contains("layerNormAffineBf16") && affineF32.getMessage().contains("BF16"), affineF32.getMessage());
        Tensor xh = x.to(DType.BF16);
        var affineWide = assertThrows(TensorException.class, () -> xh.backend().layerNormAffineBf16(xh, null, rnd.uniform(DType.F32, device(), 3)));
        assertTrue(affineWide.getMessage().contains("bias of shape (4)"), affineWide.getMessage());
    }

    private static void within(double want, double got, double tol, String what) {
        if (!(Math.abs(got - want) <= tol)) throw new AssertionError(what + " is " + got + ", expected " + want + " ± " + tol);
    }
}
