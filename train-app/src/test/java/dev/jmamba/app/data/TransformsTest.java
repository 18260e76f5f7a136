package dev.jmamba.app.data;

import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.Resampler;
import dev.jmamba.vision.image.Normalization;
import dev.jmamba.vision.image.ResizeCenterCrop;
import dev.jmamba.vision.image.ImageTransform;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TransformsTest {

    private static FloatImage random(int c, int h, int w, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] d = new float[c * h * w];
        for (int i = 0; i < d.length; i++) d[i] = rng.nextFloat();
        return new FloatImage(c, h, w, d);
    }

    @Test
    void evalTransformGivesCentredCropOfTheRequestedShapeAndNormalises() {
        // A constant image: after resize + crop every pixel is the constant, after normalisation (v - mean) / std.
        float[] d = new float[3 * 375 * 500];
        for (int c = 0; c < 3; c++) Arrays.fill(d, c * 375 * 500, (c + 1) * 375 * 500, 0.2f + 0.3f * c);
        Dataset rgb = SyntheticDataset.train(10, 3, 32, 32, 0); // only its channel count matters for normalization()
        SamplePipeline eval = SamplePipeline.imagenetEval(new FolderLike(rgb), 224, Resampler.Filter.BICUBIC);
        FloatImage out = eval.transform().apply(new FloatImage(3, 375, 500, d), new SplittableRandom(0));
        assertEquals("(3, 224, 224)", out.shapeText());
        float[] mean = Normalization.IMAGENET.mean();
        float[] std = Normalization.IMAGENET.std();
        for (int c = 0; c < 3; c++) {
            float expected = (0.2f + 0.3f * c - mean[c]) / std[c];
            assertEquals(expected, out.get(c, 0, 0), 1e-5f);
            assertEquals(expected, out.get(c, 223, 223), 1e-5f);
        }
    }

    @Test
    void evalResizeUsesShorterSide256AndTheCentre() {
        // Column index encoded in the pixel value: the centre crop of a 256-wide resize of a 512-wide ramp
        // must start 16 columns in (wide image: shorter side 256 → 256 × 512 → crop columns 144..367).
        float[] d = new float[256 * 512];
        for (int y = 0; y < 256; y++) for (int x = 0; x < 512; x++) d[y * 512 + x] = x / 512f;
        FloatImage out = new ResizeCenterCrop(224, 0.875, Resampler.Filter.BILINEAR).apply(new FloatImage(1, 256, 512, d), null);
        assertEquals("(1, 224, 224)", out.shapeText());
        assertEquals(144 / 512f, out.get(0, 100, 0), 1e-6f);
        assertEquals(367 / 512f, out.get(0, 100, 223), 1e-6f);
    }

    @Test
    void randomResizedCropBoxesStayInsideAndRespectScaleAndRatio() {
        RandomResizedCrop crop = RandomResizedCrop.imagenet(224, Resampler.Filter.BICUBIC);
        SplittableRandom rng = new SplittableRandom(4);
        for (int t = 0; t < 2000; t++) {
            RandomResizedCrop.Box b = crop.sampleBox(375, 500, rng);
            assertTrue(b.top() >= 0 && b.left() >= 0 && b.top() + b.height() <= 375 && b.left() + b.width() <= 500, b.toString());
            double fraction = (double) b.height() * b.width() / (375.0 * 500);
            // rounding of w and h to whole pixels can move the area and ratio slightly past the bounds
            assertTrue(fraction > 0.07 && fraction <= 1.0, "area fraction " + fraction);
            double ratio = (double) b.width() / b.height();
            assertTrue(ratio > 0.70 && ratio < 1.40, "ratio " + ratio);
        }
        FloatImage out = crop.apply(random(3, 375, 500, 1), new SplittableRandom(9));
        assertEquals("(3, 224, 224)", out.shapeText());
    }

    @Test
    void flipTwiceIsIdentityAndFlipMirrorsColumns() {
        FloatImage img = random(2, 5, 7, 3);
        float[] original = img.data().clone();
        ImageTransform always = ImageTransform.horizontalFlip(1.0);
        FloatImage flipped = always.apply(new FloatImage(2, 5, 7, original.clone()), new SplittableRandom(1));
        assertEquals(img.get(1, 2, 0), flipped.get(1, 2, 6));
        assertEquals(img.get(0, 4, 3), flipped.get(0, 4, 3));
        assertArrayEquals(original, always.apply(flipped, new SplittableRandom(2)).data());
        assertArrayEquals(original, ImageTransform.horizontalFlip(0.0).apply(new FloatImage(2, 5, 7, original.clone()), new SplittableRandom(3)).data());
    }

    @Test
    void padRandomCropShiftsWithZeroFill() {
        FloatImage img = random(1, 8, 8, 5);
        SplittableRandom rng = new SplittableRandom(6);
        boolean sawShift = false;
        for (int t = 0; t < 50; t++) {
            FloatImage out = new PadRandomCrop(2).apply(img, rng);
            // find the shift (dy, dx) ∈ [-2, 2]² that explains every pixel
            int matches = 0;
            for (int dy = -2; dy <= 2; dy++) {
                for (int dx = -2; dx <= 2; dx++) {
                    boolean ok = true;
                    for (int y = 0; y < 8 && ok; y++) {
                        for (int x = 0; x < 8 && ok; x++) {
                            int sy = y + dy;
                            int sx = x + dx;
                            float expected = sy >= 0 && sy < 8 && sx >= 0 && sx < 8 ? img.get(0, sy, sx) : 0f;
                            ok = out.get(0, y, x) == expected;
                        }
                    }
                    if (ok) {
                        matches++;
                        if (dy != 0 || dx != 0) sawShift = true;
                    }
                }
            }
            assertEquals(1, matches);
        }
        assertTrue(sawShift);
    }

    @Test
    void randomErasingFillsOneBoxWithNoise() {
        FloatImage img = FloatImage.zeros(3, 40, 40);
        new RandomErasing(1.0).apply(img, new SplittableRandom(8));
        int changed = 0;
        int minY = 40, maxY = -1, minX = 40, maxX = -1;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < 40; y++) {
                for (int x = 0; x < 40; x++) {
                    if (img.get(c, y, x) != 0f) {
                        changed++;
                        minY = Math.min(minY, y); maxY = Math.max(maxY, y); minX = Math.min(minX, x); maxX = Math.max(maxX, x);
                    }
                }
            }
        }
        int boxArea = (maxY - minY + 1) * (maxX - minX + 1);
        assertEquals(3 * boxArea, changed, "every channel of one rectangle is noise");
        assertTrue(boxArea >= 0.015 * 1600 && boxArea <= 0.36 * 1600, "box area " + boxArea);
        FloatImage untouched = FloatImage.zeros(1, 10, 10);
        new RandomErasing(0.0).apply(untouched, new SplittableRandom(8));
        for (float v : untouched.data()) assertEquals(0f, v);
    }

    @Test
    void smallPipelinesResizeAndNormaliseGrayscale() {
        Dataset fm = new FolderLike(SyntheticDataset.train(10, 1, 28, 28, 0)) {
            @Override public Normalization normalization() {
                return Normalization.FASHION_MNIST;
            }
        };
        FloatImage img = new FloatImage(1, 28, 28, new float[784]);
        Arrays.fill(img.data(), 0.5f);
        FloatImage out = SamplePipeline.smallEval(fm, 32).transform().apply(img, new SplittableRandom(0));
        assertEquals("(1, 32, 32)", out.shapeText());
        assertEquals((0.5f - 0.2860f) / 0.3530f, out.get(0, 16, 16), 1e-5f);
        SamplePipeline train = SamplePipeline.smallTrain(fm, 28, 4, 0.25);
        assertEquals("(1, 28, 28)", train.transform().apply(random(1, 28, 28, 1), new SplittableRandom(1)).shapeText());
    }

    /** Wraps a data set but reports variable image sizes (like a folder). */
    static class FolderLike implements Dataset {
        final Dataset inner;

        FolderLike(Dataset inner) {
            this.inner = inner;
        }

        @Override public int size() { return inner.size(); }
        @Override public java.util.List<String> classNames() { return inner.classNames(); }
        @Override public int channels() { return inner.channels(); }
        @Override public java.util.Optional<Size> nativeSize() { return java.util.Optional.empty(); }
        @Override public Sample load(int index) { return inner.load(index); }
        @Override public int label(int index) { return inner.label(index); }
        @Override public String description() { return "folder-like " + inner.description(); }
    }
}
