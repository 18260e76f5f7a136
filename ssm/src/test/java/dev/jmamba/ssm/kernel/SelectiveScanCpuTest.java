package dev.jmamba.ssm.kernel;

import dev.jmamba.ssm.kernel.ScanTestData.Options;
import dev.jmamba.tensor.cpu.SimdSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fused float32 kernel (scalar and SIMD loops) against the float64 reference on seeded random
 * inputs: out, lastState, the saved chunk states and every gradient.
 *
 * <p>Tolerance. Both sides read the same float32 inputs, so the difference is the kernel's own
 * float32 rounding. Every result element is a sum/recurrence over at most
 * m = B · L · max(N, D/G) terms (out: L positions × N states; dA, dDskip, ddelta_bias: B · L;
 * dB, dC: L positions × D/G channels), each term a product of a few rounded factors (an exp or
 * log1p of ≤ 2 ulp, 2–4 multiplies). Rounding errors of size u = 2⁻²⁴ per operation add up like a
 * random walk, so an element is off by about c · u · √m times the magnitude of what it sums,
 * with c ≈ 4 ops × 4 (a 4σ tail over thousands of elements) = 16. The magnitude is
 * |ref_i| + rms(ref) (rms over the whole array covers elements that are small after
 * cancellation). So we require |fast_i − ref_i| ≤ 16 · u · √m · (|ref_i| + rms(ref)). For the
 * largest case here (m ≈ 10⁴) that is ≈ 1e-4 relative; a wrong term gives errors of order 1.
 */
class SelectiveScanCpuTest {

    private static final double UNIT_ROUNDOFF = 0x1p-24, C = 16;

    static Stream<Arguments> cases() {
        // (B, D, L, N, G): L = 1, L around and at chunk multiples (64), N = 1, 2, 16, 17, G > 1
        int[][] shapes = {
                {2, 4, 1, 16, 1}, {2, 4, 7, 3, 2}, {2, 4, 63, 16, 1}, {1, 3, 65, 17, 1}, {2, 4, 64, 16, 4},
                {1, 2, 128, 16, 1}, {2, 4, 129, 2, 2}, {2, 6, 200, 1, 3}, {2, 8, 200, 16, 2}, {1, 4, 200, 17, 2},
        };
        Options[] options = {Options.ALL, Options.NONE, new Options(true, false, false, true),
                new Options(false, true, false, true), new Options(false, false, true, true),
                new Options(true, true, true, false)};
        List<Arguments> cases = new ArrayList<>();
        for (String kernel : new String[] {"scalar", "simd"})
            for (int i = 0; i < shapes.length; i++) {
                int[] s = shapes[i];
                ScanShape shape = new ScanShape(s[0], s[1], s[2], s[3], s[4]);
                // every shape runs with all optionals on and off; the single toggles rotate over shapes
                cases.add(Arguments.of(kernel, shape, Options.ALL));
                cases.add(Arguments.of(kernel, shape, Options.NONE));
                cases.add(Arguments.of(kernel, shape, options[2 + i % 4]));
            }
        // spec §6 lengths crossing chunk and 2048 boundaries, N = 1 and 16
        for (String kernel : new String[] {"scalar", "simd"}) {
            cases.add(Arguments.of(kernel, new ScanShape(1, 2, 2049, 16, 1), Options.ALL));
            cases.add(Arguments.of(kernel, new ScanShape(1, 4, 5000, 1, 2), Options.ALL));
        }
        return cases.stream();
    }

    private static SelectiveScanCpu kernel(String name) {
        return name.equals("simd") ? SelectiveScanCpu.simd() : SelectiveScanCpu.scalar();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void matchesReference(String kernelName, ScanShape shape, Options o) {
        ScanArgs args = ScanTestData.random(shape, o, shape.hashCode() * 31L + o.hashCode());
        ScanArgsF64 ref = args.toF64();
        float[] gout = ScanTestData.normal(new SplittableRandom(11), shape.sequenceSize(), 1.0);
        int m = shape.batch() * shape.length() * Math.max(shape.state(), shape.channelsPerGroup());

        SelectiveScanCpu kernel = kernel(kernelName);
        ScanForward fast = kernel.forward(args, true);
        SelectiveScanReference.Forward slow = SelectiveScanReference.forward(ref);
        assertClose("out", slow.out(), fast.out(), m);
        assertClose("lastState", slow.lastState(), fast.lastState(), m);
        assertClose("chunkStates", chunkEnds(slow.states(), shape), fast.chunkStates(), m);

        ScanGrads g = kernel.backward(args, fast.chunkStates(), gout);
        ScanGradsF64 r = SelectiveScanReference.backward(ref, ScanArgs.widen(gout));
        assertGradsClose(r, g, m);
    }

    @Test
    void forwardWithoutLastStateReturnsNull() {
        ScanArgs args = ScanTestData.random(new ScanShape(1, 2, 10, 4, 1), Options.ALL, 3);
        assertNull(SelectiveScanCpu.create().forward(args, false).lastState());
    }

    @Test
    void simdKernelIsAvailableInTests() {
        assertTrue(SimdSupport.ENABLED, "tests run with --add-modules jdk.incubator.vector");
        assertTrue(SelectiveScanCpu.simd().usesSimd());
        assertTrue(!SelectiveScanCpu.scalar().usesSimd());
    }

    /** (B, D, L, N) reference states reduced to (B, D, nChunks, N): the state at each chunk's last position. */
    private static double[] chunkEnds(double[] states, ScanShape s) {
        int B = s.batch(), D = s.channels(), L = s.length(), N = s.state(), chunks = s.chunks(SelectiveScanCpu.CHUNK);
        double[] ends = new double[B * D * chunks * N];
        for (int bd = 0; bd < B * D; bd++)
            for (int c = 0; c < chunks; c++) {
                int last = Math.min(L, (c + 1) * SelectiveScanCpu.CHUNK) - 1;
                System.arraycopy(states, (bd * L + last) * N, ends, (bd * chunks + c) * N, N);
            }
        return ends;
    }

    /** Every gradient of the fast kernel against the float64 reference, each with {@link #assertClose}. */
    static void assertGradsClose(ScanGradsF64 r, ScanGrads g, int m) {
        assertClose("du", r.du(), g.du(), m);
        assertClose("ddelta", r.ddelta(), g.ddelta(), m);
        assertClose("dA", r.dA(), g.dA(), m);
        assertClose("dB", r.dB(), g.dB(), m);
        assertClose("dC", r.dC(), g.dC(), m);
        assertClose("dDskip", r.dDskip(), g.dDskip(), m);
        assertClose("dz", r.dz(), g.dz(), m);
        assertClose("ddeltaBias", r.ddeltaBias(), g.ddeltaBias(), m);
    }

    static void assertClose(String name, double[] ref, float[] got, int terms) {
        if (ref == null) {
            assertNull(got, name + " should be null");
            return;
        }
        assertEquals(ref.length, got.length, name + " length");
        double sumSq = 0;
        for (double v : ref) sumSq += v * v;
        double rms = Math.sqrt(sumSq / ref.length);
        double tol = C * UNIT_ROUNDOFF * Math.sqrt(terms);
        for (int i = 0; i < ref.length; i++) {
            double err = Math.abs(got[i] - ref[i]);
            if (!(err <= tol * (Math.abs(ref[i]) + rms))) {
                fail(name + "[" + i + "]: fast " + got[i] + ", reference " + ref[i] + ", error " + err
                        + " > " + tol * (Math.abs(ref[i]) + rms) + " (m = " + terms + ")");
            }
        }
    }
}
