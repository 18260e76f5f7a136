package dev.jmamba.app.data;

import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.Normalization;
import dev.jmamba.vision.image.Resampler;
import dev.jmamba.vision.image.ResizeCenterCrop;
import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fused crop / resample / flip / normalise pass against the composed float transforms it
 * replaces: at full decode scale they must agree bit for bit (same taps, same float operations in
 * the same order, same random draws), for random images, crops, both filters, the evaluation crop
 * and with random erasing after it.
 */
class FusedCropTest {

    @TempDir Path dir;

    /** A decoded image given as bytes (what a decoder hands the fused pass). */
    static ImageDecoding.Opened opened(ImageDecoding.RgbBytes px) {
        return new ImageDecoding.Opened() {
            @Override public int width() { return px.width(); }

            @Override public int height() { return px.height(); }

            @Override public ImageDecoding.RgbBytes pixels(double minScale) { return px; }
        };
    }

    /** Smooth colour gradients plus noise, like a photo. */
    static ImageDecoding.RgbBytes randomImage(int w, int h, SplittableRandom rng) {
        byte[] rgb = new byte[3 * w * h];
        double fx = rng.nextDouble(0.01, 0.2), fy = rng.nextDouble(0.01, 0.2), ph = rng.nextDouble(0, 6);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = 3 * (y * w + x);
                rgb[p] = (byte) Math.clamp((long) (128 + 100 * Math.sin(fx * x + ph) + rng.nextInt(-30, 31)), 0, 255);
                rgb[p + 1] = (byte) Math.clamp((long) (128 + 100 * Math.sin(fy * y - ph) + rng.nextInt(-30, 31)), 0, 255);
                rgb[p + 2] = (byte) rng.nextInt(256);
            }
        }
        return new ImageDecoding.RgbBytes(w, h, rgb);
    }

    private static void assertFusedEqualsComposed(FusedCrop crop, ImageDecoding.RgbBytes px, long seed) throws Exception {
        int s = crop.size();
        float[] fused = new float[3 * s * s + 5];
        crop.apply(opened(px), new SplittableRandom(seed), fused, 5, null);
        FloatImage ref = crop.composed().apply(px.toFloat(), new SplittableRandom(seed));
        assertEquals(3, ref.channels());
        float[] got = java.util.Arrays.copyOfRange(fused, 5, fused.length);
        assertArrayEquals(ref.data(), got, 0f, () -> "fused differs from composed for seed " + seed + ", image " + px.width() + "x" + px.height());
    }

    @Test
    void randomResizedCropFlipNormaliseIsBitIdenticalToTheComposedTransforms() throws Exception {
        SplittableRandom rng = new SplittableRandom(5);
        for (int trial = 0; trial < 60; trial++) {
            int w = 1 + rng.nextInt(120), h = 1 + rng.nextInt(120);
            ImageDecoding.RgbBytes px = randomImage(w, h, rng);
            Resampler.Filter filter = trial % 2 == 0 ? Resampler.Filter.BICUBIC : Resampler.Filter.BILINEAR;
            int size = 8 + rng.nextInt(60);
            FusedCrop crop = new FusedCrop(RandomResizedCrop.imagenet(size, filter), 0.5, Normalization.IMAGENET, null, true);
            assertFusedEqualsComposed(crop, px, rng.nextLong());
        }
    }

    @Test
    void evaluationCropIsBitIdenticalToResizeThenCentreCrop() throws Exception {
        SplittableRandom rng = new SplittableRandom(6);
        for (int trial = 0; trial < 30; trial++) {
            int w = 1 + rng.nextInt(150), h = 1 + rng.nextInt(150);
            ImageDecoding.RgbBytes px = randomImage(w, h, rng);
            Resampler.Filter filter = trial % 2 == 0 ? Resampler.Filter.BICUBIC : Resampler.Filter.BILINEAR;
            FusedCrop crop = new FusedCrop(new ResizeCenterCrop(8 + rng.nextInt(80), 0.875, filter), 0, Normalization.IMAGENET, null, true);
            assertFusedEqualsComposed(crop, px, rng.nextLong());
        }
    }

    @Test
    void randomErasingRunsAfterTheFusedPassWithTheSameStream() throws Exception {
        SplittableRandom rng = new SplittableRandom(7);
        for (int trial = 0; trial < 20; trial++) {
            ImageDecoding.RgbBytes px = randomImage(40 + rng.nextInt(60), 40 + rng.nextInt(60), rng);
            FusedCrop crop = new FusedCrop(RandomResizedCrop.imagenet(32, Resampler.Filter.BICUBIC), 0.5, Normalization.IMAGENET,
                    new RandomErasing(1.0), true);
            assertFusedEqualsComposed(crop, px, rng.nextLong());
        }
    }

    @Test
    void presetsCarryTheFusedFormOfTheirTransforms() {
        SyntheticDataset rgb = SyntheticDataset.train(4, 3, 16, 16, 1);
        SamplePipeline train = SamplePipeline.imagenetTrain(rgb, 32, Resampler.Filter.BICUBIC, 0.25);
        assertNotNull(train.fused());
        assertInstanceOf(RandomResizedCrop.class, train.fused().geometry());
        assertEquals(0.5, train.fused().flipProbability());
        assertInstanceOf(RandomErasing.class, train.fused().tail());
        assertNotNull(SamplePipeline.imagenetEval(rgb, 32, Resampler.Filter.BICUBIC).fused());
        assertNull(SamplePipeline.imagenetTrain(SyntheticDataset.train(4, 1, 16, 16, 1), 32, Resampler.Filter.BICUBIC, 0).fused(),
                "grayscale data have no fused (RGB) form");
        assertNull(train.unfused().fused());
        assertFalse(train.withDctScaling(false).fused().dctScaling());
    }

    /** Writes n PNG and JPEG images of varied sizes into an ImageNet layout (PNG decodes exactly in every decoder). */
    private ImageFolder folder(int n) throws Exception {
        SplittableRandom rng = new SplittableRandom(8);
        for (int i = 0; i < n; i++) {
            ImageDecoding.RgbBytes px = randomImage(30 + rng.nextInt(90), 30 + rng.nextInt(90), rng);
            BufferedImage img = new BufferedImage(px.width(), px.height(), BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < px.height(); y++) {
                for (int x = 0; x < px.width(); x++) {
                    int p = 3 * (y * px.width() + x);
                    img.setRGB(x, y, (px.rgb()[p] & 0xff) << 16 | (px.rgb()[p + 1] & 0xff) << 8 | (px.rgb()[p + 2] & 0xff));
                }
            }
            Path file = dir.resolve("train/c" + (i % 3)).resolve("img" + i + (i % 2 == 0 ? ".png" : ".jpg"));
            Files.createDirectories(file.getParent());
            assertTrue(ImageIO.write(img, i % 2 == 0 ? "png" : "jpg", file.toFile()));
        }
        Files.write(dir.resolve("train/c0/broken.jpg"), new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 1, 2, 3});
        return ImageFolder.train(dir);
    }

    private static List<Batch> epoch(DataLoader loader) {
        List<Batch> out = new ArrayList<>();
        try (DataLoader.EpochIterator it = loader.epoch(1)) {
            while (it.hasNext()) out.add(it.next());
        }
        return out;
    }

    @Test
    @Timeout(120)
    void loaderBatchesAreTheSameFusedOrComposedIncludingSubstitutesForCorruptFiles() throws Exception {
        ImageFolder data = folder(23).withDecoder(ImageDecoding.Decoder.IMAGEIO);
        SamplePipeline pipeline = SamplePipeline.imagenetTrain(data, 24, Resampler.Filter.BICUBIC, 0.25);
        DataLoader.Options options = new DataLoader.Options(6, true, true, 2, 3, 99);
        List<Batch> fused, composed;
        try (DataLoader a = new DataLoader(data, pipeline, null, options); DataLoader b = new DataLoader(data, pipeline.unfused(), null, options)) {
            assertTrue(a.fused());
            assertFalse(b.fused());
            fused = epoch(a);
            composed = epoch(b);
            assertTrue(a.stageTimes().snapshot().samples() > 0);
            assertTrue(a.stageTimes().snapshot().transformMs() > 0);
        }
        assertEquals(4, fused.size());   // all 24 files, broken.jpg among them
        for (int i = 0; i < fused.size(); i++) {
            assertArrayEquals(composed.get(i).images(), fused.get(i).images(), 0f, "batch " + i);
            assertArrayEquals(composed.get(i).labels(), fused.get(i).labels(), "batch " + i);
        }
        assertEquals(1, data.skippedImages().get(), "broken.jpg is counted once, whichever path met it");
    }
}
