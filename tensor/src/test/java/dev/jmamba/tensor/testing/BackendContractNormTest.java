package dev.jmamba.tensor.testing;

import static dev.jmamba.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import org.junit.jupiter.api.Test;

/**
 * Conformance suite for the fused residual add + RMS norm ({@code Backend.addRmsNorm} and its
 * backward) against a float64 reference written as plain loops. Inputs are uniform in [-1, 1).
 *
 * <p>Tolerances. F64: both sides compute in double and differ only in summation order, so
 * 1e-12 absolute / 1e-10 relative (gWeight, a sum over all rows: 1e-13 · rows absolute). F32: inputs are rounded to F32 before the reference sees them,
 * the reference rounds sum to F32 as the kernel must, and the remaining differences are the F32
 * rounding of the outputs and of the saved rstd (each ~6e-8 relative) on values of size
 * ≲ 10, so 1e-5 absolute and relative; gWeight adds one such error per row, so its absolute
 * tolerance grows as 1e-7 · rows (a random walk would give ~1e-7 · sqrt(rows)).
 */
public abstract class BackendContractNormTest {
    protected abstract Device device();

    private final RandomTensors rnd = new RandomTensors(2024);

    /**
     * (rows, C): one row; C below a warp; C above the 256 threads of a row block; more rows than
     * the GPU backward's 1024 blocks (uneven blocks of rows); C past the GPU's shared-memory
     * partial sums (4096 columns).
     */
    private static final int[][] SHAPES = {{1, 7}, {6, 5}, {9, 300}, {2051, 24}, {3, 4500}};

    /** Flags per variant: residual, weight, gSum, weightGrad, non-contiguous x. */
    private static final boolean[][] VARIANTS = {
        {true, true, true, true, false}, {false, true, false, true, false}, {true, false, true, false, true},
        {true, true, false, true, true}, {false, false, false, false, false},
    };

    private static final double EPS = 1e-5;

    private static double round(double v, DType dt) { return dt == DType.F32 ? (float) v : v; }

    private double[] values(DType dt, int... shape) {
        double[] v = rnd.values(shape);
        for (int i = 0; i < v.length; i++) v[i] = round(v[i], dt);
        return v;
    }

    private Tensor t(double[] v, DType dt, int... shape) { return RandomTensors.tensor(v, dt, device(), shape); }

    /** The reference: {y, sum, rstd, gSumTotal, gWeight}; res, w, gs may be null. */
    static double[][] reference(double[] x, double[] res, double[] w, double[] gy, double[] gs, int rows, int c, DType dt) {
        double[] y = new double[rows * c], sum = new double[rows * c], rstd = new double[rows], gx = new double[rows * c];
        double[] gw = new double[c];
        for (int r = 0; r < rows; r++) {
            double ss = 0;
            for (int i = 0; i < c; i++) {
                int k = r * c + i;
                sum[k] = round(x[k] + (res == null ? 0 : res[k]), dt);
                ss += sum[k] * sum[k];
            }
            rstd[r] = 1 / Math.sqrt(ss / c + EPS);
            double dot = 0;
            for (int i = 0; i < c; i++) {
                int k = r * c + i;
                double xhat = sum[k] * rstd[r], scale = w == null ? 1 : w[i];
                y[k] = xhat * scale;
                dot += gy[k] * scale * xhat;
                gw[i] += gy[k] * xhat;
            }
            for (int i = 0; i < c; i++) {
                int k = r * c + i;
                double xhat = sum[k] * rstd[r], g = gy[k] * (w == null ? 1 : w[i]);
                gx[k] = rstd[r] * (g - xhat * dot / c) + (gs == null ? 0 : gs[k]);
            }
        }
        return new double[][] {y, sum, rstd, gx, gw};
    }

