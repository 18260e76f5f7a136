package dev.jmamba.vision.infer;

import dev.jmamba.autograd.Autograd;
import dev.jmamba.autograd.Var;
import dev.jmamba.io.CheckpointException;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.checkpoint.CheckpointStore;
import dev.jmamba.vision.checkpoint.RunConfig;
import dev.jmamba.vision.checkpoint.TrainerState;
import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.Images;
import dev.jmamba.vision.models.Classifier;
import dev.jmamba.vision.models.ModelRegistry;
import dev.jmamba.vision.models.ModelRegistry.ModelChoice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedding API against a direct forward pass of the same weights, in one and many threads. */
class ImageClassifierTest {
    @TempDir Path dir;

    static final List<String> NAMES = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine");

    /** Writes a checkpoint of a freshly initialised model; returns the model (eval mode, CPU). */
    static Classifier writeCheckpoint(Path runDir, ModelChoice spec, String kind, float[] mean, float[] std) {
        Classifier m = ModelRegistry.create(spec);
        RunConfig cfg = new RunConfig(spec, new RunConfig.DataSpec(kind, null, 0, 0, NAMES, spec.inChannels(), mean, std, "none"), null);
        CheckpointStore.write(runDir, cfg, new TrainerState(0, 0, 0, spec.seed(), 0, false, 0, 0, 0, 0), m.module().stateDict(), null, null);
        m.module().train(false);
        return m;
    }

