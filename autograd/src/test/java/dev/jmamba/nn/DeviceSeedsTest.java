package dev.jmamba.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link DeviceSeeds} on the CPU (where a seed-table draw reads the table when it is queued, so the
 * seeds are written between a recording pass and the checked pass): the table's seeds are those of
 * the eager step, slot by slot, so draws through it give the eager masks of any step.
 */
class DeviceSeedsTest {

    private static Sequential model() {
        return new Sequential(new Dropout(0.3, 5), new DropPath(0.4, 6), new Dropout(0.2, 7), new Dropout(0.5, 5));
    }

    private static double[] eager(Sequential m, long step, Tensor x) {
        RandomLayer.seekAll(m, step);
        return m.forward(Var.of(x)).value().toDoubleArray();
    }

    private static double[] throughTable(Sequential m, DeviceSeeds seeds, long recordedStep, Tensor x) throws Exception {
        RandomLayer.seekAll(m, recordedStep);
        try (AutoCloseable r = seeds.record(recordedStep)) {
            return m.forward(Var.of(x)).value().toDoubleArray();
        }
    }

    @Test
    void drawsThroughTheTableGiveTheEagerMasksOfTheWrittenStep() throws Exception {
        Sequential m = model();
        m.train(true);
        Tensor x = Tensor.ones(6, 10);
        try (DeviceSeeds seeds = DeviceSeeds.forModel(m, Device.CPU)) {
            throughTable(m, seeds, 2, x);                           // records the slots (a capture would)
            assertEquals(3, seeds.draws(), "one slot per distinct (seed, position): the two layers seeded 5 draw alike in eager steps too");
            for (long step : new long[] {2, 3, 9, 3}) {
                seeds.write(step);
                assertArrayEquals(eager(m, step, x), throughTable(m, seeds, 2, x), "step " + step);
            }
            assertEquals(3, seeds.draws(), "repeated draws reuse their slots");
        }
        assertNull(DeviceSeeds.recording(), "recording ends with its handle");
    }

    @Test
    void refusesDrawsItCannotPlace() throws Exception {
        Sequential m = model();
        m.train(true);
        Tensor x = Tensor.ones(2, 3);
        try (DeviceSeeds small = new DeviceSeeds(Device.CPU, 2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> throughTable(m, small, 0, x));
            assertTrue(e.getMessage().contains("more than 2 times"), e.getMessage());
        }
        try (DeviceSeeds seeds = new DeviceSeeds(Device.CPU, 8)) {
            RandomLayer.seekAll(m, 5);                              // positioned at step 5, recorded as step 0
            try (AutoCloseable r = seeds.record(0)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.forward(Var.of(x)));
                assertTrue(e.getMessage().contains("seekAll"), e.getMessage());
                assertThrows(IllegalStateException.class, () -> seeds.record(0), "one recording per thread");
            }
        }
    }
}
