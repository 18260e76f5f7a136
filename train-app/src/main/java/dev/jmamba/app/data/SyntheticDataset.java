package dev.jmamba.app.data;

import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.Normalization;

import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * A procedural 10-class image data set so that training always has data. Each class is a pattern family
 * (stripes of two frequencies in two orientations, checkerboard, rings, disc, square, plaid, plus sign);
 * every image draws its own phase, position, size, contrast, colours and Gaussian pixel noise from a stream
 * seeded by (seed, split, index), so the data are deterministic and cheap, yet a small model must learn
 * the pattern rather than memorise pixels. All classes are invariant under horizontal flips, so flip
 * augmentation never changes the label. Labels are {@code index % 10}: every class has the same count
 * (± 1). Train and validation use different streams, so they share no image.
 */
public final class SyntheticDataset implements Dataset {

    /** Class names, index = label. */
    public static final List<String> CLASS_NAMES = List.of(
            "horizontal-wide", "horizontal-narrow", "vertical-wide", "vertical-narrow", "checkerboard",
            "rings", "disc", "square", "plaid", "plus");

    private static final long TRAIN_STREAM = 0x7121L;
    private static final long VAL_STREAM = 0x7A1L;

    private final String split;
    private final int count;
    private final int channels;
    private final int height;
    private final int width;
    private final long seed;

    private SyntheticDataset(String split, int count, int channels, int height, int width, long seed) {
        if (count <= 0) throw new IllegalArgumentException("synthetic " + split + " size must be positive, got " + count);
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("synthetic channels must be 1 or 3, got " + channels);
        if (height < 8 || width < 8) throw new IllegalArgumentException("synthetic images need at least 8×8 pixels, got " + height + "×" + width);
        this.split = split;
        this.count = count;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.seed = Seeds.combine(seed, split.equals("train") ? TRAIN_STREAM : VAL_STREAM, 0);
    }

    /** Training split of {@code count} images of shape (channels, height, width). */
    public static SyntheticDataset train(int count, int channels, int height, int width, long seed) {
        return new SyntheticDataset("train", count, channels, height, width, seed);
    }

    /** Validation split; disjoint from the training split of the same seed. */
    public static SyntheticDataset val(int count, int channels, int height, int width, long seed) {
        return new SyntheticDataset("val", count, channels, height, width, seed);
    }

    @Override public int size() {
        return count;
    }

    @Override public List<String> classNames() {
        return CLASS_NAMES;
    }

    @Override public int channels() {
        return channels;
    }

    @Override public Optional<Size> nativeSize() {
        return Optional.of(new Size(height, width));
    }

    @Override public int label(int index) {
        Dataset.checkIndex(this, index);
        return index % CLASS_NAMES.size();
    }

    @Override public Normalization normalization() {
        return Normalization.half(channels);
    }

    @Override public String description() {
        return "synthetic " + split + " (" + count + " images of " + channels + "×" + height + "×" + width + ", 10 classes)";
    }

    @Override public Sample load(int index) {
        int label = label(index);
        SplittableRandom rng = new SplittableRandom(Seeds.combine(seed, index, 0x5EEDL));
        float[] pattern = new float[height * width]; // (H, W) in [0, 1]: 1 = foreground
        drawPattern(label, pattern, rng);
        float contrast = (float) rng.nextDouble(0.6, 1.0);
        float noise = (float) rng.nextDouble(0.03, 0.12);
        float[] data = new float[channels * height * width];
        for (int c = 0; c < channels; c++) {
            float background = (float) rng.nextDouble(0.0, 0.35);
            float foreground = background + contrast * (float) rng.nextDouble(0.6, 1.0) * (1 - background);
            for (int i = 0; i < pattern.length; i++) {
                float v = background + (foreground - background) * pattern[i] + noise * (float) rng.nextGaussian();
                data[c * pattern.length + i] = Math.clamp(v, 0f, 1f);
            }
        }
        return new Sample(new FloatImage(channels, height, width, data), label);
    }

    /** Fills {@code pattern} (H, W) with the class pattern at a random phase / position / size. */
    private void drawPattern(int label, float[] pattern, SplittableRandom rng) {
        int minSide = Math.min(height, width);
        double phase = rng.nextDouble(0, 2 * Math.PI);
        double wide = minSide / 3.0 * rng.nextDouble(0.85, 1.15);   // period of "wide" stripes, pixels
        double narrow = minSide / 8.0 * rng.nextDouble(0.85, 1.15); // period of "narrow" stripes, pixels
        double cy = height / 2.0 + rng.nextDouble(-0.15, 0.15) * height;
        double cx = width / 2.0 + rng.nextDouble(-0.15, 0.15) * width;
        double radius = minSide * rng.nextDouble(0.22, 0.36);
        double thickness = Math.max(1.5, minSide * rng.nextDouble(0.08, 0.14));
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double dy = y + 0.5 - cy;
                double dx = x + 0.5 - cx;
                double v = switch (label) {
                    case 0 -> wave(y, wide, phase);
                    case 1 -> wave(y, narrow, phase);
                    case 2 -> wave(x, wide, phase);
                    case 3 -> wave(x, narrow, phase);
                    case 4 -> (Math.floorMod((int) Math.floor((x + phase) / (wide / 2)) + (int) Math.floor((y + phase) / (wide / 2)), 2));
                    case 5 -> wave(Math.hypot(dy, dx), narrow * 1.5, phase);
                    case 6 -> Math.hypot(dy, dx) <= radius ? 1 : 0;
                    case 7 -> Math.max(Math.abs(dy), Math.abs(dx)) <= radius * 0.85 ? 1 : 0;
                    case 8 -> 0.5 * (wave((dx + dy) / Math.sqrt(2), narrow * 1.4, phase) + wave((dx - dy) / Math.sqrt(2), narrow * 1.4, phase));
                    case 9 -> (Math.abs(dy) <= thickness && Math.abs(dx) <= radius) || (Math.abs(dx) <= thickness && Math.abs(dy) <= radius) ? 1 : 0;
                    default -> throw new IllegalStateException("label " + label);
                };
                pattern[y * width + x] = (float) v;
            }
        }
    }

    /** A sinusoid in [0, 1] along coordinate {@code t} with the given period. */
    private static double wave(double t, double period, double phase) {
        return 0.5 + 0.5 * Math.sin(2 * Math.PI * t / period + phase);
    }
}
