package dev.jmamba.ssm.kernel;

import dev.jmamba.ssm.kernel.ScanTestData.Options;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad shapes fail once, up front, with a message naming the argument, the expected shape and what arrived. */
class ScanArgsValidationTest {

    private static final ScanShape SHAPE = new ScanShape(2, 4, 5, 3, 2);
    private static final ScanArgs GOOD = ScanTestData.random(SHAPE, Options.ALL, 1);

    private static float[] shorter(float[] a) { return Arrays.copyOf(a, a.length - 1); }

    private static void assertMessage(IllegalArgumentException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
        }
    }

    @Test
    void wrongLengthNamesArgumentShapeAndActual() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ScanArgs(SHAPE, shorter(GOOD.u()), GOOD.delta(),
                GOOD.A(), GOOD.Bm(), GOOD.Cm(), GOOD.dSkip(), GOOD.z(), GOOD.deltaBias(), true));
        assertMessage(e, "u:", "(B, D, L) = (2, 4, 5)", "40 elements", "got an array of 39");

        e = assertThrows(IllegalArgumentException.class, () -> new ScanArgs(SHAPE, GOOD.u(), GOOD.delta(),
                shorter(GOOD.A()), GOOD.Bm(), GOOD.Cm(), GOOD.dSkip(), GOOD.z(), GOOD.deltaBias(), true));
        assertMessage(e, "A:", "(D, N) = (4, 3)", "got an array of 11");

        e = assertThrows(IllegalArgumentException.class, () -> new ScanArgs(SHAPE, GOOD.u(), GOOD.delta(),
                GOOD.A(), GOOD.Bm(), new float[SHAPE.batch() * SHAPE.state() * SHAPE.length()], GOOD.dSkip(),
                GOOD.z(), GOOD.deltaBias(), true));
        assertMessage(e, "Cm:", "(B, G, N, L) = (2, 2, 3, 5)", "60 elements", "got an array of 30");

        e = assertThrows(IllegalArgumentException.class, () -> new ScanArgs(SHAPE, GOOD.u(), GOOD.delta(),
                GOOD.A(), GOOD.Bm(), GOOD.Cm(), GOOD.dSkip(), shorter(GOOD.z()), GOOD.deltaBias(), true));
        assertMessage(e, "z:", "(B, D, L)");

        e = assertThrows(IllegalArgumentException.class, () -> new ScanArgs(SHAPE, GOOD.u(), GOOD.delta(),
                GOOD.A(), GOOD.Bm(), GOOD.Cm(), GOOD.dSkip(), GOOD.z(), new float[3], true));
        assertMessage(e, "deltaBias:", "(D) = (4)", "got an array of 3");
    }

    @Test
    void missingRequiredArrayIsNamed() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ScanArgs(SHAPE, GOOD.u(), null,
                GOOD.A(), GOOD.Bm(), GOOD.Cm(), null, null, null, false));
        assertMessage(e, "delta:", "(B, D, L)", "got null");
    }

    @Test
    void badSizesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> new ScanShape(2, 6, 5, 3, 4));
        assertMessage(e, "channels D = 6", "groups G = 4");
        e = assertThrows(IllegalArgumentException.class, () -> new ScanShape(2, 4, 0, 3, 1));
        assertMessage(e, "length L", "got 0");
    }

    @Test
    void float64ArgsAreCheckedToo() {
        ScanArgsF64 good = GOOD.toF64();
        var e = assertThrows(IllegalArgumentException.class, () -> new ScanArgsF64(SHAPE, good.u(), good.delta(),
                good.A(), Arrays.copyOf(good.Bm(), 7), good.Cm(), null, null, null, true));
        assertMessage(e, "Bm:", "(B, G, N, L) = (2, 2, 3, 5)", "got an array of 7");
        e = assertThrows(IllegalArgumentException.class, () -> SelectiveScanReference.backward(good, new double[4]));
        assertMessage(e, "gout:", "(B, D, L) = (2, 4, 5)", "got an array of 4");
    }

    @Test
    void backwardChecksSavedStatesAndGout() {
        SelectiveScanCpu kernel = SelectiveScanCpu.create();
        float[] states = kernel.forward(GOOD, false).chunkStates();
        var e = assertThrows(IllegalArgumentException.class,
                () -> kernel.backward(GOOD, shorter(states), new float[SHAPE.sequenceSize()]));
        assertMessage(e, "chunkStates:", "(2, 4, 1, 3)", "got an array of 23");
        e = assertThrows(IllegalArgumentException.class, () -> kernel.backward(GOOD, states, new float[39]));
        assertMessage(e, "gout:", "(B, D, L) = (2, 4, 5)", "got an array of 39");
    }
}
