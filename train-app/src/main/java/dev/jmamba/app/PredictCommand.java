package dev.jmamba.app;

import dev.jmamba.io.CheckpointException;
import dev.jmamba.vision.infer.ImageClassifier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code jmamba predict}: the top-k classes of each image file, through the library's
 * {@link ImageClassifier} (the checkpoint's evaluation preprocessing: resize or resize + centre crop,
 * channels, normalisation; class names from its config.json).
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Classify PNG/JPEG images with a checkpoint: top-5 labels with probabilities per image.")
public final class PredictCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "Run folder or its checkpoint/ folder (also from jmamba import).")
    Path checkpoint;
    @Option(names = "--device", paramLabel = "DEV", description = "cpu or cuda[:N] (default: cuda when present).")
    String device;
    @Option(names = "--precision", paramLabel = "P", description = PrecisionOption.DESCRIPTION)
    String precision;
    @Option(names = "--top", paramLabel = "K", description = "Labels per image (default 5).")
    int top = 5;
    @Option(names = "--ema", description = "Use the EMA weights (runs trained with --ema).")
    boolean ema;
    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files (PNG, JPEG, BMP, GIF).")
    List<Path> images;

    @Override public void run() {
        if (top < 1) throw UserError.usage("--top must be >= 1, got " + top);
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int ok = 0;
        try (ImageClassifier classifier = load()) {
            PrecisionOption.apply(precision, classifier.device());
            for (Path file : images) {
                List<ImageClassifier.Prediction> best;
                try {   // a bad file is reported and skipped; the other images are still classified
                    best = classifier.predict(file, top);
                } catch (IOException e) {
                    err.println("jmamba predict: skipping " + e.getMessage());  // "FILE: reason"
                    err.flush();
                    continue;
                } catch (IllegalArgumentException e) {
                    err.println("jmamba predict: skipping " + file + ": " + e.getMessage());
                    err.flush();
                    continue;
                }
                StringBuilder line = new StringBuilder(file.toString()).append(":");
                for (ImageClassifier.Prediction p : best) line.append(String.format(" %s %.1f%%,", p.label(), 100 * p.probability()));
                line.setLength(line.length() - 1);
                o.println(line);
                ok++;
            }
        }
        o.flush();
        err.flush();
        if (ok == 0) throw UserError.runtime("none of the " + images.size() + " images could be read");
    }

    private ImageClassifier load() {
        try {
            return ImageClassifier.load(checkpoint, DeviceOption.parse(device), ema);
        } catch (CheckpointException e) {
            throw UserError.runtime(e.getMessage());
        }
    }
}
