package dev.jmamba.autograd.rules;

import static dev.jmamba.autograd.rules.Grads.one;

import dev.jmamba.tensor.InterpolateMode;
import dev.jmamba.tensor.Tensor;

/**
 * Backward rules of pooling and interpolation: each forward is linear in x, and its transpose is
 * a backend primitive (called through the gradient tensor, so it runs on that tensor's device).
 */
public final class ResampleRules {
    private ResampleRules() {}

    /** x (N, C, H, W); square kernel, stride and padding (count_include_pad = true). */
    public static Rule avgPool2d(int[] xShape, int kernel, int stride, int padding) {
        return (gy, n) -> one(gy.backend().avgPool2dBackward(gy, xShape, kernel, kernel, stride, stride, padding, padding));
    }

    public static Rule adaptiveAvgPool2d(int[] xShape) {
        return (gy, n) -> one(gy.backend().adaptiveAvgPool2dBackward(gy, xShape));
    }

    public static Rule interpolate(int[] xShape, InterpolateMode mode, boolean alignCorners) {
        return (gy, n) -> one(gy.backend().interpolateBackward(gy, xShape, mode, alignCorners));
    }
}
