package dev.jmamba.app.data;

import java.util.SplittableRandom;

/**
 * Derives independent random streams from (seed, epoch, index) so that every random choice of the data
 * pipeline depends only on what it is about, never on thread count or scheduling. Each stream gets its own
 * salt so that, e.g., sample 3 and batch 3 of the same epoch do not share a stream.
 */
public final class Seeds {
    private static final long SAMPLE_SALT = 0x5A3D_1E0B_77C1_42F9L;
    private static final long BATCH_SALT = 0x1B87_3593_C2B2_AE35L;
    private static final long ORDER_SALT = 0x27D4_EB2F_1656_67C5L;

    private Seeds() {
    }

    /** The SplitMix64 finaliser ({@link dev.jmamba.nn.Seeds#mix}). */
    public static long mix(long z) {
        return dev.jmamba.nn.Seeds.mix(z);
    }

    /** Mixes three values into one seed; order matters. */
    public static long combine(long a, long b, long c) {
        return mix(mix(mix(a) + b) + c);
    }

    /** The stream for the per-sample augmentation of dataset index {@code index} in {@code epoch}. */
    public static SplittableRandom forSample(long seed, int epoch, long index) {
        return new SplittableRandom(combine(seed ^ SAMPLE_SALT, epoch, index));
    }

    /** The stream for batch-level augmentation (mixup / cutmix) of batch {@code batchIndex} in {@code epoch}. */
    public static SplittableRandom forBatch(long seed, int epoch, long batchIndex) {
        return new SplittableRandom(combine(seed ^ BATCH_SALT, epoch, batchIndex));
    }

    /** A uniformly random permutation of [0, n) for the sample order of {@code epoch} (Fisher–Yates). */
    public static int[] permutation(long seed, int epoch, int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        SplittableRandom rng = new SplittableRandom(combine(seed ^ ORDER_SALT, epoch, n));
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
