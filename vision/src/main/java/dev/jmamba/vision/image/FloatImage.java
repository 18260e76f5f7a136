package dev.jmamba.vision.image;

import dev.jmamba.tensor.JmambaException;

/**
 * An image as planar floats: {@code data} is laid out (C, H, W), row-major, so pixel (c, y, x) lives at
 * {@code (c * height + y) * width + x}. Decoded images hold values in [0, 1]; after normalisation any value.
 *
 * @param data (C, H, W) pixel values
 */
public record FloatImage(int channels, int height, int width, float[] data) {

    public FloatImage {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new JmambaException("image shape must be positive, got (" + channels + ", " + height + ", " + width + ")");
        }
        if (data.length != (long) channels * height * width) {
            throw new JmambaException("image data of shape (" + channels + ", " + height + ", " + width
                    + ") needs " + (long) channels * height * width + " floats, got " + data.length);
        }
    }

    /** A black image of the given shape. */
    public static FloatImage zeros(int channels, int height, int width) {
        return new FloatImage(channels, height, width, new float[channels * height * width]);
    }

    /** Value at channel {@code c}, row {@code y}, column {@code x}. */
    public float get(int c, int y, int x) {
        return data[(c * height + y) * width + x];
    }

    /** Number of floats in the image, C * H * W. */
    public int length() {
        return data.length;
    }

    /** The shape as text, "(C, H, W)", for messages. */
    public String shapeText() {
        return "(" + channels + ", " + height + ", " + width + ")";
    }
}
