package dev.jmamba.app.data;

import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.ImageTransform;
import dev.jmamba.vision.image.Normalization;
import dev.jmamba.vision.image.Resampler;
import dev.jmamba.vision.image.ResizeCenterCrop;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * The ImageNet sample transforms in one pass from decoded 8-bit RGB straight into a batch: the crop
 * ({@link RandomResizedCrop}, or the evaluation {@link ResizeCenterCrop}), the resampling, the
 * horizontal flip and the normalisation, then an optional tail transform (random erasing). It
 * computes exactly what the composed {@link ImageTransform}s compute on the (3, H, W) float image
 * — the same random draws in the same order, the same filter taps ({@link Resampler.Taps}) and the
 * same float operations in the same order — without the float copy of the whole image, the
 * intermediate images or the flip and normalisation passes.
 *
 * <p><b>DCT-domain downscaling.</b> A JPEG decoded by TurboJPEG may be decoded at scale num / 8
 * (libjpeg's scaled inverse DCT) when the crop is at least 8 / num times the output size in both
 * directions, so the resampler still shrinks it. Then the crop box is mapped to the smaller image
 * (rounded outwards to whole pixels) and the output differs slightly from a full-size decode
 * (the test states by how much). At scale 8 / 8 — every crop smaller than twice the output, and
 * every non-JPEG file — the output is the composed transforms' bit for bit.
 *
 * @param geometry        a {@link RandomResizedCrop} or a {@link ResizeCenterCrop}
 * @param flipProbability probability of a horizontal flip; 0 = no flip step (no random draw)
 * @param normalization   per-channel mean and std
 * @param tail            transform applied to the finished (3, S, S) image (e.g. random erasing), or null
 * @param dctScaling      allow decoding at a reduced DCT scale
 */
public record FusedCrop(ImageTransform geometry, double flipProbability, Normalization normalization, ImageTransform tail,
                        boolean dctScaling) {

    public FusedCrop {
        if (!(geometry instanceof RandomResizedCrop || geometry instanceof ResizeCenterCrop)) {
            throw new IllegalArgumentException("FusedCrop: the geometry must be a RandomResizedCrop or a ResizeCenterCrop, got " + geometry);
        }
        if (!(flipProbability >= 0 && flipProbability <= 1)) throw new IllegalArgumentException("flip probability must be in [0, 1], got " + flipProbability);
        if (normalization.channels() != 3) throw new IllegalArgumentException("FusedCrop works on RGB; the normalisation has " + normalization.channels() + " channels");
    }

    /** The output side S. */
    public int size() {
        return geometry instanceof RandomResizedCrop r ? r.size() : ((ResizeCenterCrop) geometry).size();
    }

    /** The same transforms as composed {@link ImageTransform}s on float images (the reference). */
    public ImageTransform composed() {
        ImageTransform t = geometry;
        if (flipProbability > 0) t = t.then(ImageTransform.horizontalFlip(flipProbability));
        t = t.then(ImageTransform.normalize(normalization));
        return tail == null ? t : t.then(tail);
    }

    /** The resampling filter of the geometry. */
    public Resampler.Filter filter() {
        return geometry instanceof RandomResizedCrop r ? r.filter() : ((ResizeCenterCrop) geometry).filter();
    }

    /** Per-thread work arrays. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    /**
     * Transforms {@code image} into {@code dst[offset, offset + 3·S·S)} as (3, S, S), drawing from
     * {@code rng} what the composed transforms draw; {@code times} (may be null) gets the pixel
     * decoding and the transform time.
     */
    public void apply(ImageDecoding.Opened image, SplittableRandom rng, float[] dst, int offset, StageTimes times) throws IOException {
        int s = size();
        int fullH = image.height(), fullW = image.width();
        Plan plan = plan(fullH, fullW, rng);
        // the region of the full-size image that is resampled, the virtual output size, and the output window
        int top = plan.top(), left = plan.left(), boxH = plan.boxH(), boxW = plan.boxW(), outH = plan.outH(), outW = plan.outW();
        int winTop = plan.winTop(), winLeft = plan.winLeft();
        boolean flip = plan.flip();
        double minScale = dctScaling ? Math.max((double) outH / boxH, (double) outW / boxW) : 1;
        long t0 = System.nanoTime();
        ImageDecoding.RgbBytes px = image.pixels(minScale);
        long t1 = System.nanoTime();
        if (px.width() != fullW || px.height() != fullH) {
            // decoded at a DCT scale: the box in the smaller image, rounded outwards
            double sy = (double) px.height() / fullH, sx = (double) px.width() / fullW;
            int y0 = (int) Math.floor(top * sy), x0 = (int) Math.floor(left * sx);
            int y1 = Math.min(px.height(), (int) Math.ceil((top + boxH) * sy)), x1 = Math.min(px.width(), (int) Math.ceil((left + boxW) * sx));
            top = y0;
            left = x0;
            boxH = Math.max(1, y1 - y0);
            boxW = Math.max(1, x1 - x0);
        }
        resample(px, top, left, boxH, boxW, outH, outW, winTop, winLeft, s, filter(), flip, normalization, dst, offset);
        if (tail != null) {
            int n = 3 * s * s;
            float[] copy = new float[n];
            System.arraycopy(dst, offset, copy, 0, n);
            FloatImage done = tail.apply(new FloatImage(3, s, s, copy), rng);
            if (done.channels() != 3 || done.height() != s || done.width() != s) {
                throw new IllegalStateException("the tail transform changed the image shape to " + done.shapeText());
            }
            System.arraycopy(done.data(), 0, dst, offset, n);
        }
        if (times != null) {
            times.decode(t1 - t0);
            times.transform(System.nanoTime() - t1);
        }
    }

    /**
     * Where one sample comes from and goes at full decode size: rows [top, top + boxH) × columns
     * [left, left + boxW) of the image, resampled to a virtual (outH, outW) image whose S × S window at
     * (winTop, winLeft) is kept, mirrored when {@code flip}.
     */
    public record Plan(int top, int left, int boxH, int boxW, int outH, int outW, int winTop, int winLeft, boolean flip) {}

    /** The geometry of a sample of a fullH × fullW image, drawing from {@code rng} what {@link #apply} draws before decoding. */
    public Plan plan(int fullH, int fullW, SplittableRandom rng) {
        int s = size();
        int top, left, boxH, boxW, outH, outW, winTop, winLeft;
        if (geometry instanceof RandomResizedCrop rrc) {
            RandomResizedCrop.Box box = rrc.sampleBox(fullH, fullW, rng);
            top = box.top();
            left = box.left();
            boxH = box.height();
            boxW = box.width();
            outH = s;
            outW = s;
            winTop = 0;
            winLeft = 0;
        } else {
            ResizeCenterCrop rcc = (ResizeCenterCrop) geometry;
            int[] resized = rcc.resizedSize(fullH, fullW);
            top = 0;
            left = 0;
            boxH = fullH;
            boxW = fullW;
            outH = resized[0];
            outW = resized[1];
            winTop = (int) Math.round((outH - s) / 2.0);
            winLeft = (int) Math.round((outW - s) / 2.0);
        }
        boolean flip = flipProbability > 0 && rng.nextDouble() < flipProbability;
        return new Plan(top, left, boxH, boxW, outH, outW, winTop, winLeft, flip);
    }

    /**
     * Resamples rows [top, top + boxH) × columns [left, left + boxW) of {@code px} to a virtual
     * (outH, outW) image exactly as {@link Resampler#resizeRegion} does, keeps its window of S × S
     * at (winTop, winLeft), optionally mirrored, normalised, into dst (3, S, S) at offset. Public as
     * the reference of the GPU crop ({@code image.cu}), which must give the same floats from the same pixels.
     */
    public static void resample(ImageDecoding.RgbBytes px, int top, int left, int boxH, int boxW, int outH, int outW, int winTop, int winLeft,
                         int s, Resampler.Filter filter, boolean flip, Normalization norm, float[] dst, int offset) {
        if (top < 0 || left < 0 || top + boxH > px.height() || left + boxW > px.width() || winTop < 0 || winLeft < 0
                || winTop + s > outH || winLeft + s > outW) {
            throw new IllegalArgumentException("crop box (top " + top + ", left " + left + ", " + boxH + "x" + boxW + ") or window ("
                    + winTop + ", " + winLeft + ", " + s + ") does not fit the " + px.width() + "x" + px.height() + " image / " + outW + "x" + outH + " output");
        }
        Resampler.Taps horizontal = Resampler.Taps.of(boxW, outW, filter);
        Resampler.Taps vertical = Resampler.Taps.of(boxH, outH, filter);
        // rows of the box the window's outputs read
        int rowFrom = vertical.first[winTop], rowTo = 0;
        for (int y = winTop; y < winTop + s; y++) {
            rowFrom = Math.min(rowFrom, vertical.first[y]);
            rowTo = Math.max(rowTo, vertical.first[y] + vertical.count[y]);
        }
        int rows = Math.max(0, rowTo - rowFrom);
        float[][] scratch = SCRATCH.get();
        if (scratch[0].length < 3 * rows * s) scratch[0] = new float[3 * rows * s];
        if (scratch[1].length < s) scratch[1] = new float[s];
        float[] tmp = scratch[0], row = scratch[1];
        byte[] in = px.rgb();
        int stride = 3 * px.width();
        final float inv255 = 1f / 255f;
        // horizontal pass over the needed rows: tmp is (3, rows, S)
        int planeTmp = rows * s;
        for (int y = 0; y < rows; y++) {
            int rowBase = (top + rowFrom + y) * stride + 3 * left;
            int outBase = y * s;
            for (int x = 0; x < s; x++) {
                int ox = winLeft + x;
                int first = horizontal.first[ox];
                int wOff = ox * horizontal.maxTaps;
                float a0 = 0, a1 = 0, a2 = 0;
                for (int k = 0, n = horizontal.count[ox], p = rowBase + 3 * first; k < n; k++, p += 3) {
                    float w = horizontal.weights[wOff + k];
                    a0 += w * ((in[p] & 0xff) * inv255);
                    a1 += w * ((in[p + 1] & 0xff) * inv255);
                    a2 += w * ((in[p + 2] & 0xff) * inv255);
                }
                tmp[outBase + x] = a0;
                tmp[planeTmp + outBase + x] = a1;
                tmp[2 * planeTmp + outBase + x] = a2;
            }
        }
        // vertical pass per output row, then clamp (bicubic), flip and normalise into dst
        boolean clamp = filter == Resampler.Filter.BICUBIC;
        float[] mean = norm.mean(), std = norm.std();
        for (int c = 0; c < 3; c++) {
            float m = mean[c];
            float inv = 1f / std[c];
            int tmpBase = c * planeTmp;
            for (int y = 0; y < s; y++) {
                int oy = winTop + y;
                int first = vertical.first[oy] - rowFrom;
                int wOff = oy * vertical.maxTaps;
                java.util.Arrays.fill(row, 0, s, 0f);
                for (int k = 0, n = vertical.count[oy]; k < n; k++) {
                    float w = vertical.weights[wOff + k];
                    int rb = tmpBase + (first + k) * s;
                    for (int x = 0; x < s; x++) row[x] += w * tmp[rb + x];
                }
                int ob = offset + (c * s + y) * s;
                for (int x = 0; x < s; x++) {
                    float v = clamp ? Math.clamp(row[x], 0f, 1f) : row[x];
                    dst[flip ? ob + s - 1 - x : ob + x] = (v - m) * inv;
                }
            }
        }
    }
}