    static BufferedImage randomImage(long seed, int w, int h) {
        SplittableRandom r = new SplittableRandom(seed);
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) im.setRGB(x, y, r.nextInt(1 << 24));
        return im;
    }

    private static float[] directLogits(Classifier m, FloatImage x) {
        try (var g = Autograd.noGrad()) {
            return m.forward(Var.of(Tensor.wrap(x.data(), 1, x.channels(), x.height(), x.width()))).value().toFloatArray();
        }
    }

    @Test
    void predictionsAreTheSoftmaxOfTheModelsLogitsOnThePreprocessedImage() throws Exception {
        Classifier m = writeCheckpoint(dir, new ModelChoice("tiny-cnn", 10, 1, 28, 0, 3), "synthetic", new float[] {0.3f}, new float[] {0.4f});
        try (ImageClassifier c = ImageClassifier.load(dir, Device.CPU)) {
            assertEquals(NAMES, c.labels());
            assertEquals("tiny-cnn", c.modelName());
            BufferedImage im = randomImage(1, 40, 33);
            FloatImage x = c.preprocessing().apply(im);
            assertArrayEquals(new int[] {1, 28, 28}, new int[] {x.channels(), x.height(), x.width()});
            // preprocessing by hand: luma, bilinear resize to 28x28, (v - 0.3) / 0.4
            FloatImage gray = Images.toGray(Images.toRgb(im));
            FloatImage resized = dev.jmamba.vision.image.Resampler.resize(gray, 28, 28, dev.jmamba.vision.image.Resampler.Filter.BILINEAR);
            for (int i = 0; i < x.length(); i++) assertEquals((resized.data()[i] - 0.3f) / 0.4f, x.data()[i], 1e-5f);

            float[] logits = directLogits(m, x);
            assertArrayEquals(logits, c.logits(x.data(), 1, 28, 28), 0f, "same weights, same input, same kernels");
            double[] p = new double[10];
            double sum = 0;
            for (int i = 0; i < 10; i++) sum += p[i] = Math.exp(logits[i]);
            List<ImageClassifier.Prediction> top = c.predict(im, 10);
            assertEquals(10, top.size());
            for (int j = 0; j < 10; j++) {
                ImageClassifier.Prediction pr = top.get(j);
                assertEquals(NAMES.get(pr.index()), pr.label());
                assertEquals(p[pr.index()] / sum, pr.probability(), 1e-6);
                if (j > 0) assertTrue(top.get(j - 1).probability() >= pr.probability(), "sorted");
            }
            assertEquals(top.subList(0, 3), c.predict(im, 3));
            // a file path gives the same answer as the decoded image
            Path png = dir.resolve("x.png");
            javax.imageio.ImageIO.write(im, "png", png.toFile());
            assertEquals(top.subList(0, 5), c.predict(png, 5));
        }
    }

    @Test
    void batchesAndConcurrentCallsAgreeWithSingleCalls() throws Exception {
        writeCheckpoint(dir, new ModelChoice("vim-nano", 10, 3, 32, 0, 5), "folder", new float[] {0.5f, 0.4f, 0.3f}, new float[] {0.2f, 0.25f, 0.3f});
        List<BufferedImage> images = new ArrayList<>();
        for (int i = 0; i < 6; i++) images.add(randomImage(10 + i, 30 + 7 * i, 45 - 3 * i));
        try (ImageClassifier c = ImageClassifier.load(dir, Device.CPU)) {
            assertTrue(c.preprocessing().centerCrop(), "folder data: resize + centre crop");
            List<List<ImageClassifier.Prediction>> single = new ArrayList<>();
            for (BufferedImage im : images) single.add(c.predict(im, 3));
            List<List<ImageClassifier.Prediction>> batch = c.predict(images, 3);
            for (int i = 0; i < images.size(); i++) {
                for (int j = 0; j < 3; j++) {
                    assertEquals(single.get(i).get(j).index(), batch.get(i).get(j).index(), "image " + i);
                    // a batched GEMM may sum in another order: fp32 rounding only
                    assertEquals(single.get(i).get(j).probability(), batch.get(i).get(j).probability(), 1e-5, "image " + i);
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<List<ImageClassifier.Prediction>>> futures = new ArrayList<>();
                for (int rep = 0; rep < 4; rep++) for (BufferedImage im : images) futures.add(pool.submit(() -> c.predict(im, 3)));
                for (int i = 0; i < futures.size(); i++) assertEquals(single.get(i % images.size()), futures.get(i).get(), "call " + i);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void badUseAndBadCheckpointsGiveOneClearMessage() throws Exception {
        Path run = dir.resolve("run");
        writeCheckpoint(run, new ModelChoice("tiny-cnn", 10, 1, 28, 0, 3), "synthetic", new float[] {0.3f}, new float[] {0.4f});
        ImageClassifier c = ImageClassifier.load(run, Device.CPU);
        assertThrows(IllegalArgumentException.class, () -> c.predict(randomImage(1, 8, 8), 0));
        var wrongSize = assertThrows(IllegalArgumentException.class, () -> c.logits(new float[10], 1, 28, 28));
        assertTrue(wrongSize.getMessage().contains("10 floats"), wrongSize.getMessage());
        assertThrows(IllegalArgumentException.class, () -> c.logits(new float[3 * 28 * 28], 3, 28, 28));
        c.close();
        assertThrows(IllegalStateException.class, () -> c.predict(randomImage(1, 8, 8), 1));

        Path config = run.resolve("checkpoint").resolve("config.json");
        String json = Files.readString(config);
        Files.writeString(config, json.replace("\"zero\",", ""));
        var e = assertThrows(CheckpointException.class, () -> ImageClassifier.load(run, Device.CPU));
        assertTrue(e.getMessage().startsWith(config.toString()) && e.getMessage().contains("10 classes, got 9"), e.getMessage());
        Files.writeString(config, json.replaceFirst("\"model\" : \\{[^}]*},", ""));
        var noModel = assertThrows(CheckpointException.class, () -> ImageClassifier.load(run, Device.CPU));
        assertTrue(noModel.getMessage().contains("has no \"model\" entry"), noModel.getMessage());
        var none = assertThrows(CheckpointException.class, () -> ImageClassifier.load(dir.resolve("missing"), Device.CPU));
        assertTrue(none.getMessage().contains("folder not found"), none.getMessage());
        var ema = assertThrows(CheckpointException.class, () -> ImageClassifier.load(dir.resolve("missing"), Device.CPU, true));
        assertTrue(ema.getMessage().contains("missing"), ema.getMessage());
    }
}
