package dev.jmamba.app.data;

import dev.jmamba.vision.image.FloatImage;

/**
 * One decoded example: the image with values in [0, 1] and its class label in [0, numClasses).
 *
 * @param image (C, H, W) pixels in [0, 1]
 * @param label class index
 */
public record Sample(FloatImage image, int label) {
}