    @Test void addRmsNormAndItsBackwardMatchTheFloat64Reference() {
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            for (int[] shape : SHAPES) {
                int rows = shape[0], c = shape[1];
                for (boolean[] v : VARIANTS) {
                    String what = "addRmsNorm " + dt + " (" + rows + ", " + c + ") residual " + v[0] + " weight " + v[1]
                            + " gSum " + v[2] + " weightGrad " + v[3] + " strided x " + v[4];
                    double[] x = values(dt, rows, c), res = v[0] ? values(dt, rows, c) : null, w = v[1] ? values(dt, c) : null;
                    double[] gy = values(dt, rows, c), gs = v[2] ? values(dt, rows, c) : null;
                    double[][] ref = reference(x, res, w, gy, gs, rows, c, dt);

                    Tensor tx = t(x, dt, rows, c);
                    if (v[4]) tx = RandomTensors.nonContiguous(tx);
                    Tensor tw = w == null ? null : t(w, dt, c);
                    Tensor[] out = tx.backend().addRmsNorm(tx, res == null ? null : t(res, dt, rows, c), tw, EPS);
                    double atol = dt == DType.F64 ? 1e-12 : 1e-5, rtol = dt == DType.F64 ? 1e-10 : 1e-5;
                    assertClose(ref[0], new int[] {rows, c}, out[0], atol, rtol, what + ": y");
                    assertClose(ref[1], new int[] {rows, c}, out[1], 0, 0, what + ": sum (exact: one rounded add)");
                    assertClose(ref[2], new int[] {rows}, out[2], atol, rtol, what + ": rstd");
                    assertTrue(out[0].dtype() == dt && out[1].dtype() == dt && out[2].dtype() == dt, what + ": output dtypes");

                    Tensor[] g = tx.backend().addRmsNormBackward(t(gy, dt, rows, c), gs == null ? null : t(gs, dt, rows, c),
                            out[1], out[2], tw, v[3]);
                    assertClose(ref[3], new int[] {rows, c}, g[0], atol, rtol, what + ": gSumTotal");
                    if (v[3] && v[1]) {
                        double gwTol = dt == DType.F64 ? 1e-13 * rows : 1e-7 * rows + 1e-6;
                        assertClose(ref[4], new int[] {c}, g[1], gwTol, rtol, what + ": gWeight");
                    } else {
                        assertNull(g[1], what + ": no gWeight unless asked for and a weight exists");
                    }
                }
            }
        }
    }

    /** The weight gradient sums fixed partials in a fixed order: two runs give the same bits. */
    @Test void weightGradientIsReproducible() {
        for (int[] shape : new int[][] {{2051, 24}, {3, 4500}, {700, 192}}) {
            int rows = shape[0], c = shape[1];
            Tensor x = rnd.uniform(DType.F32, device(), rows, c), res = rnd.uniform(DType.F32, device(), rows, c);
            Tensor w = rnd.uniform(DType.F32, device(), c), gy = rnd.uniform(DType.F32, device(), rows, c);
            Tensor[] out = x.backend().addRmsNorm(x, res, w, EPS);
            float[] first = x.backend().addRmsNormBackward(gy, null, out[1], out[2], w, true)[1].toFloatArray();
            for (int run = 0; run < 3; run++) {
                float[] again = x.backend().addRmsNormBackward(gy, null, out[1], out[2], w, true)[1].toFloatArray();
                assertArrayEquals(first, again, "gWeight of (" + rows + ", " + c + ") differs between runs");
            }
        }
    }

    @Test void addRmsNormRejectsMismatchedOperands() {
        Tensor x = rnd.uniform(DType.F32, device(), 2, 3, 4);
        var badResidual = assertThrows(TensorException.Shape.class,
                () -> x.backend().addRmsNorm(x, rnd.uniform(DType.F32, device(), 2, 4, 3), null, EPS));
        assertTrue(badResidual.getMessage().contains("addRmsNorm") && badResidual.getMessage().contains("residual"), badResidual.getMessage());
        var badWeight = assertThrows(TensorException.Shape.class,
                () -> x.backend().addRmsNorm(x, null, rnd.uniform(DType.F32, device(), 3), EPS));
        assertTrue(badWeight.getMessage().contains("weight of shape (4)"), badWeight.getMessage());
        Tensor[] out = x.backend().addRmsNorm(x, null, null, EPS);
        var badRstd = assertThrows(TensorException.Shape.class,
                () -> x.backend().addRmsNormBackward(x, null, out[1], out[2].reshape(6), null, false));
        assertTrue(badRstd.getMessage().contains("addRmsNormBackward") && badRstd.getMessage().contains("rstd"), badRstd.getMessage());
        var badGy = assertThrows(TensorException.Shape.class,
                () -> x.backend().addRmsNormBackward(x.reshape(6, 4), null, out[1], out[2], null, false));
        assertTrue(badGy.getMessage().contains("gy of sum's shape"), badGy.getMessage());
    }

    @Test void higherRankInputsNormaliseTheLastDim() {
        double[] x = values(DType.F64, 2, 3, 4), gy = values(DType.F64, 2, 3, 4);
        double[][] ref = reference(x, null, null, gy, null, 6, 4, DType.F64);
        Tensor tx = t(x, DType.F64, 2, 3, 4);
        Tensor[] out = tx.backend().addRmsNorm(tx, null, null, EPS);
        assertClose(ref[0], new int[] {2, 3, 4}, out[0], 1e-12, 1e-10, "y (2, 3, 4)");
        assertClose(ref[2], new int[] {2, 3}, out[2], 1e-12, 1e-10, "rstd (2, 3)");
        Tensor[] g = tx.backend().addRmsNormBackward(t(gy, DType.F64, 2, 3, 4), null, out[1], out[2], null, true);
        assertClose(ref[3], new int[] {2, 3, 4}, g[0], 1e-12, 1e-10, "gSumTotal (2, 3, 4)");
        Tensor empty = Tensor.zeros(DType.F32, device(), 0, 4);
        Tensor[] none = empty.backend().addRmsNorm(empty, empty, Tensor.full(1, DType.F32, device(), 4), EPS);
        assertArrayEquals(new int[] {0}, none[2].shape(), "no rows: empty rstd");
        Tensor[] gNone = empty.backend().addRmsNormBackward(empty, null, none[1], none[2], Tensor.full(1, DType.F32, device(), 4), true);
        assertArrayEquals(new float[] {0, 0, 0, 0}, gNone[1].toFloatArray(), "no rows: zero gWeight");
    }
}
