package dev.jmamba.app.train;

import dev.jmamba.app.data.Dataset;
import dev.jmamba.vision.image.Normalization;
import dev.jmamba.app.data.Sample;
import dev.jmamba.app.data.Seeds;

import java.util.List;
import java.util.Optional;

/**
 * A fixed random subset of {@code n} samples of a data set (the first n of a seeded permutation,
 * kept in index order), so a small subset of a class-sorted folder or of data with periodic labels
 * still covers every class. The choice depends only on (N, n).
 */
final class SubsetDataset implements Dataset {
    private static final long SUBSET_SEED = 0x5B5E7L;
    private final Dataset base;
    private final int n;
    private final int[] indices; // (n) indices into base, ascending

    SubsetDataset(Dataset base, int n) {
        if (n < 1 || n > base.size()) throw new IllegalArgumentException("subset size " + n + " outside [1, " + base.size() + "] of " + base.description());
        this.base = base;
        this.n = n;
        this.indices = java.util.Arrays.copyOf(Seeds.permutation(SUBSET_SEED, 0, base.size()), n);
        java.util.Arrays.sort(indices);
    }

    /** {@code base} itself when {@code limit} is 0 or at least its size, else the evenly spaced subset. */
    static Dataset limit(Dataset base, int limit) {
        return limit <= 0 || limit >= base.size() ? base : new SubsetDataset(base, limit);
    }

    Dataset base() { return base; }

    private int map(int index) {
        Dataset.checkIndex(this, index);
        return indices[index];
    }

    @Override public int size() { return n; }

    @Override public List<String> classNames() { return base.classNames(); }

    @Override public int channels() { return base.channels(); }

    @Override public Optional<Size> nativeSize() { return base.nativeSize(); }

    @Override public Sample load(int index) { return base.load(map(index)); }

    @Override public int label(int index) { return base.label(map(index)); }

    @Override public java.nio.file.Path file(int index) { return base.file(map(index)); }

    @Override public boolean supportsFused() { return base.supportsFused(); }

    @Override public int loadFused(int index, dev.jmamba.app.data.FusedCrop crop, java.util.function.Supplier<java.util.SplittableRandom> rngs,
                                   float[] dst, int offset, dev.jmamba.app.data.StageTimes times) {
        return base.loadFused(map(index), crop, rngs, dst, offset, times);
    }

    @Override public Normalization normalization() { return base.normalization(); }

    @Override public String description() { return base.description() + ", a fixed random " + n + " of them"; }
}
