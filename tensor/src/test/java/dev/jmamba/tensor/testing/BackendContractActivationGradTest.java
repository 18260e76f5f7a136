package dev.jmamba.tensor.testing;

import static dev.jmamba.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import dev.jmamba.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

/**
 * Conformance suite for the fused activation backward ({@code Backend.unaryGrad}): gy · op'(x)
 * against the same product in plain float64 loops over {@link UnaryOp#derivative}, which is itself
 * checked here against a central difference of {@link UnaryOp#apply}.
 *
 * <p>Tolerances. The derivative formulas vs a central difference with h = 1e-5 in double: the
 * truncation error h²·f'''/6 ≲ 1e-10 and the rounding error ε·|f|/h ≲ 1e-10 for |x| ≤ 8, so 1e-8.
 * The backend vs the loops: F64 computes the same formula in double (erf/exp/tanh may differ in the
 * last bits between Java and CUDA's libdevice): 1e-12 relative. F32: a backend may compute in float
 * (CUDA does for contiguous tensors: expf 2 ulp, erfcf 4 ulp, plus the roundings of a few products,
 * so each term of the derivative carries ≤ 6 ulp = 6·2⁻²⁴ ≈ 3.6e-7 relative). Where two terms cancel
 * (GELU's Φ(x) + x·φ(x) near x ≈ −0.75, both ≈ 0.23; SiLU's 1 + x·s(−x)) that is an absolute error of
 * ≤ 3.6e-7 · 0.5 ≈ 1.8e-7 · |gy|; elsewhere the forms avoid cancellation (strided.cu): 2e-7 absolute
 * (|gy| ≤ 1 here) and 2e-6 relative.
 */
public abstract class BackendContractActivationGradTest {
    protected abstract Device device();

    /** Whether float32 unaryGrad of channels-last views returns dx with x's strides (CUDA does; the CPU returns dense rows). */
    protected boolean keepsChannelsLastLayout() { return false; }

    private static final UnaryOp[] OPS = {UnaryOp.TANH, UnaryOp.SIGMOID, UnaryOp.SILU, UnaryOp.GELU, UnaryOp.GELU_TANH, UnaryOp.SOFTPLUS};

    private final RandomTensors rnd = new RandomTensors(31);

    @Test void derivativesMatchACentralDifferenceOfTheForward() {
        double h = 1e-5;
        for (UnaryOp op : OPS) {
            double p0 = op == UnaryOp.SOFTPLUS ? 1.5 : 0, p1 = op == UnaryOp.SOFTPLUS ? 20 : 0;
            for (double x = -8; x <= 8; x += 0.37) {
                if (op == UnaryOp.SOFTPLUS && Math.abs(x * p0 - p1) < 1e-3) continue;   // the threshold's kink
                double numeric = (op.apply(x + h, p0, p1) - op.apply(x - h, p0, p1)) / (2 * h);
                assertEquals(numeric, op.derivative(x, p0, p1), 1e-8, op + " at x = " + x);
            }
        }
    }

