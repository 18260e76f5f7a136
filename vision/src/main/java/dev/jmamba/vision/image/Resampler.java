package dev.jmamba.vision.image;

import dev.jmamba.tensor.JmambaException;

/**
 * Resizes a rectangle of a (C, H, W) image to a new size by separable convolution, the way PIL's
 * {@code Image.resize} does (which torchvision and timm call for ImageNet data): each output pixel centre
 * maps back to the source; the filter is stretched by the scale factor when shrinking (antialiasing), taps
 * outside the rectangle are dropped and the remaining weights renormalised. First a horizontal pass over the
 * needed rows, then a vertical pass. Bicubic output is clamped to [0, 1] like PIL's 8-bit result.
 */
public final class Resampler {

    /** Interpolation filter. */
    public enum Filter {
        /** Triangle filter, support 1. */
        BILINEAR(1.0),
        /** Keys cubic with a = -0.5 (PIL's bicubic), support 2. The ImageNet recipe's choice. */
        BICUBIC(2.0);

        final double support;

        Filter(double support) {
            this.support = support;
        }

        /** Filter weight at distance {@code x} (in source pixels of the unstretched filter). */
        public double weight(double x) {
            x = Math.abs(x);
            if (this == BILINEAR) return x < 1 ? 1 - x : 0;
            final double a = -0.5;
            if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
            if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
            return 0;
        }
    }

    private Resampler() {
    }

    /** Resizes the whole image to (outH, outW). */
    public static FloatImage resize(FloatImage src, int outH, int outW, Filter filter) {
        return resizeRegion(src, 0, 0, src.height(), src.width(), outH, outW, filter);
    }

    /**
     * Resizes the rectangle rows [top, top + boxH) × columns [left, left + boxW) of {@code src} to
     * (outH, outW); equivalent to cropping the rectangle and resizing the crop.
     */
    public static FloatImage resizeRegion(FloatImage src, int top, int left, int boxH, int boxW, int outH, int outW, Filter filter) {
        if (top < 0 || left < 0 || boxH <= 0 || boxW <= 0 || top + boxH > src.height() || left + boxW > src.width()) {
            throw new JmambaException("crop box (top " + top + ", left " + left + ", " + boxH + "×" + boxW
                    + ") does not fit the image " + src.shapeText());
        }
        if (outH <= 0 || outW <= 0) throw new JmambaException("output size must be positive, got " + outH + "×" + outW);
        Taps horizontal = Taps.of(boxW, outW, filter);
        Taps vertical = Taps.of(boxH, outH, filter);
        int channels = src.channels();
        int srcW = src.width();
        int srcPlane = src.height() * srcW;
        float[] in = src.data();
        // Horizontal pass over all rows of the box: tmp is (C, boxH, outW).
        float[] tmp = new float[channels * boxH * outW];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < boxH; y++) {
                int rowBase = c * srcPlane + (top + y) * srcW + left;
                int outBase = (c * boxH + y) * outW;
                for (int x = 0; x < outW; x++) {
                    int first = horizontal.first[x];
                    int offset = x * horizontal.maxTaps;
                    float acc = 0;
                    for (int k = 0, n = horizontal.count[x]; k < n; k++) acc += horizontal.weights[offset + k] * in[rowBase + first + k];
                    tmp[outBase + x] = acc;
                }
            }
        }
        // Vertical pass: out is (C, outH, outW).
        float[] out = new float[channels * outH * outW];
        boolean clamp = filter == Filter.BICUBIC;
        for (int c = 0; c < channels; c++) {
            int tmpBase = c * boxH * outW;
            for (int y = 0; y < outH; y++) {
                int first = vertical.first[y];
                int offset = y * vertical.maxTaps;
                int n = vertical.count[y];
                int outBase = (c * outH + y) * outW;
                for (int k = 0; k < n; k++) {
                    float w = vertical.weights[offset + k];
                    int rowBase = tmpBase + (first + k) * outW;
                    for (int x = 0; x < outW; x++) out[outBase + x] += w * tmp[rowBase + x];
                }
                if (clamp) for (int x = 0; x < outW; x++) out[outBase + x] = Math.clamp(out[outBase + x], 0f, 1f);
            }
        }
        return new FloatImage(channels, outH, outW, out);
    }

    /**
     * The normalised filter taps for one axis: output i reads input [first[i], first[i] + count[i]) with
     * weights[i * maxTaps + k]. Mirrors PIL's precompute_coeffs.
     */
    public static final class Taps {
        /** Per output: the first input index it reads (do not modify; shared with the resampler's own use). */
        public final int[] first;
        /** Per output: how many inputs it reads. */
        public final int[] count;
        /** Per output i: its weights at [i · maxTaps, i · maxTaps + count[i]). */
        public final float[] weights;
        /** Stride of {@link #weights} per output. */
        public final int maxTaps;

        private Taps(int[] first, int[] count, float[] weights, int maxTaps) {
            this.first = first;
            this.count = count;
            this.weights = weights;
            this.maxTaps = maxTaps;
        }

        /** The taps that resize an axis of {@code inSize} pixels to {@code outSize} (used by fused resamplers that must agree bit for bit). */
        public static Taps of(int inSize, int outSize, Filter filter) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = filter.support * filterScale;
            int maxTaps = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[outSize];
            int[] count = new int[outSize];
            float[] weights = new float[outSize * maxTaps];
            double[] w = new double[maxTaps];
            for (int i = 0; i < outSize; i++) {
                double center = (i + 0.5) * scale;
                int lo = Math.max((int) (center - support + 0.5), 0);
                int hi = Math.min((int) (center + support + 0.5), inSize);
                int n = Math.min(hi - lo, maxTaps);
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    w[k] = filter.weight((k + lo - center + 0.5) / filterScale);
                    sum += w[k];
                }
                for (int k = 0; k < n; k++) weights[i * maxTaps + k] = (float) (sum == 0 ? 0 : w[k] / sum);
                first[i] = lo;
                count[i] = n;
            }
            return new Taps(first, count, weights, maxTaps);
        }
    }
}
