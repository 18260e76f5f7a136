package dev.jmamba.tensor.testing;

import static dev.jmamba.tensor.testing.TensorAssert.assertClose;
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
 * Conformance suite for the SiLU-gated layer norm ({@code Backend.layerNormGated}: y = LN(x) · silu(z) over the last
 * dim) and its backward, against a float64 reference written as plain loops (the backward fed the mean and rstd the
 * backend's own forward returned). Inputs uniform in [-2, 2) for z (the gate's curved part), [-1, 1) otherwise.
 *
 * <p>Tolerances as in {@link BackendContractLayerNormTest}: F64 differs only in summation order (1e-12 absolute,
 * 1e-10 relative; the column sums 1e-13 per row). F32: the reference sees the F32-rounded inputs and statistics; the
 * kernels take the gate's sigmoid in float (a few ulp, ~3e-7 relative) and round each output once (~6e-8), on values
 * ≲ 20, so 2e-5 absolute and relative; the column sums add one such error per row (2e-7 per row).
 */
public abstract class BackendContractLayerNormGatedTest {
    protected abstract Device device();

    private final RandomTensors rnd = new RandomTensors(93);

    /** (rows, C): tiny, sub-warp, above one row block, many uneven blocks, past shared memory (2C > 4096). */
    private static final int[][] SHAPES = {{1, 7}, {6, 5}, {9, 300}, {2051, 24}, {3, 2500}};

    private static final double EPS = 1e-6;

    private double[] values(DType dt, double scale, int... shape) {
        double[] v = rnd.values(shape);
        for (int i = 0; i < v.length; i++) v[i] = dt == DType.F32 ? (float) (v[i] * scale) : v[i] * scale;
        return v;
    }

    private Tensor t(double[] v, DType dt, int... shape) { return RandomTensors.tensor(v, dt, device(), shape); }

    private static double sigmoid(double z) { return 1 / (1 + Math.exp(-z)); }

    /** {y, mean, rstd, gx, gWeight, gBias, gz} in plain loops (the backward with the given mean and rstd, or its own when null). */
    static double[][] reference(double[] x, double[] w, double[] b, double[] z, double[] gy, double[] mean0, double[] rstd0, int rows, int c) {
        double[] y = new double[rows * c], mean = new double[rows], rstd = new double[rows];
        double[] gx = new double[rows * c], gw = new double[c], gb = new double[c], gz = new double[rows * c];
        for (int r = 0; r < rows; r++) {
            double mu = 0, v = 0;
            for (int i = 0; i < c; i++) mu += x[r * c + i];
            mu /= c;
            for (int i = 0; i < c; i++) v += Math.pow(x[r * c + i] - mu, 2);
            mean[r] = mu;
            rstd[r] = 1 / Math.sqrt(v / c + EPS);
            double m = mean0 == null ? mean[r] : mean0[r], rs = rstd0 == null ? rstd[r] : rstd0[r];
            double sumG = 0, dot = 0;
            for (int i = 0; i < c; i++) {
                int k = r * c + i;
                double wi = w == null ? 1 : w[i], bi = b == null ? 0 : b[i], sg = sigmoid(z[k]), s = z[k] * sg;
                y[k] = ((x[k] - mean[r]) * rstd[r] * wi + bi) * s;
                double xh = (x[k] - m) * rs;
                gz[k] = gy[k] * (xh * wi + bi) * sg * (1 + z[k] * (1 - sg));
                gw[i] += gy[k] * s * xh;
                gb[i] += gy[k] * s;
                double g = gy[k] * s * wi;
                sumG += g;
                dot += g * xh;
            }
            for (int i = 0; i < c; i++) {
                int k = r * c + i;
                double xh = (x[k] - m) * rs, g = gy[k] * z[k] * sigmoid(z[k]) * (w == null ? 1 : w[i]);
                gx[k] = rs * (g - sumG / c - xh * dot / c);
            }
        }
        return new double[][] {y, mean, rstd, gx, gw, gb, gz};
    }

