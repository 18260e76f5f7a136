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

    /**
     * This thread's part of the global batch in a data-parallel run: the batch of every forward is rows
     * {@code [index·B, (index+1)·B)} of a global batch of {@code count·B}. Per-sample random layers
     * ({@link DropPath}) then draw the global batch's numbers and keep their rows, so N processes drop
     * the same samples as one process with the global batch.
     */
    record BatchShard(int index, int count) {
        public static final BatchShard WHOLE = new BatchShard(0, 1);

        public BatchShard {
            if (count < 1 || index < 0 || index >= count) {
                throw new JmambaException("BatchShard: expected 0 <= index < count, got " + index + " of " + count);
            }
        }
    }

    /** The calling thread's batch shard ({@link BatchShard#WHOLE} unless {@link #setBatchShard} was called). */
    static BatchShard batchShard() {
        return Shards.CURRENT.get();
    }

    /** Sets the calling thread's batch shard (a trainer rank sets its rank and world size; null = the whole batch). */
    static void setBatchShard(BatchShard shard) {
        Shards.CURRENT.set(shard == null ? BatchShard.WHOLE : shard);
    }

    /** Moves every random layer under {@code root} to {@code step · CALLS_PER_STEP}. */
    static void seekAll(Module root, long step) {
        if (step < 0) throw new JmambaException("RandomLayer.seekAll: step must be >= 0, got " + step);
        for (Module m : root.namedModules().values()) {
            if (m instanceof RandomLayer r) r.seek(Math.multiplyExact(step, CALLS_PER_STEP));
        }
    }
}

/** Holder of the per-thread {@link RandomLayer.BatchShard}. */
final class Shards {
    static final ThreadLocal<RandomLayer.BatchShard> CURRENT = ThreadLocal.withInitial(() -> RandomLayer.BatchShard.WHOLE);

    private Shards() {}
}
