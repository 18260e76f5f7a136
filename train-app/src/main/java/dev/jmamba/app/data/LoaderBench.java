package dev.jmamba.app.data;

import dev.jmamba.vision.image.Resampler;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;

/**
 * Throughput of the training input pipeline on ImageNet-like files: writes {@code images} random-content
 * JPEGs of 500×375 into an ImageNet-layout folder in a temp dir (smooth colour gradients plus noise, so
 * they compress and decode like photos rather than pure noise), then runs the training pipeline (decode,
 * RandomResizedCrop 224 bicubic, flip, normalise; no erasing, no mixup) through a {@link DataLoader} with W
 * workers for one epoch after a warm-up epoch, and reports images per second.
 * Usage: {@code LoaderBench [images=512] [workers=1,2] [batch=32]}; prints one JSON line per worker count.
 */
public final class LoaderBench {

    /** One measurement. */
    public record Result(int workers, int images, double seconds, double imagesPerSecond) {
        public String json() {
            return String.format(Locale.ROOT, "{\"bench\":\"loader\",\"workers\":%d,\"images\":%d,\"seconds\":%.3f,\"img_per_s\":%.1f,\"img_per_s_per_worker\":%.1f}",
                    workers, images, seconds, imagesPerSecond, imagesPerSecond / workers);
        }
    }

    private LoaderBench() {
    }

    /** Writes {@code images} JPEGs of width × height spread over {@code classes} class folders of {@code dir/train}. */
    public static void writeJpegFolder(Path dir, int images, int classes, int width, int height, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        try {
            for (int c = 0; c < classes; c++) Files.createDirectories(dir.resolve("train").resolve("class" + c));
            for (int i = 0; i < images; i++) {
                BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
                double fx = rng.nextDouble(0.005, 0.05);
                double fy = rng.nextDouble(0.005, 0.05);
                double phase = rng.nextDouble(0, 6.3);
                for (int y = 0; y < height; y++) {
                    for (int x = 0; x < width; x++) {
                        int r = clamp(128 + 100 * Math.sin(fx * x + phase) + rng.nextInt(-20, 21));
                        int g = clamp(128 + 100 * Math.sin(fy * y - phase) + rng.nextInt(-20, 21));
                        int b = clamp(128 + 100 * Math.sin(fx * x + fy * y) + rng.nextInt(-20, 21));
                        img.setRGB(x, y, (r << 16) | (g << 8) | b);
                    }
                }
                Path file = dir.resolve("train").resolve("class" + (i % classes)).resolve(String.format("img%05d.jpg", i));
                if (!ImageIO.write(img, "jpg", file.toFile())) throw new IOException("no JPEG writer available");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write benchmark images (" + e.getMessage() + ")", e);
        }
    }

    /** Measures one epoch over {@code data} with {@code workers} threads (after one warm-up epoch). */
    public static Result measure(Dataset data, int workers, int batchSize) {
        SamplePipeline pipeline = SamplePipeline.imagenetTrain(data, 224, Resampler.Filter.BICUBIC, 0);
        DataLoader.Options options = new DataLoader.Options(batchSize, true, true, workers, 2 * workers + 2, 7);
        try (DataLoader loader = new DataLoader(data, pipeline, null, options)) {
            drain(loader, 0);
            long start = System.nanoTime();
            int images = drain(loader, 1);
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Result(workers, images, seconds, images / seconds);
        }
    }

    private static int drain(DataLoader loader, int epoch) {
        int images = 0;
        try (DataLoader.EpochIterator it = loader.epoch(epoch)) {
            while (it.hasNext()) images += it.next().size();
        }
        return images;
    }

    public static void main(String[] args) throws IOException {
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        String[] workerCounts = (args.length > 1 ? args[1] : "1,2").split(",");
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        Path dir = Files.createTempDirectory("jmamba-loader-bench");
        try {
            writeJpegFolder(dir, images, 4, 500, 375, 1);
            ImageFolder data = ImageFolder.train(dir);
            for (String w : workerCounts) System.out.println(measure(data, Integer.parseInt(w.trim()), batch).json());
        } finally {
            try (Stream<Path> walk = Files.walk(dir)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static int clamp(double v) {
        return Math.clamp((long) v, 0, 255);
    }
}
