package dev.jmamba.ssm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.GradCheck;
import dev.jmamba.autograd.Var;
import dev.jmamba.ssm.kernel.ScanArgsF64;
import dev.jmamba.ssm.kernel.ScanShape;
import dev.jmamba.ssm.kernel.SelectiveScanReference;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link SelectiveScan} through autograd: float64 gradchecks (reference kernel) and float32 fast vs float64 reference. */
class SelectiveScanOpTest {

    /** Seeded F64 inputs u, delta, A, B, C, D, z, deltaBias in Mamba-like ranges; B/C (B, G, N, L) or (B, N, L) when g = 0. */
    static Tensor[] inputs(long seed, int b, int d, int l, int n, int g) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] bc = g == 0 ? new int[] {b, n, l} : new int[] {b, g, n, l};
        return new Tensor[] {
            gaussian(r, 1, b, d, l), gaussian(r, 0.5, b, d, l), uniform(r, -2, -0.3, d, n),
            gaussian(r, 1, bc), gaussian(r, 1, bc), gaussian(r, 1, d), gaussian(r, 1, b, d, l), uniform(r, -3, -1, d)};
    }

    static Tensor gaussian(SplittableRandom r, double std, int... shape) {
        double[] v = new double[Math.toIntExact(java.util.Arrays.stream(shape).asLongStream().reduce(1, (x, y) -> x * y))];
        for (int i = 0; i < v.length; i++) v[i] = std * r.nextGaussian();
        return Tensor.of(v, shape);
    }

    static Tensor uniform(SplittableRandom r, double lo, double hi, int... shape) {
        double[] v = new double[Math.toIntExact(java.util.Arrays.stream(shape).asLongStream().reduce(1, (x, y) -> x * y))];
        for (int i = 0; i < v.length; i++) v[i] = r.nextDouble(lo, hi);
        return Tensor.of(v, shape);
    }

    private static Var scan(Var[] v, boolean softplus) {
        return SelectiveScan.scan(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], softplus);
    }

    @Test void gradcheckAllInputsGrouped() {
        // every input, G = 2 groups: the custom op's backward (reference) against central differences
        GradCheck.check(v -> scan(v, true), inputs(1, 2, 4, 5, 3, 2));
    }

    @Test void gradcheckOneGroupGivenAsRank3AndWithoutSoftplus() {
        Tensor[] in = inputs(2, 1, 3, 6, 2, 0);
        in[1] = in[1].abs().mul(0.1);                   // without softplus dt = delta + bias must stay positive
        in[7] = in[7].abs().mul(0.05);
        GradCheck.check(v -> scan(v, false), in);
    }

    @Test void gradcheckReverseScan() {
        // reverse = the scan of the flipped sequence, flipped back: gradients through the flip path (CPU)
        GradCheck.check(v -> SelectiveScan.scan(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], true, true), inputs(4, 2, 3, 5, 2, 1));
    }

    @Test void gradcheckPairOfScans() {
        // scanPair (Vim's two directions as one node): all 16 inputs, second call reversed, the sum of both outputs
        Tensor[] a = inputs(5, 2, 3, 4, 2, 0), b = inputs(6, 2, 3, 4, 2, 0);
        Tensor[] all = new Tensor[16];
        System.arraycopy(a, 0, all, 0, 8);
        System.arraycopy(b, 0, all, 8, 8);
        GradCheck.check(v -> {
            Var[] out = SelectiveScan.scanPair(java.util.Arrays.copyOfRange(v, 0, 8), false, java.util.Arrays.copyOfRange(v, 8, 16), true, true);
            return out[0].add(out[1].mul(0.7));
        }, all);
    }

    @Test void gradcheckWithoutOptionalInputs() {
        Tensor[] in = inputs(3, 2, 2, 4, 2, 1);
        GradCheck.check(v -> SelectiveScan.scan(v[0], v[1], v[2], v[3], v[4], null, null, null, true),
                in[0], in[1], in[2], in[3], in[4]);
    }

    @Test void float32FastKernelMatchesTheReferenceThroughVar() {
        // L = 150 spans three 64-position chunks of the fast kernel; G = 2
        Tensor[] in64 = inputs(4, 2, 6, 150, 4, 2);
        Var[] v64 = new Var[8], v32 = new Var[8];
        for (int i = 0; i < 8; i++) {
            v64[i] = Var.param(in64[i]);
            v32[i] = Var.param(in64[i].to(DType.F32));
        }
        Tensor gout = gaussian(new SplittableRandom(5), 1, 2, 6, 150);
        Var out64 = scan(v64, true), out32 = scan(v32, true);
        assertTrue(out32.dtype() == DType.F32);
        out64.backward(gout);
        out32.backward(gout.to(DType.F32));
        // float32 rounding over a 150-step recurrence with |values| ~ 1..10: relative 1e-4 of the
        // largest magnitude is ~100 ulps of float32 and far below any real error (O(1) of the value)
        close("out", out64.value(), out32.value());
        String[] names = {"u", "delta", "A", "B", "C", "D", "z", "deltaBias"};
        for (int i = 0; i < 8; i++) close("grad " + names[i], v64[i].grad(), v32[i].grad());
    }

    @Test void lastStateEqualsTheReferenceAndIsDetached() {
        Tensor[] in = inputs(6, 1, 3, 70, 2, 1);
        Var[] v = new Var[8];
        for (int i = 0; i < 8; i++) v[i] = Var.param(in[i].to(DType.F32));
        SelectiveScan.Result r = SelectiveScan.scanWithLastState(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], true);
        assertFalse(r.lastState().requiresGrad());
        assertArrayEquals(new int[] {1, 3, 2}, r.lastState().shape());
        ScanArgsF64 args = new ScanArgsF64(new ScanShape(1, 3, 70, 2, 1), in[0].toDoubleArray(), in[1].toDoubleArray(),
                in[2].toDoubleArray(), in[3].toDoubleArray(), in[4].toDoubleArray(), in[5].toDoubleArray(),
                in[6].toDoubleArray(), in[7].toDoubleArray(), true);
        SelectiveScanReference.Forward ref = SelectiveScanReference.forward(args);
        close("last state", Tensor.of(ref.lastState(), 1, 3, 2), r.lastState().value());
        close("out", Tensor.of(ref.out(), 1, 3, 70), r.out().value());
    }

    @Test void badShapesNameTheArgument() {
        Tensor[] in = inputs(7, 1, 4, 5, 2, 1);
        Var[] v = new Var[8];
        for (int i = 0; i < 8; i++) v[i] = Var.of(in[i]);
        var e = assertThrows(IllegalArgumentException.class,
                () -> SelectiveScan.scan(v[0], v[1], Var.of(Tensor.zeros(DType.F64, in[0].device(), 3, 2)), v[3], v[4], v[5], v[6], v[7], true));
        assertTrue(e.getMessage().contains("A must have shape (D, N) with D = 4") && e.getMessage().contains("[3, 2]"), e.getMessage());
        var g = assertThrows(IllegalArgumentException.class, () -> SelectiveScan.scan(v[0], v[1], v[2],
                Var.of(Tensor.zeros(DType.F64, in[0].device(), 1, 3, 2, 5)), Var.of(Tensor.zeros(DType.F64, in[0].device(), 1, 3, 2, 5)),
                v[5], v[6], v[7], true));
        assertTrue(g.getMessage().contains("G = 3"), g.getMessage());
    }

    /** |a − b| ≤ 1e-4 · max|a| + 1e-6 elementwise (see the float32 comment above). */
    static void close(String what, Tensor expected, Tensor actual) {
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        double scale = 0;
        for (double x : e) scale = Math.max(scale, Math.abs(x));
        for (int i = 0; i < e.length; i++) {
            double tol = 1e-4 * scale + 1e-6;
            if (Math.abs(e[i] - a[i]) > tol) {
                throw new AssertionError(what + " element " + i + ": expected " + e[i] + ", got " + a[i] + " (tolerance " + tol + ")");
            }
        }
    }
}