    @Test void forwardAndBackwardMatchTheFloat64Reference() {
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            for (int[] shape : SHAPES) {
                int rows = shape[0], c = shape[1];
                for (int variant = 0; variant < 5; variant++) {
                    boolean affine = variant != 1, sliceZ = variant == 2 || variant == 4, stridedX = variant == 3;
                    boolean inputGrad = variant != 4, paramGrads = variant != 2, gateGrad = variant != 3;
                    String what = "layerNormGated " + dt + " (" + rows + ", " + c + ") variant " + variant;
                    double[] x = values(dt, 1, rows, c), z = values(dt, 2, rows, c), gy = values(dt, 1, rows, c);
                    double[] w = affine ? values(dt, 1, c) : null, b = affine ? values(dt, 1, c) : null;
                    Tensor tx = t(x, dt, rows, c);
                    if (stridedX) tx = RandomTensors.nonContiguous(tx);
                    Tensor tz = t(z, dt, rows, c);
                    if (sliceZ) tz = Tensor.cat(1, t(values(dt, 1, rows, c), dt, rows, c), tz).narrow(1, c, c);   // rows 2C apart
                    Tensor tw = w == null ? null : t(w, dt, c), tb = b == null ? null : t(b, dt, c);
                    Tensor[] fwd = tx.backend().layerNormGated(tx, tw, tb, tz, EPS);
                    double[][] ref = reference(x, w, b, z, gy, fwd[1].toDoubleArray(), fwd[2].toDoubleArray(), rows, c);
                    double atol = dt == DType.F64 ? 1e-12 : 2e-5, rtol = dt == DType.F64 ? 1e-10 : 2e-5;
                    assertClose(ref[0], new int[] {rows, c}, fwd[0], atol, rtol, what + ": y");
                    assertClose(ref[1], new int[] {rows}, fwd[1], atol, rtol, what + ": mean");
                    assertClose(ref[2], new int[] {rows}, fwd[2], dt == DType.F64 ? 1e-9 : 1e-3, rtol, what + ": rstd");
                    Tensor[] g = tx.backend().layerNormGatedBackward(t(gy, dt, rows, c), tx, fwd[1], fwd[2], tw, tb, tz,
                            inputGrad, paramGrads, gateGrad);
                    if (inputGrad) assertClose(ref[3], new int[] {rows, c}, g[0], atol, rtol, what + ": gx");
                    else assertNull(g[0], what + ": no gx unless asked for");
                    if (paramGrads) {
                        double colTol = dt == DType.F64 ? 1e-13 * rows + 1e-12 : 2e-7 * rows + 2e-6;
                        assertClose(ref[4], new int[] {c}, g[1], colTol, rtol, what + ": gWeight");
                        assertClose(ref[5], new int[] {c}, g[2], colTol, rtol, what + ": gBias");
                    } else {
                        assertNull(g[1], what + ": no gWeight unless asked for");
                        assertNull(g[2], what + ": no gBias unless asked for");
                    }
                    if (gateGrad) assertClose(ref[6], new int[] {rows, c}, g[3], atol, rtol, what + ": gz");
                    else assertNull(g[3], what + ": no gz unless asked for");
                }
            }
        }
    }

    /**
     * BF16 x and z (autocast's activations): y is BF16, mean, rstd and every gradient F32, all against the float64
     * reference fed the bf16 values. y is rounded once to bf16 (half an ulp, at most 2^-8 relative), and the float
     * sigmoid's few ulp may tip that rounding to the other neighbour: one bf16 ulp, 2^-7 relative, plus the float32
     * absolute tolerance for values near zero. The rest computes as float32 does (the F32 tolerances). Includes rows
     * too wide for the bf16 kernels of a GPU backend ((3, 2500)) and z as a channel slice.
     */
    @Test void bf16ActivationsReadAndWriteBf16() {
        for (int[] shape : SHAPES) {
            int rows = shape[0], c = shape[1];
            for (boolean sliceZ : new boolean[] {false, true}) {
                String what = "layerNormGated BF16 (" + rows + ", " + c + ")" + (sliceZ ? " z a slice" : "");
                double[] x = bf16(values(DType.F32, 1, rows, c)), z = bf16(values(DType.F32, 2, rows, c));
                double[] gy = values(DType.F32, 1, rows, c), w = values(DType.F32, 1, c), b = values(DType.F32, 1, c);
                Tensor tx = t(x, DType.BF16, rows, c), tz = t(z, DType.BF16, rows, c);
                if (sliceZ) tz = Tensor.cat(1, t(bf16(values(DType.F32, 1, rows, c)), DType.BF16, rows, c), tz).narrow(1, c, c);
                Tensor tw = t(w, DType.F32, c), tb = t(b, DType.F32, c);
                Tensor[] fwd = tx.backend().layerNormGated(tx, tw, tb, tz, EPS);
                assertEquals(DType.BF16, fwd[0].dtype(), what + ": y's dtype");
                assertEquals(DType.F32, fwd[1].dtype(), what + ": mean's dtype");
                assertEquals(DType.F32, fwd[2].dtype(), what + ": rstd's dtype");
                double[][] ref = reference(x, w, b, z, gy, fwd[1].toDoubleArray(), fwd[2].toDoubleArray(), rows, c);
                assertClose(ref[0], new int[] {rows, c}, fwd[0], 2e-5, 0x1p-7, what + ": y");
                assertClose(ref[1], new int[] {rows}, fwd[1], 2e-5, 2e-5, what + ": mean");
                assertClose(ref[2], new int[] {rows}, fwd[2], 1e-3, 2e-5, what + ": rstd");
                Tensor[] g = tx.backend().layerNormGatedBackward(t(gy, DType.F32, rows, c), tx, fwd[1], fwd[2], tw, tb, tz,
                        true, true, true);
                String[] names = {"gx", "gWeight", "gBias", "gz"};
                for (int i = 0; i < 4; i++) assertEquals(DType.F32, g[i].dtype(), what + ": " + names[i] + "'s dtype");
                assertClose(ref[3], new int[] {rows, c}, g[0], 2e-5, 2e-5, what + ": gx");
                assertClose(ref[4], new int[] {c}, g[1], 2e-7 * rows + 2e-6, 2e-5, what + ": gWeight");
                assertClose(ref[5], new int[] {c}, g[2], 2e-7 * rows + 2e-6, 2e-5, what + ": gBias");
                assertClose(ref[6], new int[] {rows, c}, g[3], 2e-5, 2e-5, what + ": gz");
            }
        }
    }

    /** The values rounded to bf16 (what a BF16 tensor of them holds). */
    private static double[] bf16(double[] v) {
        for (int i = 0; i < v.length; i++) v[i] = DType.fromBf16(DType.toBf16((float) v[i]));
        return v;
    }

    /** Equal to the unfused composition: the row layer norm times silu(z). */
    @Test void equalsLayerNormTimesSiluOfZ() {
        Tensor x = rnd.uniform(DType.F32, device(), 2, 3, 40), z = rnd.uniform(DType.F32, device(), 2, 3, 40);
        Tensor w = rnd.uniform(DType.F32, device(), 40), b = rnd.uniform(DType.F32, device(), 40);
        Tensor fused = x.backend().layerNormGated(x, w, b, z, EPS)[0];
        Tensor composed = x.layerNorm(w, b, EPS).mul(z.silu());
        assertClose(composed, fused, 1e-5, 1e-5, "layerNormGated vs layerNorm · silu(z)");
    }

    @Test void rejectsMismatchedOperands() {
        Tensor x = rnd.uniform(DType.F32, device(), 2, 3, 4);
        var badZ = assertThrows(TensorException.Shape.class, () -> x.backend().layerNormGated(x, null, null, x.reshape(6, 4), EPS));
        assertTrue(badZ.getMessage().contains("z of x's shape"), badZ.getMessage());
        var noZ = assertThrows(TensorException.class, () -> x.backend().layerNormGated(x, null, null, null, EPS));
        assertTrue(noZ.getMessage().contains("gate tensor z"), noZ.getMessage());
        var badBias = assertThrows(TensorException.Shape.class,
                () -> x.backend().layerNormGated(x, null, rnd.uniform(DType.F32, device(), 3), x, EPS));
        assertTrue(badBias.getMessage().contains("bias of shape (4)"), badBias.getMessage());
    }
}
