package dev.jmamba.app.data;

import dev.jmamba.vision.image.Normalization;

import java.util.List;
import java.util.Optional;

/**
 * A labelled image data set split (train or validation). Implementations are safe to call from several
 * loader threads at once, and {@link #load} is a pure function of the index (same index, same sample).
 */
public interface Dataset {

    /** Image height and width in pixels. */
    record Size(int height, int width) {
    }

    /** Number of samples. */
    int size();

    /** Class names, index = label. */
    List<String> classNames();

    /** Number of classes, {@code classNames().size()}. */
    default int numClasses() {
        return classNames().size();
    }

    /** Channels of a decoded sample: 1 (grayscale) or 3 (RGB). */
    int channels();

    /** The size every sample has, or empty when samples vary in size (image folders). */
    Optional<Size> nativeSize();

    /** Decodes sample {@code index} (0 ≤ index &lt; size()). */
    Sample load(int index);

    /** True when {@link #loadFused} is offered (image folders). */
    default boolean supportsFused() {
        return false;
    }

    /**
     * Decodes sample {@code index} and transforms it with {@code crop} straight into
     * {@code dst[offset, offset + 3·S·S)}, drawing from a stream {@code rngs} gives (a fresh one
     * per attempt, should the image be replaced); returns its label. The result equals
     * {@code crop.composed()} applied to {@link #load}'s image with that stream (see
     * {@link FusedCrop} for DCT scaling). {@code times} receives the stage times (may be null).
     */
    default int loadFused(int index, FusedCrop crop, java.util.function.Supplier<java.util.SplittableRandom> rngs, float[] dst, int offset,
                          StageTimes times) {
        throw new UnsupportedOperationException(description() + " has no fused decode path");
    }

    /** The file behind sample {@code index}, or null when the samples are not files (IDX, synthetic). */
    default java.nio.file.Path file(int index) {
        return null;
    }

    /** The label of sample {@code index} without decoding the image. */
    int label(int index);

    /** Input normalisation suited to this data: ImageNet statistics for RGB, (0.5, 0.5) for grayscale. */
    default Normalization normalization() {
        return channels() == 3 ? Normalization.IMAGENET : Normalization.half(channels());
    }

    /** A short description for logs, e.g. "fashion-mnist train (60000 images, 10 classes)". */
    String description();

    /** Checks {@code index} against {@link #size()}. */
    static void checkIndex(Dataset dataset, int index) {
        if (index < 0 || index >= dataset.size()) {
            throw new IndexOutOfBoundsException("sample index " + index + " outside [0, " + dataset.size() + ") of " + dataset.description());
        }
    }
}
