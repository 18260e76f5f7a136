package dev.jmamba.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RandomLayer}: step-positioned dropout / drop-path streams, so a resumed run draws the masks of a straight run. */
class RandomLayerTest {

    private static Sequential model() {
        return new Sequential(new Dropout(0.3, 5), new DropPath(0.4, 6), new Dropout(0.2, 7));
    }

    /** The outputs of steps first .. last-1 of training, each step positioned with seekAll(step). */
    private static List<double[]> run(Sequential m, int first, int last) {
        m.train(true);
        List<double[]> out = new ArrayList<>();
        Tensor x = Tensor.ones(6, 10);
        for (int step = first; step < last; step++) {
            RandomLayer.seekAll(m, step);
            out.add(m.forward(Var.of(x)).value().toDoubleArray());
        }
        return out;
    }

    @Test void resumedStepsDrawTheMasksOfAStraightRun() {
        List<double[]> straight = run(model(), 0, 6);
        List<double[]> resumed = run(model(), 3, 6);             // a fresh model (counters at 0) resumed at step 3
        for (int i = 0; i < 3; i++) assertArrayEquals(straight.get(3 + i), resumed.get(i), "step " + (3 + i));
        assertFalse(Arrays.equals(straight.get(0), straight.get(1)), "consecutive steps draw different masks");
    }

    @Test void seekAllPositionsEveryRandomLayer() {
        Sequential m = model();
        RandomLayer.seekAll(m, 7);
        for (Module child : m.namedModules().values()) {
            if (child instanceof RandomLayer r) assertEquals(7 * RandomLayer.CALLS_PER_STEP, r.calls());
        }
        assertThrows(IllegalArgumentException.class, () -> RandomLayer.seekAll(m, -1));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(0.1, 1).seek(-5));
    }
}
