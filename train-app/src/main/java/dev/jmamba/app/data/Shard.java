package dev.jmamba.app.data;

/**
 * This process's share of every batch when {@code worldSize} processes train together (data
 * parallel): each step consumes one <em>global</em> batch of {@code B·worldSize} consecutive samples
 * of the epoch's order ({@link Seeds#permutation}, the same on every rank for the same seed), and
 * rank r takes samples {@code [r·B, (r+1)·B)} of it. So the ranks' shares of an epoch are disjoint,
 * together they are exactly the samples a single process with batch {@code B·worldSize} trains on,
 * and the data position (epoch, global batch) does not depend on the world size — a run can resume
 * with another number of processes.
 *
 * <p>Padding rule: none. Training drops the last {@code N mod (B·worldSize)} samples of each epoch's
 * order (as the single process with the global batch does); every rank gets exactly B samples per step.
 *
 * @param rank      this process, 0 ≤ rank < worldSize
 * @param worldSize the number of processes
 */
public record Shard(int rank, int worldSize) {
    /** A single process: the whole batch. */
    public static final Shard NONE = new Shard(0, 1);

    public Shard {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("shard: expected 0 <= rank < world size, got rank " + rank + " of " + worldSize);
        }
    }

    /** Steps per epoch of {@code n} samples at {@code batchPerRank} samples per rank: whole global batches only. */
    public int batchesPerEpoch(int n, int batchPerRank) {
        return n / (batchPerRank * worldSize);
    }

    /** The sample indices of this rank's part of global batch {@code batch} of an epoch whose order is {@code order}. */
    public int[] indices(int[] order, int batchPerRank, int batch) {
        long from = ((long) batch * worldSize + rank) * batchPerRank;
        if (batch < 0 || from + batchPerRank > order.length) {
            throw new IllegalArgumentException("batch " + batch + " is past the end of the epoch (" + batchesPerEpoch(order.length, batchPerRank)
                    + " global batches of " + batchPerRank + " x " + worldSize + ")");
        }
        int[] out = new int[batchPerRank];
        System.arraycopy(order, (int) from, out, 0, batchPerRank);
        return out;
    }
}
