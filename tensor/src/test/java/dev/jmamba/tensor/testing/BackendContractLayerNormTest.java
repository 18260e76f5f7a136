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
 * Conformance suite for the fused LayerNorm backward ({@code Backend.layerNormBackward}) against a
 * float64 reference written as plain loops, fed the mean and rstd the backend's own forward saved.
 * Inputs are uniform in [-1, 1).
 *
 * <p>Tolerances, as for the RMS norm suite: F64 differs only in summation order, so 1e-12 absolute /
 * 1e-10 relative (the column sums over all rows: 1e-13 · rows absolute). F32: the reference sees
 * the F32-rounded inputs and saved statistics; what remains is the F32 rounding of the outputs
 * (~6e-8 relative) on values of size ≲ 10 times the rstd of inputs in [-1, 1) (≲ 2), so 1e-5
 * absolute and relative; the column sums add one such error per row: 1e-7 · rows.
 */
public abstract class BackendContractLayerNormTest {
    protected abstract Device device();

    private final RandomTensors rnd = new RandomTensors(77);

    /**
     * (rows, C) as in the RMS norm suite: tiny, sub-warp, above one row block, many uneven blocks, past shared memory
     * (2C > 4096); and for CUDA's warp-per-row float32 kernels: several rows per warp (20011 > 8192 warps), 8 and 32
     * values per lane.
     */
    private static final int[][] SHAPES = {{1, 7}, {6, 5}, {9, 300}, {2051, 24}, {3, 2500}, {20011, 96}, {301, 200}, {40, 1000}};

    private static final double EPS = 1e-6;

    private static double round(double v, DType dt) { return dt == DType.F32 ? (float) v : v; }

    private double[] values(DType dt, int... shape) {
        double[] v = rnd.values(shape);
        for (int i = 0; i < v.length; i++) v[i] = round(v[i], dt);
        return v;
    }

    private Tensor t(double[] v, DType dt, int... shape) { return RandomTensors.tensor(v, dt, device(), shape); }

    /** {gx, gWeight, gBias} from the formula in plain loops; w may be null. */
    static double[][] reference(double[] x, double[] mean, double[] rstd, double[] w, double[] gy, int rows, int c) {
        double[] gx = new double[rows * c], gw = new double[c], gb = new double[c];
        for (int r = 0; r < rows; r++) {
            double sumG = 0, dot = 0;
            for (int i = 0; i < c; i++) {
                int k = r * c + i;
                double xhat = (x[k] - mean[r]) * rstd[r], g = gy[k] * (w == null ? 1 : w[i]);
                sumG += g;
                dot += g * xhat;
                gw[i] += gy[k] * xhat;
                gb[i] += gy[k];
            }
            for (int i = 0; i < c; i++) {
                int k = r * c + i;
                double xhat = (x[k] - mean[r]) * rstd[r], g = gy[k] * (w == null ? 1 : w[i]);
                gx[k] = rstd[r] * (g - sumG / c - xhat * dot / c);
            }
        }
        return new double[][] {gx, gw, gb};
    }

