package dev.jmamba.ssm.kernel;

import dev.jmamba.ssm.kernel.ScanTestData.Options;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static dev.jmamba.ssm.kernel.SelectiveScanCpuTest.assertClose;
import static dev.jmamba.ssm.kernel.SelectiveScanCpuTest.assertGradsClose;

/**
 * Each of the two Vector API kernels (SIMD across positions, SIMD across channels) on every shape
 * of {@link SelectiveScanCpuTest}, whatever N (the default kernel picks one of them by N), against
 * the reference with the same tolerance, plus shapes with full and partial channel blocks.
 */
class ScanSimdKernelsTest {

    static Stream<Arguments> cases() {
        Stream<Arguments> shared = SelectiveScanCpuTest.cases()
                .filter(c -> c.get()[0].equals("simd"))
                .flatMap(c -> Stream.of("positions", "channels").map(k -> Arguments.of(k, c.get()[1], c.get()[2])));
        Stream<Arguments> blocks = Stream.of(new ScanShape(2, 40, 70, 1, 1), new ScanShape(1, 64, 130, 16, 2),
                        new ScanShape(2, 48, 33, 4, 3), new ScanShape(3, 24, 4, 1, 4), new ScanShape(2, 64, 49, 1, 4))
                .flatMap(s -> Stream.of("positions", "channels").map(k -> Arguments.of(k, s, Options.ALL)));
        return Stream.concat(shared, blocks);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void matchesReference(String kernelName, ScanShape shape, Options o) {
        SelectiveScanCpu kernel = kernelName.equals("positions")
                ? SelectiveScanCpu.simdAcrossPositions() : SelectiveScanCpu.simdAcrossChannels();
        ScanArgs args = ScanTestData.random(shape, o, shape.hashCode() * 31L + o.hashCode());
        ScanArgsF64 ref = args.toF64();
        float[] gout = ScanTestData.normal(new SplittableRandom(11), shape.sequenceSize(), 1.0);
        int m = shape.batch() * shape.length() * Math.max(shape.state(), shape.channelsPerGroup());

        ScanForward fast = kernel.forward(args, true);
        SelectiveScanReference.Forward slow = SelectiveScanReference.forward(ref);
        assertClose("out", slow.out(), fast.out(), m);
        assertClose("lastState", slow.lastState(), fast.lastState(), m);

        ScanGrads g = kernel.backward(args, fast.chunkStates(), gout);
        ScanGradsF64 r = SelectiveScanReference.backward(ref, ScanArgs.widen(gout));
        assertGradsClose(r, g, m);
    }
}
