package dev.jmamba.app.data;

import dev.jmamba.vision.image.Resampler;
import dev.jmamba.vision.image.ResizeCenterCrop;
import dev.jmamba.vision.image.ImageTransform;

/**
 * A per-sample transform together with the (C, H, W) shape of every image it produces, which the loader
 * needs to lay out a batch. The presets follow the training recipe (spec/training-recipe.md):
 *
 * <ul>
 *   <li>{@link #imagenetTrain}: RandomResizedCrop (scale (0.08, 1), ratio (3/4, 4/3)), flip 0.5,
 *       normalise, random erasing (pixel mode).</li>
 *   <li>{@link #imagenetEval}: resize shorter side to floor(R / 0.875), centre crop R, normalise.</li>
 *   <li>{@link #smallTrain}: for fixed-size small data (Fashion-MNIST, synthetic): resize to R if needed
 *       (bilinear), pad + random crop, flip 0.5, normalise, random erasing.</li>
 *   <li>{@link #smallEval}: resize to R if needed, normalise.</li>
 * </ul>
 * RandAugment from the recipe is not part of these pipelines.
 *
 * <p>The ImageNet presets also carry {@link #fused()}: the same transforms done in one pass from
 * decoded bytes ({@link FusedCrop}), which the loader uses for data sets that offer it
 * ({@link Dataset#loadFused}); the composed {@code transform} stays the reference and the path for
 * every other data set.
 *
 * @param transform the transform, producing images of shape (channels, height, width)
 * @param fused     the same transforms fused, or null
 */
public record SamplePipeline(ImageTransform transform, int channels, int height, int width, FusedCrop fused) {

    public SamplePipeline {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("pipeline output shape must be positive, got (" + channels + ", " + height + ", " + width + ")");
        }
        if (fused != null && (channels != 3 || height != fused.size() || width != fused.size())) {
            throw new IllegalArgumentException("the fused transforms give (3, " + fused.size() + ", " + fused.size() + ") but the pipeline is ("
                    + channels + ", " + height + ", " + width + ")");
        }
    }

    /** A pipeline without a fused form. */
    public SamplePipeline(ImageTransform transform, int channels, int height, int width) {
        this(transform, channels, height, width, null);
    }

    /** This pipeline without its fused form (the loader then runs the composed transforms). */
    public SamplePipeline unfused() {
        return new SamplePipeline(transform, channels, height, width, null);
    }

    /** This pipeline with DCT-domain downscaling of large JPEGs allowed or not (see {@link FusedCrop}). */
    public SamplePipeline withDctScaling(boolean allowed) {
        return fused == null ? this : new SamplePipeline(transform, channels, height, width,
                new FusedCrop(fused.geometry(), fused.flipProbability(), fused.normalization(), fused.tail(), allowed));
    }

    /** Floats per output image, C * H * W. */
    public int imageLength() {
        return channels * height * width;
    }

    /** Training pipeline for variable-size RGB images: crop R with {@code filter} (the recipe: bicubic). */
    public static SamplePipeline imagenetTrain(Dataset data, int resolution, Resampler.Filter filter, double erasingProbability) {
        ImageTransform t = RandomResizedCrop.imagenet(resolution, filter)
                .then(ImageTransform.horizontalFlip(0.5))
                .then(ImageTransform.normalize(data.normalization()));
        RandomErasing erasing = erasingProbability > 0 ? new RandomErasing(erasingProbability) : null;
        if (erasing != null) t = t.then(erasing);
        FusedCrop f = data.channels() != 3 ? null
                : new FusedCrop(RandomResizedCrop.imagenet(resolution, filter), 0.5, data.normalization(), erasing, true);
        return new SamplePipeline(t, data.channels(), resolution, resolution, f);
    }

    /** Evaluation pipeline for variable-size RGB images: resize to R / 0.875, centre crop R, normalise. */
    public static SamplePipeline imagenetEval(Dataset data, int resolution, Resampler.Filter filter) {
        ResizeCenterCrop crop = new ResizeCenterCrop(resolution, ResizeCenterCrop.DEFAULT_CROP_FRACTION, filter);
        ImageTransform t = crop.then(ImageTransform.normalize(data.normalization()));
        FusedCrop f = data.channels() != 3 ? null : new FusedCrop(crop, 0, data.normalization(), null, true);
        return new SamplePipeline(t, data.channels(), resolution, resolution, f);
    }

    /**
     * Training pipeline for fixed-size small images: bilinear resize to resolution if the native size
     * differs, shift by up to {@code padding} pixels (zero fill), flip 0.5, normalise, random erasing.
     */
    public static SamplePipeline smallTrain(Dataset data, int resolution, int padding, double erasingProbability) {
        ImageTransform t = ImageTransform.resize(resolution, resolution, Resampler.Filter.BILINEAR)
                .then(new PadRandomCrop(padding))
                .then(ImageTransform.horizontalFlip(0.5))
                .then(ImageTransform.normalize(data.normalization()));
        if (erasingProbability > 0) t = t.then(new RandomErasing(erasingProbability));
        return new SamplePipeline(t, data.channels(), resolution, resolution);
    }

    /** Evaluation pipeline for fixed-size small images: bilinear resize to resolution if needed, normalise. */
    public static SamplePipeline smallEval(Dataset data, int resolution) {
        ImageTransform t = ImageTransform.resize(resolution, resolution, Resampler.Filter.BILINEAR)
                .then(ImageTransform.normalize(data.normalization()));
        return new SamplePipeline(t, data.channels(), resolution, resolution);
    }

    /**
     * The recipe's training pipeline for {@code data}: {@link #imagenetTrain} (bicubic) for folders of
     * variable-size images, {@link #smallTrain} with padding resolution / 8 for fixed-size data.
     */
    public static SamplePipeline defaultTrain(Dataset data, int resolution, double erasingProbability) {
        return data.nativeSize().isPresent()
                ? smallTrain(data, resolution, Math.max(1, resolution / 8), erasingProbability)
                : imagenetTrain(data, resolution, Resampler.Filter.BICUBIC, erasingProbability);
    }

    /** The matching evaluation pipeline for {@code data}. */
    public static SamplePipeline defaultEval(Dataset data, int resolution) {
        return data.nativeSize().isPresent() ? smallEval(data, resolution) : imagenetEval(data, resolution, Resampler.Filter.BICUBIC);
    }
}
