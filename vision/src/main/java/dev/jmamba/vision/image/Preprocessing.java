package dev.jmamba.vision.image;

import dev.jmamba.tensor.JmambaException;
import java.awt.image.BufferedImage;
import java.util.SplittableRandom;

/**
 * The evaluation preprocessing of a model: decoded pixels in [0, 1] → the (C, R, R) normalised input
 * it was trained with. Two kinds, as the training recipes use them:
 * <ul>
 *   <li>centre crop (ImageNet-style data of varying size): resize the shorter side to
 *       floor(R / cropFraction), keeping the aspect ratio, cut the centred R×R square (bicubic);</li>
 *   <li>resize (fixed-size small data: Fashion-MNIST, synthetic): resize the whole image to R×R (bilinear).</li>
 * </ul>
 * Then channels are matched (RGB → BT.601 luma for 1-channel models; gray → replicated for 3-channel
 * models) and each channel is normalised with the mean and std.
 *
 * @param channels     C the model takes (1 or 3)
 * @param size         the side R of the model's input
 * @param centerCrop   true: resize + centre crop; false: resize the whole image
 * @param cropFraction R / resized shorter side (0.875 in the recipe); only for centre crop
 * @param filter       the resampling filter
 * @param norm         per-channel mean and std (C values each)
 */
public record Preprocessing(int channels, int size, boolean centerCrop, double cropFraction, Resampler.Filter filter, Normalization norm) {

    public Preprocessing {
        if (channels != 1 && channels != 3) throw new JmambaException("preprocessing supports 1 or 3 channels, got " + channels);
        if (size < 1) throw new JmambaException("input size must be >= 1, got " + size);
        if (norm.channels() != channels) {
            throw new JmambaException("normalisation has " + norm.channels() + " channels but the model takes " + channels);
        }
        if (centerCrop && !(cropFraction > 0 && cropFraction <= 1)) throw new JmambaException("crop fraction must be in (0, 1], got " + cropFraction);
    }

    /** ImageNet evaluation: resize to R / 0.875, centre crop R, bicubic, ImageNet mean/std (timm's defaults). */
    public static Preprocessing imagenet(int size) {
        return new Preprocessing(3, size, true, ResizeCenterCrop.DEFAULT_CROP_FRACTION, Resampler.Filter.BICUBIC, Normalization.IMAGENET);
    }

    /** Small fixed-size data: bilinear resize to R×R, then normalise. */
    public static Preprocessing resize(int channels, int size, Normalization norm) {
        return new Preprocessing(channels, size, false, 1.0, Resampler.Filter.BILINEAR, norm);
    }

    /** Decodes nothing: converts, resizes/crops and normalises {@code image}. */
    public FloatImage apply(BufferedImage image) {
        return apply(Images.toRgb(image));
    }

    /** {@code image} (1 or 3, H, W) with values in [0, 1] → (C, R, R) normalised. A new image; the input is not modified. */
    public FloatImage apply(FloatImage image) {
        FloatImage x = image;
        if (channels == 1 && x.channels() == 3) x = Images.toGray(x);
        else if (channels == 3 && x.channels() == 1) x = ImageTransform.grayToRgb().apply(x, null);
        else if (x.channels() != channels) throw new JmambaException("cannot turn a " + x.shapeText() + " image into " + channels + " channels");
        if (x == image) x = new FloatImage(x.channels(), x.height(), x.width(), x.data().clone());
        ImageTransform size = centerCrop
                ? new ResizeCenterCrop(this.size, cropFraction, filter)
                : ImageTransform.resize(this.size, this.size, filter);
        return size.then(ImageTransform.normalize(norm)).apply(x, new SplittableRandom(0));
    }
}
