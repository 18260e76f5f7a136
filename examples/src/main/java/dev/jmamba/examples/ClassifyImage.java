package dev.jmamba.examples;

import dev.jmamba.tensor.Device;
import dev.jmamba.vision.checkpoint.CheckpointStore;
import dev.jmamba.vision.checkpoint.RunConfig;
import dev.jmamba.vision.checkpoint.TrainerState;
import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.infer.ImageClassifier;
import dev.jmamba.vision.models.Classifier;
import dev.jmamba.vision.models.ModelRegistry;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * <b>How to run:</b> {@code ./jmamba example classify-image [CHECKPOINT_DIR IMAGE...]}
 *
 * <p>Classifies images with a jmamba checkpoint through the embedding API ({@link ImageClassifier}):
 * <pre>
 *   ClassifyImage CHECKPOINT_DIR IMAGE...     top-5 labels of each image
 *   ClassifyImage                             self-check: writes a small checkpoint, classifies a
 *                                             picture with it and checks the answer against the raw logits
 * </pre>
 * The part an application needs is {@link #classify}: ten lines.
 */
public final class ClassifyImage {
    private ClassifyImage() {}

    /** Top-5 of each image file with the checkpoint in {@code checkpoint}. */
    static void classify(Path checkpoint, List<Path> images, PrintStream out) throws Exception {
        try (ImageClassifier classifier = ImageClassifier.load(checkpoint)) {       // GPU when present, else CPU
            for (Path image : images) {
                List<ImageClassifier.Prediction> top5 = classifier.predict(image, 5);
                out.println(image + ": " + top5);
            }
        }
    }

    public static void main(String[] args) {
        run(System.out, args);
    }

    /** Classifies (two or more arguments) or runs the self-check (none); throws {@link ExampleFailure} when a check fails. */
    public static void run(PrintStream out, String... args) {
        try {
            if (args.length >= 2) {
                classify(Path.of(args[0]), java.util.Arrays.stream(args).skip(1).map(Path::of).toList(), out);
            } else if (args.length == 0) {
                selfCheck(out);
            } else {
                throw new ExampleArgs.BadOption("classify-image: expected CHECKPOINT_DIR IMAGE... or nothing (the self-check)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("classify-image: " + e.getMessage(), e);
        }
    }

    /** Writes a tiny-cnn checkpoint, classifies a drawn picture, and checks the API against the logits. */
    static void selfCheck(PrintStream out) throws Exception {
        Path dir = Files.createTempDirectory("classify-image");
        List<String> names = List.of("tee", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "boot");
        ModelRegistry.ModelChoice spec = new ModelRegistry.ModelChoice("tiny-cnn", 10, 1, 28, 0, 16);
        Classifier model = ModelRegistry.create(spec);
        RunConfig config = new RunConfig(spec, new RunConfig.DataSpec("fashion-mnist", null, 0, 0, names, 1,
                new float[] {0.286f}, new float[] {0.353f}, "none"), null);
        CheckpointStore.write(dir, config, new TrainerState(0, 0, 0, 16, 0, false, 0, 0, 0, 0), model.module().stateDict(), null, null);

        BufferedImage picture = new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB);
        for (int y = 6; y < 22; y++) for (int x = 9; x < 19; x++) picture.setRGB(x, y, 0xffffff);   // a white bar
        Path png = dir.resolve("bar.png");
        javax.imageio.ImageIO.write(picture, "png", png.toFile());
        classify(dir, List.of(png), out);

        try (ImageClassifier c = ImageClassifier.load(dir, Device.CPU)) {
            List<ImageClassifier.Prediction> all = c.predict(picture, 10);
            FloatImage x = c.preprocessing().apply(picture);
            float[] logits = c.logits(x.data(), x.channels(), x.height(), x.width());
            int best = 0;
            for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
            double sum = all.stream().mapToDouble(ImageClassifier.Prediction::probability).sum();
            Checks.that(out, "top-1 is the largest logit", all.getFirst().index() == best, "class " + best);
            Checks.that(out, "labels come from the checkpoint", all.getFirst().label().equals(names.get(best)), all.getFirst().label());
            Checks.close(out, "probabilities sum to 1", 1, sum, 1e-5);   // float32 softmax over 10 classes
            Checks.that(out, "a file and the decoded picture give the same answer", all.equals(c.predict(png, 10)), "top-10 equal");
        }
        out.println("ClassifyImage self-check passed");
    }
}
