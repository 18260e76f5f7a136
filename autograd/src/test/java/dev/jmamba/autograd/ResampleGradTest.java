package dev.jmamba.autograd;

import static dev.jmamba.autograd.Fixtures.op;
import static dev.jmamba.autograd.Fixtures.randn;

import dev.jmamba.tensor.InterpolateMode;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** Gradchecks of pooling and interpolation (linear in x, so these check the backend's transposes). */
class ResampleGradTest {
    /** (1, 2, 5, 6) viewed through a permute: non-contiguous. */
    private static Tensor image(long seed) { return randn(seed, 1, 2, 6, 5).permute(0, 1, 3, 2); }

    @Test
    void avgPool2d() {
        GradCheck.check(op(v -> v.avgPool2d(2, 2, 0)), randn(1, 2, 3, 4, 4));
        GradCheck.check(op(v -> v.avgPool2d(3, 2, 1)), image(2));
    }

    @Test
    void adaptiveAvgPool2d() {
        GradCheck.check(op(v -> v.adaptiveAvgPool2d(3, 2)), image(3));   // 5x6 → 3x2: overlapping bins
        GradCheck.check(op(v -> v.adaptiveAvgPool2d(1, 1)), image(4));
        GradCheck.check(op(v -> v.adaptiveAvgPool2d(7, 8)), image(5));   // upsampling bins
    }

    @Test
    void interpolateEveryModeUpAndDown() {
        for (InterpolateMode mode : InterpolateMode.values()) {
            for (boolean align : new boolean[] {false, true}) {
                if (mode == InterpolateMode.NEAREST && align) continue; // align_corners applies to the linear modes only
                GradCheck.check(op(v -> v.interpolate(7, 9, mode, align)), image(6));
                GradCheck.check(op(v -> v.interpolate(3, 4, mode, align)), image(7));
            }
        }
    }
}
