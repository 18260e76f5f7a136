package dev.jmamba.ssm.kernel;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The worked example of ssm/README.md (B = 1, D = 1, N = 2, L = 4): the hand-computed states,
 * outputs and two gradients, checked against the reference and both fast kernels.
 */
class WorkedExampleTest {

    private static final ScanShape SHAPE = new ScanShape(1, 1, 4, 2, 1);
    private static final double LN2 = Math.log(2);

    /** Inputs exactly as in the README; A = (-ln 2, -ln 4) so that exp(dt·A) = (1/2, 1/4) at dt = 1. */
    private static ScanArgsF64 example() {
        double[] u = {2, 1, 1, 0};                       // (B, D, L)
        double[] delta = {1, 1, 2, 1};                   // (B, D, L) = dt (no bias, no softplus)
        double[] A = {-LN2, -2 * LN2};                   // (D, N)
        double[] Bm = {1, 1, 0.5, 1,   1, -1, 2, 1};     // (B, G, N, L): row n = 0, then row n = 1
        double[] Cm = {1, 1, 2, 1,     1, 2, 0, 1};      // (B, G, N, L)
        double[] dSkip = {1};                            // (D)
        return new ScanArgsF64(SHAPE, u, delta, A, Bm, Cm, dSkip, null, null, false);
    }

    /** h at each step, (B, D, L, N), computed by hand in the README. */
    private static final double[] STATES = {2, 2,   2, -0.5,   1.5, 3.96875,   0.75, 0.9921875};
    /** out = y + Dskip·u. */
    private static final double[] OUT = {6, 2, 4, 1.7421875};

    @Test
    void referenceReproducesTheHandComputation() {
        SelectiveScanReference.Forward f = SelectiveScanReference.forward(example());
        assertArrayEquals(STATES, f.states(), 1e-12);
        assertArrayEquals(OUT, f.out(), 1e-12);
        assertArrayEquals(new double[] {0.75, 0.9921875}, f.lastState(), 1e-12);

        // with gout = 1: dC[n, l] = gy · h[l, n] = h[l, n] and dDskip = Σ u = 4
        ScanGradsF64 g = SelectiveScanReference.backward(example(), new double[] {1, 1, 1, 1});
        assertArrayEquals(new double[] {2, 2, 1.5, 0.75,   2, -0.5, 3.96875, 0.9921875}, g.dC(), 1e-12);
        assertEquals(4.0, g.dDskip()[0], 1e-12);
    }

    @Test
    void fastKernelsReproduceTheHandComputation() {
        ScanArgsF64 e = example();
        ScanArgs args = new ScanArgs(SHAPE, narrow(e.u()), narrow(e.delta()), narrow(e.A()), narrow(e.Bm()),
                narrow(e.Cm()), narrow(e.dSkip()), null, null, false);
        for (SelectiveScanCpu kernel : new SelectiveScanCpu[] {SelectiveScanCpu.scalar(), SelectiveScanCpu.simd()}) {
            ScanForward f = kernel.forward(args, true);
            // float32: a few ulp of values below 8, so 1e-5 absolute
            assertArrayEquals(narrow(OUT), f.out(), 1e-5f);
            assertArrayEquals(new float[] {0.75f, 0.9921875f}, f.lastState(), 1e-5f);
        }
    }

    private static float[] narrow(double[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (float) x[i];
        return y;
    }
}
