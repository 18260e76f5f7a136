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
