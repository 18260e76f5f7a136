package dev.jmamba.vision.image;

import dev.jmamba.tensor.JmambaException;

/**
 * Per-channel mean and standard deviation used to normalise inputs: {@code (x - mean[c]) / std[c]}.
 *
 * @param mean (C) channel means of [0, 1] pixel values
 * @param std  (C) channel standard deviations
 */
public record Normalization(float[] mean, float[] std) {

    /** timm's IMAGENET_DEFAULT_MEAN / IMAGENET_DEFAULT_STD, for RGB images. */
    public static final Normalization IMAGENET = new Normalization(
            new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

    /**
     * Fashion-MNIST training-set statistics (mean 0.2860, std 0.3530 of pixel/255 over all 60000 images;
     * {@code FashionMnistTest} recomputes them from the installed files).
     */
    public static final Normalization FASHION_MNIST = new Normalization(new float[] {0.2860f}, new float[] {0.3530f});

    public Normalization {
        if (mean.length != std.length || mean.length == 0) {
            throw new JmambaException("mean and std need one value per channel, got " + mean.length + " and " + std.length);
        }
        for (float s : std) {
            if (!(s > 0)) throw new JmambaException("std must be positive, got " + s);
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** Mean 0.5, std 0.5 per channel: maps [0, 1] to [-1, 1]. */
    public static Normalization half(int channels) {
        float[] v = new float[channels];
        java.util.Arrays.fill(v, 0.5f);
        return new Normalization(v, v);
    }

    public int channels() {
        return mean.length;
    }

    @Override public float[] mean() {
        return mean.clone();
    }

    @Override public float[] std() {
        return std.clone();
    }

    /** Normalises {@code image} in place. */
    void applyInPlace(FloatImage image) {
        if (image.channels() != mean.length) {
            throw new JmambaException("normalisation has " + mean.length + " channels but the image is " + image.shapeText());
        }
        float[] d = image.data();
        int plane = image.height() * image.width();
        for (int c = 0; c < mean.length; c++) {
            float m = mean[c];
            float inv = 1f / std[c];
            for (int i = c * plane, end = i + plane; i < end; i++) d[i] = (d[i] - m) * inv;
        }
    }
}
