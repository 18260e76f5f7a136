package dev.jmamba.ssm.kernel;

import dev.jmamba.ssm.kernel.ScanTestData.Options;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The reference backward (spec §3) against central finite differences of the reference forward,
 * in float64, for every input: u, delta, A, B, C, Dskip, z, delta_bias.
 */
class SelectiveScanReferenceGradTest {

    /**
     * Step 1e-5: the central difference's truncation error is O(h²·f''') ≈ 1e-10 and its rounding
     * error O(ε64·|loss| / h) ≈ 1e-16·10 / 1e-5 = 1e-10, so agreement to 1e-6·(1 + |grad|) leaves
     * four orders of margin while any wrong term of a gradient (O(1e-2) or more here) fails.
     */
    private static final double STEP = 1e-5, TOL = 1e-6;

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        Options[] options = {Options.ALL, Options.NONE, new Options(true, false, true, false),
                new Options(false, true, false, true), new Options(true, true, false, true)};
        for (int groups : new int[] {1, 2})
            for (Options o : options) cases.add(Arguments.of(groups, o));
        return cases.stream();
    }

    @ParameterizedTest(name = "G={0} {1}")
    @MethodSource("cases")
    void gradientsMatchFiniteDifferences(int groups, Options o) {
        ScanShape shape = new ScanShape(2, 4, 5, 3, groups);
        ScanArgsF64 args = ScanTestData.random(shape, o, 1000 + groups).toF64();
        double[] gout = new double[shape.sequenceSize()];
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < gout.length; i++) gout[i] = r.nextGaussian();

        ScanGradsF64 grads = SelectiveScanReference.backward(args, gout);

        check("u", args.u(), grads.du(), args, gout);
        check("delta", args.delta(), grads.ddelta(), args, gout);
        check("A", args.A(), grads.dA(), args, gout);
        check("Bm", args.Bm(), grads.dB(), args, gout);
        check("Cm", args.Cm(), grads.dC(), args, gout);
        check("dSkip", args.dSkip(), grads.dDskip(), args, gout);
        check("z", args.z(), grads.dz(), args, gout);
        check("deltaBias", args.deltaBias(), grads.ddeltaBias(), args, gout);
    }

    /** Perturbs every element of {@code input} in place (then restores it) and compares slopes. */
    private static void check(String name, double[] input, double[] grad, ScanArgsF64 args, double[] gout) {
        if (input == null) {
            assertEquals(null, grad, name + " was not given, so its gradient must be null");
            return;
        }
        assertEquals(input.length, grad.length, name + " gradient length");
        double maxGrad = 0;
        for (int i = 0; i < input.length; i++) {
            double saved = input[i];
            input[i] = saved + STEP;
            double up = loss(args, gout);
            input[i] = saved - STEP;
            double down = loss(args, gout);
            input[i] = saved;
            double numeric = (up - down) / (2 * STEP);
            maxGrad = Math.max(maxGrad, Math.abs(numeric));
            if (Math.abs(numeric - grad[i]) > TOL * (1 + Math.abs(numeric))) {
                fail("d loss / d " + name + "[" + i + "]: finite difference " + numeric + ", backward " + grad[i]);
            }
        }
        assertTrue(maxGrad > 1e-3, name + ": gradients are all ~0, the check would be vacuous");
    }

    private static double loss(ScanArgsF64 args, double[] gout) {
        double[] out = SelectiveScanReference.forward(args).out();
        double sum = 0;
        for (int i = 0; i < out.length; i++) sum += gout[i] * out[i];
        return sum;
    }
}