    @Test void unaryGradMatchesTheFloat64Loops() {
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            for (UnaryOp op : OPS) {
                for (int[] shape : new int[][] {{1}, {7, 5}, {3, 33, 17}}) {
                    double p0 = op == UnaryOp.SOFTPLUS ? 2 : 0, p1 = op == UnaryOp.SOFTPLUS ? 3 : 0;   // threshold inside the range
                    double[] x = rnd.values(shape), gy = rnd.values(shape);
                    for (int i = 0; i < x.length; i++) {
                        x[i] = round(x[i] * 6, dt);                        // [-6, 6): both tails of every activation
                        gy[i] = round(gy[i], dt);
                    }
                    double[] want = new double[x.length];
                    for (int i = 0; i < x.length; i++) want[i] = gy[i] * op.derivative(x[i], p0, p1);
                    Tensor tx = RandomTensors.tensor(x, dt, device(), shape);
                    Tensor tg = RandomTensors.tensor(gy, dt, device(), shape);
                    if (shape.length == 3) tx = RandomTensors.nonContiguous(tx);   // strided x, same values
                    Tensor got = tx.backend().unaryGrad(op, tx, tg, p0, p1);
                    assertTrue(got.dtype() == dt, op + " " + dt + ": result dtype");
                    double atol = dt == DType.F64 ? 1e-14 : 2e-7, rtol = dt == DType.F64 ? 1e-12 : 2e-6;
                    assertClose(want, shape, got, atol, rtol, op + " " + dt + " " + java.util.Arrays.toString(shape));
                }
            }
        }
    }

    /**
     * x and gy as channels-last views (N, C, H, W) of (N, H, W, C) storage — a GELU between a permute and a
     * conv: the values within this suite's bounds; where {@link #keepsChannelsLastLayout()}, float32 dx in x's
     * layout (the same strides: no transposed copy).
     */
    @Test void unaryGradOfChannelsLastViewsKeepsTheirLayout() {
        int n = 2, c = 5, h = 6, w = 7;
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            double[] x = rnd.values(n, h, w, c), gy = rnd.values(n, h, w, c);
            for (int i = 0; i < x.length; i++) {
                x[i] = round(x[i] * 6, dt);
                gy[i] = round(gy[i], dt);
            }
            Tensor tx = RandomTensors.tensor(x, dt, device(), n, h, w, c).permute(0, 3, 1, 2);
            Tensor tg = RandomTensors.tensor(gy, dt, device(), n, h, w, c).permute(0, 3, 1, 2);
            for (UnaryOp op : OPS) {
                double p0 = op == UnaryOp.SOFTPLUS ? 2 : 0, p1 = op == UnaryOp.SOFTPLUS ? 3 : 0;
                double[] want = new double[x.length];   // in (N, C, H, W) order
                for (int b = 0, k = 0; b < n; b++)
                    for (int ch = 0; ch < c; ch++)
                        for (int y = 0; y < h; y++)
                            for (int z = 0; z < w; z++, k++) {
                                int s = ((b * h + y) * w + z) * c + ch;
                                want[k] = gy[s] * op.derivative(x[s], p0, p1);
                            }
                Tensor got = tx.backend().unaryGrad(op, tx, tg, p0, p1);
                double atol = dt == DType.F64 ? 1e-14 : 2e-7, rtol = dt == DType.F64 ? 1e-12 : 2e-6;
                assertClose(want, new int[] {n, c, h, w}, got, atol, rtol, op + " " + dt + " channels-last");
                if (dt == DType.F32 && keepsChannelsLastLayout()) {
                    assertArrayEquals(tx.strides(), got.strides(), op + ": dx keeps x's channels-last strides");
                }
            }
        }
    }

    /**
     * Many contiguous float32 values (CUDA's float-arithmetic path, float4 moves and the scalar tail):
     * forward within the element-wise F32 bound of BackendContractTest (2e-6 absolute, 4e-6 relative),
     * backward within the bound stated in the class comment. x covers [−10, 10] densely.
     */
    @Test void float32ActivationsOnLargeContiguousTensors() {
        int n = 40_003;   // not a multiple of 4: the tail runs too
        double[] x = new double[n], gy = new double[n];
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < n; i++) {
            x[i] = (float) (-10 + 20.0 * i / n + 1e-4 * r.nextGaussian());
            gy[i] = (float) (2 * r.nextDouble() - 1);
        }
        Tensor tx = RandomTensors.tensor(x, DType.F32, device(), n);
        Tensor tg = RandomTensors.tensor(gy, DType.F32, device(), n);
        for (UnaryOp op : OPS) {
            double p0 = op == UnaryOp.SOFTPLUS ? 2 : 0, p1 = op == UnaryOp.SOFTPLUS ? 3 : 0;
            double[] fwd = new double[n], bwd = new double[n];
            for (int i = 0; i < n; i++) {
                fwd[i] = op.apply(x[i], p0, p1);
                bwd[i] = gy[i] * op.derivative(x[i], p0, p1);
            }
            assertClose(fwd, new int[] {n}, tx.unary(op, p0, p1), 2e-6, 4e-6, op + " forward");
            assertClose(bwd, new int[] {n}, tx.backend().unaryGrad(op, tx, tg, p0, p1), 2e-7, 2e-6, op + " backward");
        }
    }

    @Test void unaryGradRejectsOtherOpsAndMismatchedShapes() {
        Tensor x = rnd.uniform(DType.F32, device(), 2, 3);
        var notCovered = assertThrows(TensorException.class, () -> x.backend().unaryGrad(UnaryOp.EXP, x, x, 0, 0));
        assertTrue(notCovered.getMessage().contains("unaryGrad") && notCovered.getMessage().contains("EXP"), notCovered.getMessage());
        var badShape = assertThrows(TensorException.Shape.class,
                () -> x.backend().unaryGrad(UnaryOp.SILU, x, rnd.uniform(DType.F32, device(), 3, 2), 0, 0));
        assertTrue(badShape.getMessage().contains("gy of x's shape"), badShape.getMessage());
    }

    private static double round(double v, DType dt) { return dt == DType.F32 ? (float) v : v; }
}
