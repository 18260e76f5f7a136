package dev.jmamba.app.data;

import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.Normalization;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Fashion-MNIST (Xiao et al. 2017): 28×28 grayscale clothing images in 10 classes, 60000 train and 10000
 * test. Reads the four IDX files ({@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]},
 * {@code t10k-...}) from a folder, by default {@link #DEFAULT_DIR} (Debian's {@code dataset-fashion-mnist}).
 * The whole split is held in memory as bytes (47 MB for train); {@link #load} converts one image to floats.
 */
public final class FashionMnist implements Dataset {

    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** Label names in label order, as in the Fashion-MNIST README. */
    public static final List<String> CLASS_NAMES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private final String split;
    private final int count;
    private final int height;
    private final int width;
    private final byte[] pixels; // (N, H, W) unsigned bytes
    private final byte[] labels; // (N)

    private FashionMnist(String split, IdxFile images, IdxFile labelFile) {
        if (images.count() != labelFile.count()) {
            throw new DataException(images.path() + " holds " + images.count() + " images but " + labelFile.path()
                    + " holds " + labelFile.count() + " labels; they must match");
        }
        for (int i = 0; i < labelFile.data().length; i++) {
            int label = labelFile.data()[i] & 0xff;
            if (label >= CLASS_NAMES.size()) {
                throw new DataException(labelFile.path() + ": label " + label + " at item " + i + " is outside [0, " + CLASS_NAMES.size() + ")");
            }
        }
        this.split = split;
        this.count = images.count();
        this.height = images.dims()[1];
        this.width = images.dims()[2];
        this.pixels = images.data();
        this.labels = labelFile.data();
    }

    /** The 60000-image training split from {@code dir}. */
    public static FashionMnist train(Path dir) {
        return open(dir, "train", "train");
    }

    /** The 10000-image test split (used as validation) from {@code dir}. */
    public static FashionMnist test(Path dir) {
        return open(dir, "t10k", "test");
    }

    /** True when {@code dir} holds the training image file (gzipped or not). */
    public static boolean isPresent(Path dir) {
        return find(dir, "train-images-idx3-ubyte").isPresent();
    }

    private static FashionMnist open(Path dir, String prefix, String split) {
        if (!Files.isDirectory(dir)) {
            throw new DataException(dir + ": Fashion-MNIST folder not found (install Debian's dataset-fashion-mnist or pass a folder holding the IDX files)");
        }
        Path images = require(dir, prefix + "-images-idx3-ubyte");
        Path labels = require(dir, prefix + "-labels-idx1-ubyte");
        return new FashionMnist(split, IdxFile.read(images, 3), IdxFile.read(labels, 1));
    }

    private static Path require(Path dir, String baseName) {
        return find(dir, baseName).orElseThrow(() -> new DataException(
                dir + ": missing " + baseName + " (or " + baseName + ".gz)"));
    }

    private static Optional<Path> find(Path dir, String baseName) {
        for (String name : new String[] {baseName + ".gz", baseName}) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    @Override public int size() {
        return count;
    }

    @Override public List<String> classNames() {
        return CLASS_NAMES;
    }

    @Override public int channels() {
        return 1;
    }

    @Override public Optional<Size> nativeSize() {
        return Optional.of(new Size(height, width));
    }

    @Override public Sample load(int index) {
        Dataset.checkIndex(this, index);
        int plane = height * width;
        float[] data = new float[plane];
        int base = index * plane;
        for (int i = 0; i < plane; i++) data[i] = (pixels[base + i] & 0xff) * (1f / 255f);
        return new Sample(new FloatImage(1, height, width, data), label(index));
    }

    @Override public int label(int index) {
        Dataset.checkIndex(this, index);
        return labels[index] & 0xff;
    }

    @Override public Normalization normalization() {
        return Normalization.FASHION_MNIST;
    }

    @Override public String description() {
        return "fashion-mnist " + split + " (" + count + " images, " + CLASS_NAMES.size() + " classes)";
    }
}
