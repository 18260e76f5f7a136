package dev.jmamba.nn;

import dev.jmamba.tensor.JmambaException;

/**
 * A layer that draws random numbers in training (Dropout, DropPath): call i of its forward uses the
 * counter-based generator with seed {@code Seeds.derive(seed, i)}. A trainer that wants the masks to
 * depend only on the step — so a resumed run draws what a straight run would — moves every random
 * layer to {@code step · CALLS_PER_STEP} before the step's forward ({@link #seekAll}).
 */
public interface RandomLayer {
    /** Stream positions reserved per training step (uses of one layer within one forward). */
    long CALLS_PER_STEP = 1L << 20;

    /** Index of the next draw. */
    long calls();

    /** Makes the next draw use index {@code position}. */
    void seek(long position);

    /** Moves every random layer under {@code root} to {@code step · CALLS_PER_STEP}. */
    static void seekAll(Module root, long step) {
        if (step < 0) throw new JmambaException("RandomLayer.seekAll: step must be >= 0, got " + step);
        for (Module m : root.namedModules().values()) {
            if (m instanceof RandomLayer r) r.seek(Math.multiplyExact(step, CALLS_PER_STEP));
        }
    }
}
