package dev.jmamba.app.data;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Batch-level mixup / cutmix with label smoothing, following timm's {@code Mixup} in "batch" mode with
 * {@code correct_lam=True}: with probability {@code prob} the batch is mixed; when both alphas are positive,
 * cutmix is chosen with probability {@code switchProb}, else mixup. The mixing weight λ ~ Beta(α, α).
 * Every image i is paired with image B-1-i (the batch reversed): mixup blends
 * {@code λ·x_i + (1-λ)·x_{B-1-i}}; cutmix pastes a box of relative area about 1-λ from x_{B-1-i} into x_i and
 * recomputes λ as the exact uncovered fraction. Soft targets are
 * {@code λ·smooth(y_i) + (1-λ)·smooth(y_{B-1-i})} where smooth puts 1 - s + s/K on the label and s/K
 * elsewhere; every row sums to 1. (For an odd batch the middle image pairs with itself.)
 * The recipe: mixup α 0.8, cutmix α 1.0, prob 1, switch 0.5, smoothing 0.1.
 */
public record MixupCutmix(double mixupAlpha, double cutmixAlpha, double prob, double switchProb,
                          double labelSmoothing, int numClasses) {

    /** The outcome for one batch: the λ used (1 = no mixing), whether cutmix was used, and the targets. */
    public record Result(double lambda, boolean cutmix, float[] softTargets) {
    }

    public MixupCutmix {
        if (mixupAlpha < 0 || cutmixAlpha < 0) throw new IllegalArgumentException("alphas must be >= 0, got mixup " + mixupAlpha + ", cutmix " + cutmixAlpha);
        if (!(prob >= 0 && prob <= 1) || !(switchProb >= 0 && switchProb <= 1)) {
            throw new IllegalArgumentException("probabilities must be in [0, 1], got prob " + prob + ", switch " + switchProb);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + labelSmoothing);
        if (numClasses < 2) throw new IllegalArgumentException("need at least 2 classes, got " + numClasses);
    }

    /** The recipe's settings: mixup 0.8, cutmix 1.0, prob 1.0, switch 0.5, smoothing 0.1. */
    public static MixupCutmix recipe(int numClasses) {
        return new MixupCutmix(0.8, 1.0, 1.0, 0.5, 0.1, numClasses);
    }

    /**
     * What one batch's mixing does, drawn before any pixel is touched: λ as drawn (1 = no mixing),
     * cutmix or mixup, and for cutmix the box rows [y0, y1) × columns [x0, x1) swapped between
     * each pair (empty for mixup).
     */
    public record Draw(double lambda, boolean cutmix, int y0, int y1, int x0, int x1) {
        /** The λ of the soft targets: for cutmix the exact uncovered fraction of a height × width image. */
        public double targetLambda(int height, int width) {
            return cutmix && lambda != 1 ? 1 - (double) (y1 - y0) * (x1 - x0) / ((double) height * width) : lambda;
        }
    }

    /** Draws a batch's mixing from {@code rng}: exactly the draws {@link #apply} makes, in the same order. */
    public Draw draw(int height, int width, SplittableRandom rng) {
        double lambda = 1;
        boolean useCutmix = false;
        if ((mixupAlpha > 0 || cutmixAlpha > 0) && rng.nextDouble() < prob) {
            if (mixupAlpha > 0 && cutmixAlpha > 0) {
                useCutmix = rng.nextDouble() < switchProb;
                lambda = BetaDistribution.symmetric(useCutmix ? cutmixAlpha : mixupAlpha, rng);
            } else if (mixupAlpha > 0) {
                lambda = BetaDistribution.symmetric(mixupAlpha, rng);
            } else {
                useCutmix = true;
                lambda = BetaDistribution.symmetric(cutmixAlpha, rng);
            }
        }
        if (lambda == 1 || !useCutmix) return new Draw(lambda, useCutmix, 0, 0, 0, 0);
        double ratio = Math.sqrt(1 - lambda);
        int cutH = (int) (height * ratio);
        int cutW = (int) (width * ratio);
        int cy = rng.nextInt(height);
        int cx = rng.nextInt(width);
        return new Draw(lambda, true, Math.clamp(cy - cutH / 2, 0, height), Math.clamp(cy + cutH / 2, 0, height),
                Math.clamp(cx - cutW / 2, 0, width), Math.clamp(cx + cutW / 2, 0, width));
    }

    /**
     * Mixes {@code images} in place and returns the soft targets.
     *
     * @param images (B, C, H, W) normalised images, modified in place
     * @param labels (B) class labels
     */
    public Result apply(float[] images, int[] labels, int channels, int height, int width, SplittableRandom rng) {
        int batch = labels.length;
        int imageLength = channels * height * width;
        if (images.length != (long) batch * imageLength) {
            throw new IllegalArgumentException("images hold " + images.length + " floats, expected (" + batch + ", " + channels + ", " + height + ", " + width + ")");
        }
        Draw d = draw(height, width, rng);
        if (d.lambda() != 1) {
            if (d.cutmix()) {
                cutmix(images, batch, channels, height, width, d);
            } else {
                mixup(images, batch, imageLength, (float) d.lambda());
            }
        }
        double lambda = d.targetLambda(height, width);
        return new Result(lambda, d.cutmix(), softTargets(labels, lambda));
    }

    /**
     * {@link #apply(float[], int[], int, int, int, SplittableRandom)} on a device tensor: the same draws
     * on the host and the same float operations on the pixels with tensor ops (mixup: λ·x + (1 − λ)·x
     * reversed, as float products and a float sum; cutmix: the box copied from the reversed batch), so
     * the result equals the array version's bit for bit.
     *
     * @param images (B, C, H, W) F32 contiguous, on any device, modified in place
     * @param labels (B) class labels
     */
    public Result apply(Tensor images, int[] labels, SplittableRandom rng) {
        int batch = labels.length;
        if (images.rank() != 4 || images.size(0) != batch || images.dtype() != DType.F32) {
            throw new IllegalArgumentException("images must be (" + batch + ", C, H, W) F32, got " + images);
        }
        int height = images.size(2), width = images.size(3);
        Draw d = draw(height, width, rng);
        if (d.lambda() != 1) {
            try (Scope scope = Scope.open()) {
                if (d.cutmix()) {
                    if (d.y1() > d.y0() && d.x1() > d.x0()) {
                        Tensor box = images.narrow(2, d.y0(), d.y1() - d.y0()).narrow(3, d.x0(), d.x1() - d.x0());
                        box.copyFrom(box.flip(0));                    // flip copies: the swap reads the old boxes
                    }
                } else {
                    float lambda = (float) d.lambda(), mu = 1 - lambda;
                    Tensor mixed = images.mul(lambda).add(images.flip(0).mul(mu));
                    if (batch % 2 == 1) {                             // the middle image pairs with itself: left as it was
                        int m = batch / 2;
                        mixed.narrow(0, m, 1).copyFrom(images.narrow(0, m, 1));
                    }
                    images.copyFrom(mixed);
                }
            }
        }
        double lambda = d.targetLambda(height, width);
        return new Result(lambda, d.cutmix(), softTargets(labels, lambda));
    }

    /** Label-smoothed targets mixing label i with label B-1-i by λ; (B, K). */
    float[] softTargets(int[] labels, double lambda) {
        int batch = labels.length;
        float off = (float) (labelSmoothing / numClasses);
        float on = (float) (1 - labelSmoothing) + off;
        float[] out = new float[batch * numClasses];
        for (int i = 0; i < batch; i++) {
            int a = checkLabel(labels[i]);
            int b = checkLabel(labels[batch - 1 - i]);
            int row = i * numClasses;
            for (int k = 0; k < numClasses; k++) {
                double pa = k == a ? on : off;
                double pb = k == b ? on : off;
                out[row + k] = (float) (lambda * pa + (1 - lambda) * pb);
            }
        }
        return out;
    }

    /** Smoothed one-hot targets without mixing, (B, K): 1 - s + s/K on the label, s/K elsewhere. */
    public static float[] smoothedOneHot(int[] labels, int numClasses, double smoothing) {
        return new MixupCutmix(0, 0, 0, 0, smoothing, numClasses).softTargets(labels, 1);
    }

    private int checkLabel(int label) {
        if (label < 0 || label >= numClasses) throw new IllegalArgumentException("label " + label + " outside [0, " + numClasses + ")");
        return label;
    }

    private static void mixup(float[] images, int batch, int imageLength, float lambda) {
        float mu = 1 - lambda;
        for (int i = 0, j = batch - 1; i < j; i++, j--) {
            int a = i * imageLength;
            int b = j * imageLength;
            for (int k = 0; k < imageLength; k++) {
                float xa = images[a + k];
                float xb = images[b + k];
                images[a + k] = lambda * xa + mu * xb;
                images[b + k] = lambda * xb + mu * xa;
            }
        }
    }

    /** Swaps the drawn box between each pair (i, B-1-i). */
    private static void cutmix(float[] images, int batch, int channels, int height, int width, Draw d) {
        int y0 = d.y0(), y1 = d.y1(), x0 = d.x0(), x1 = d.x1();
        int imageLength = channels * height * width;
        for (int i = 0, j = batch - 1; i < j; i++, j--) {
            for (int c = 0; c < channels; c++) {
                for (int y = y0; y < y1; y++) {
                    int rowA = i * imageLength + (c * height + y) * width;
                    int rowB = j * imageLength + (c * height + y) * width;
                    for (int x = x0; x < x1; x++) {
                        float t = images[rowA + x];
                        images[rowA + x] = images[rowB + x];
                        images[rowB + x] = t;
                    }
                }
            }
        }
    }
}