    @Test void layerNormBackwardMatchesTheFloat64Reference() {
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            for (int[] shape : SHAPES) {
                int rows = shape[0], c = shape[1];
                for (int variant = 0; variant < 4; variant++) {
                    boolean weighted = variant % 2 == 0, stridedX = variant >= 2;
                    boolean inputGrad = variant != 3, paramGrads = variant != 1;
                    String what = "layerNormBackward " + dt + " (" + rows + ", " + c + ") weight " + weighted + " strided x "
                            + stridedX + " inputGrad " + inputGrad + " paramGrads " + paramGrads;
                    double[] x = values(dt, rows, c), w = weighted ? values(dt, c) : null, gy = values(dt, rows, c);
                    Tensor tx = t(x, dt, rows, c);
                    if (stridedX) tx = RandomTensors.nonContiguous(tx);
                    Tensor tw = w == null ? null : t(w, dt, c);
                    Tensor[] fwd = tx.backend().layerNorm(tx, tw, null, EPS);   // {y, mean, rstd}
                    double[] mean = fwd[1].toDoubleArray(), rstd = fwd[2].toDoubleArray();
                    double[][] ref = reference(x, mean, rstd, w, gy, rows, c);

                    Tensor[] g = tx.backend().layerNormBackward(t(gy, dt, rows, c), tx, fwd[1], fwd[2], tw, inputGrad, paramGrads);
                    double atol = dt == DType.F64 ? 1e-12 : 1e-5, rtol = dt == DType.F64 ? 1e-10 : 1e-5;
                    if (inputGrad) assertClose(ref[0], new int[] {rows, c}, g[0], atol, rtol, what + ": gx");
                    else assertNull(g[0], what + ": no gx unless asked for");
                    if (paramGrads) {
                        double colTol = dt == DType.F64 ? 1e-13 * rows + 1e-12 : 1e-7 * rows + 1e-6;
                        assertClose(ref[1], new int[] {c}, g[1], colTol, rtol, what + ": gWeight");
                        assertClose(ref[2], new int[] {c}, g[2], colTol, rtol, what + ": gBias");
                        assertTrue(g[1].dtype() == dt && g[2].dtype() == dt, what + ": dtypes");
                    } else {
                        assertNull(g[1], what + ": no gWeight unless asked for");
                        assertNull(g[2], what + ": no gBias unless asked for");
                    }
                }
            }
        }
    }

    /** Higher rank: the rows are every leading index; no rows gives zero column sums. */
    @Test void higherRankAndEmptyInputs() {
        double[] x = values(DType.F64, 2, 3, 4), gy = values(DType.F64, 2, 3, 4);
        Tensor tx = t(x, DType.F64, 2, 3, 4);
        Tensor[] fwd = tx.backend().layerNorm(tx, null, null, EPS);
        double[][] ref = reference(x, fwd[1].toDoubleArray(), fwd[2].toDoubleArray(), null, gy, 6, 4);
        Tensor[] g = tx.backend().layerNormBackward(t(gy, DType.F64, 2, 3, 4), tx, fwd[1], fwd[2], null, true, true);
        assertClose(ref[0], new int[] {2, 3, 4}, g[0], 1e-12, 1e-10, "gx (2, 3, 4)");
        assertClose(ref[2], new int[] {4}, g[2], 1e-12, 1e-10, "gBias (4)");
        Tensor empty = Tensor.zeros(DType.F32, device(), 0, 4);
        Tensor[] none = empty.backend().layerNorm(empty, null, null, EPS);
        Tensor[] gNone = empty.backend().layerNormBackward(empty, empty, none[1], none[2], null, true, true);
        assertArrayEquals(new float[] {0, 0, 0, 0}, gNone[1].toFloatArray(), "no rows: zero gWeight");
        assertArrayEquals(new float[] {0, 0, 0, 0}, gNone[2].toFloatArray(), "no rows: zero gBias");
    }

    @Test void layerNormBackwardRejectsMismatchedOperands() {
        Tensor x = rnd.uniform(DType.F32, device(), 2, 3, 4);
        Tensor[] fwd = x.backend().layerNorm(x, null, null, EPS);
        var badMean = assertThrows(TensorException.Shape.class,
                () -> x.backend().layerNormBackward(x, x, fwd[1].reshape(6), fwd[2], null, true, true));
        assertTrue(badMean.getMessage().contains("layerNormBackward") && badMean.getMessage().contains("mean"), badMean.getMessage());
        var badGy = assertThrows(TensorException.Shape.class,
                () -> x.backend().layerNormBackward(x.reshape(6, 4), x, fwd[1], fwd[2], null, true, true));
        assertTrue(badGy.getMessage().contains("gy of x's shape"), badGy.getMessage());
        var badWeight = assertThrows(TensorException.Shape.class,
                () -> x.backend().layerNormBackward(x, x, fwd[1], fwd[2], rnd.uniform(DType.F32, device(), 3), true, true));
        assertTrue(badWeight.getMessage().contains("weight of shape (4)"), badWeight.getMessage());
    }
}
