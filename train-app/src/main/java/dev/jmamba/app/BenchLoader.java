package dev.jmamba.app;

import dev.jmamba.app.data.ImageFolder;
import dev.jmamba.app.data.LoaderBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * {@code jmamba bench loader}: images per second of the ImageNet training input pipeline (JPEG decode,
 * RandomResizedCrop 224 bicubic, flip, normalise) through the data loader, per worker count, on
 * generated 500×375 JPEGs ({@link LoaderBench}).
 */
@Command(name = "loader", mixinStandardHelpOptions = true,
        description = "Time the data loader on generated ImageNet-like JPEGs (decode, resized crop 224, flip, normalise).")
public final class BenchLoader implements Runnable {
    @Option(names = "--images", defaultValue = "512", description = "Generated JPEGs (default ${DEFAULT-VALUE}).")
    int images;
    @Option(names = "--workers", defaultValue = "1,2", split = ",", description = "Worker counts to try (default ${DEFAULT-VALUE}).")
    int[] workers;
    @Option(names = "--batch-size", defaultValue = "32", description = "Images per batch (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Override public void run() {
        if (images < 1) throw UserError.usage("--images must be >= 1, got " + images);
        if (batchSize < 1 || batchSize > images) throw UserError.usage("--batch-size must be in [1, --images], got " + batchSize);
        for (int w : workers) if (w < 1) throw UserError.usage("--workers must be >= 1, got " + w);
        Path dir;
        try {
            dir = Files.createTempDirectory("jmamba-loader-bench");
        } catch (IOException e) {
            throw UserError.runtime("cannot create a temporary folder (" + e.getMessage() + ")");
        }
        try {
            LoaderBench.writeJpegFolder(dir, images, 4, 500, 375, 1);
            ImageFolder data = ImageFolder.train(dir);
            for (int w : workers) System.out.println(LoaderBench.measure(data, w, batchSize).json());
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                System.err.println("jmamba bench loader: could not delete " + dir + " (" + e.getMessage() + ")");
            }
        }
    }
}
