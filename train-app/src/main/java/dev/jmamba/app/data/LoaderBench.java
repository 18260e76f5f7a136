package dev.jmamba.app.data;

import dev.jmamba.app.data.cuda.NvjpegLoader;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.image.Resampler;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Throughput of the training input pipeline on an ImageNet-layout folder ({@code jmamba bench loader}):
 * the training pipeline (decode, RandomResizedCrop, flip, normalise; no erasing, no mixup) through a
 * {@link DataLoader} with W workers, timed over one epoch after a short warm-up, with the loader's
 * per-stage times ({@link StageTimes}) and the process CPU time it took (img_per_cpu_s: the rate per core,
 * which a busy shared machine distorts less than img/s). {@link #writeJpegFolder} makes the default data: random-content
 * 500×375 JPEGs (smooth colour gradients plus noise, so they compress and decode like photos).
 *
 * <p>Pipelines: {@code imageio} (ImageIO decode, then the composed float transforms: the reference),
 * {@code turbojpeg} (TurboJPEG decode, composed transforms), {@code fused} (TurboJPEG where available,
 * then the one-pass {@link FusedCrop} with DCT-domain downscaling of large crops), {@code nvjpeg} (nvJPEG
 * decoding and the same crop on the GPU into a device batch, {@link NvjpegLoader}; CUDA only).
 */
public final class LoaderBench {

    /** The pipelines {@link #measure} knows. */
    public enum Pipeline {
        IMAGEIO, TURBOJPEG, FUSED, NVJPEG;

        public static Pipeline parse(String name) {
            for (Pipeline p : values()) if (p.name().equalsIgnoreCase(name.trim())) return p;
            throw new IllegalArgumentException("unknown pipeline '" + name + "' (expected imageio, turbojpeg, fused or nvjpeg)");
        }

        public String label() { return name().toLowerCase(Locale.ROOT); }
    }

    /**
     * One measurement: images per second over the timed epoch and the loader's stage times in it
     * (decode / augment / collate ms per image summed over threads, wait ms per batch on the consumer side,
     * and how many further batches were already finished when one was handed out).
     */
    public record Result(Pipeline pipeline, String decoder, Resampler.Filter filter, int workers, int prefetch, int batchSize, int images,
                         double seconds, double imagesPerSecond, double cpuSeconds, StageTimes.Snapshot stages) {
        public String json() {
            return String.format(Locale.ROOT, "{\"bench\":\"loader\",\"pipeline\":\"%s\",\"decoder\":\"%s\",\"filter\":\"%s\",\"workers\":%d,"
                            + "\"prefetch\":%d,\"batch\":%d,\"images\":%d,\"seconds\":%.3f,\"img_per_s\":%.1f,\"img_per_s_per_worker\":%.1f,"
                            + "\"decode_ms\":%.3f,\"augment_ms\":%.3f,\"collate_ms\":%.3f,\"wait_ms_per_batch\":%.2f,\"ready_batches\":%.2f,"
                            + "\"cpu_ms_per_image\":%.3f,\"img_per_cpu_s\":%.1f,\"cores\":%d}",
                    pipeline.label(), decoder, filter.name().toLowerCase(Locale.ROOT), workers, prefetch, batchSize, images, seconds,
                    imagesPerSecond, imagesPerSecond / workers, stages.decodeMs(), stages.transformMs(), stages.collateMs(), stages.waitMs(),
                    stages.readyBehind(), cpuSeconds * 1e3 / images, images / cpuSeconds, Runtime.getRuntime().availableProcessors());
        }

        public String text() {
            return String.format(Locale.ROOT, "loader %-9s (%s decode, %s) workers %2d: %8.1f img/s (%6.1f per worker, %6.1f per CPU second);"
                            + " per image: decode %.2f ms, augment %.2f ms, collate %.3f ms (wall time in the threads); consumer waited %.1f ms per batch",
                    pipeline.label(), decoder, filter.name().toLowerCase(Locale.ROOT), workers, imagesPerSecond, imagesPerSecond / workers,
                    images / cpuSeconds, stages.decodeMs(), stages.transformMs(), stages.collateMs(), stages.waitMs());
        }
    }

    private LoaderBench() {
    }

    /**
     * Writes {@code images} JPEGs of width × height spread over {@code classes} class folders of
     * {@code dir/train}, in parallel on the common pool; image i is drawn from its own stream
     * (seed, i), so the files do not depend on the thread count.
     */
    public static void writeJpegFolder(Path dir, int images, int classes, int width, int height, long seed) {
        writeJpegFolder(dir, "train", images, classes, width, height, seed);
    }

    /** As {@link #writeJpegFolder(Path, int, int, int, int, long)} into {@code dir/split}. */
    public static void writeJpegFolder(Path dir, String split, int images, int classes, int width, int height, long seed) {
        try {
            for (int c = 0; c < classes; c++) Files.createDirectories(dir.resolve(split).resolve("class" + c));
            java.util.stream.IntStream.range(0, images).parallel().forEach(i -> {
                SplittableRandom rng = Seeds.forSample(seed, 0, i);
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
                Path file = dir.resolve(split).resolve("class" + (i % classes)).resolve(String.format("img%05d.jpg", i));
                try {
                    if (!ImageIO.write(img, "jpg", file.toFile())) throw new IOException("no JPEG writer available");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new UncheckedIOException(dir + ": cannot write benchmark images (" + e.getMessage() + ")",
                    e instanceof IOException io ? io : ((UncheckedIOException) e).getCause());
        }
    }

    /**
     * Measures one epoch over {@code data} with {@code workers} threads and prefetch 2W + 2, after a
     * warm-up of W + 4 batches (JIT, thread start, file cache).
     */
    public static Result measure(ImageFolder folder, Pipeline pipeline, Resampler.Filter filter, int workers, int batchSize) {
        if (pipeline == Pipeline.NVJPEG) return measureNvjpeg(folder, filter, workers, batchSize, Backends.defaultDevice());
        ImageDecoding.Decoder decoder = switch (pipeline) {
            case IMAGEIO -> ImageDecoding.Decoder.IMAGEIO;
            case TURBOJPEG -> ImageDecoding.Decoder.TURBOJPEG;
            case FUSED, NVJPEG -> ImageDecoding.Decoder.AUTO;
        };
        ImageFolder source = folder.withDecoder(decoder);
        SamplePipeline p = SamplePipeline.imagenetTrain(source, 224, filter, 0);
        if (pipeline != Pipeline.FUSED) p = p.unfused();
        int prefetch = 2 * workers + 2;
        DataLoader.Options options = new DataLoader.Options(batchSize, true, true, workers, prefetch, 7);
        try (DataLoader loader = new DataLoader(source, p, null, options)) {
            drain(loader, 0, Math.min(loader.batchesPerEpoch(), workers + 4));
            loader.stageTimes().reset();
            long cpu0 = processCpuNanos();
            long start = System.nanoTime();
            int images = drain(loader, 1, Integer.MAX_VALUE);
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpu = (processCpuNanos() - cpu0) / 1e9;
            return new Result(pipeline, decoder.usesTurboJpeg() ? "turbojpeg" : "imageio", filter, workers, prefetch, batchSize, images,
                    seconds, images / seconds, cpu, loader.stageTimes().snapshot());
        }
    }

    /**
     * Measures the GPU path ({@link NvjpegLoader}) over one epoch after a warm-up of W + 4 batches: each
     * batch decoded and cropped into a (B, 3, 224, 224) tensor on {@code device} by {@code workers}
     * threads, the device work synchronised at the end (no prefetch: batches one after another).
     * Throws {@link IllegalStateException} with the reason where nvJPEG cannot run.
     */
    public static Result measureNvjpeg(ImageFolder folder, Resampler.Filter filter, int workers, int batchSize, Device device) {
        String why = NvjpegLoader.unavailableReason(device);
        if (why != null) throw new IllegalStateException(why);
        SamplePipeline p = SamplePipeline.imagenetTrain(folder, 224, filter, 0);
        int batches = folder.size() / batchSize;
        try (NvjpegLoader loader = new NvjpegLoader(folder, p.fused(), device, workers, 7);
             Scope scope = Scope.open()) {
            Tensor out = Tensor.empty(DType.F32, device, batchSize, 3, 224, 224);
            for (int b = 0; b < Math.min(batches, workers + 4); b++) loader.load(batch(folder.size(), 0, b, batchSize), 0, out);
            Backends.of(device).synchronize();
            loader.stageTimes().reset();
            long cpu0 = processCpuNanos();
            long start = System.nanoTime();
            int images = 0;
            for (int b = 0; b < batches; b++) {
                loader.load(batch(folder.size(), 1, b, batchSize), 1, out);
                images += batchSize;
            }
            Backends.of(device).synchronize();
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpu = (processCpuNanos() - cpu0) / 1e9;
            return new Result(Pipeline.NVJPEG, "nvjpeg" + (loader.cpuFallbacks() > 0 ? "+cpu(" + loader.cpuFallbacks() + ")" : ""), filter,
                    workers, 0, batchSize, images, seconds, images / seconds, cpu, loader.stageTimes().snapshot());
        }
    }

    /** Indices of batch b of epoch e in the shuffled order of seed 7 (as the CPU pipelines' loader draws). */
    private static int[] batch(int n, int epoch, int b, int batchSize) {
        int[] order = Seeds.permutation(7, epoch, n);
        int[] out = new int[batchSize];
        System.arraycopy(order, b * batchSize, out, 0, batchSize);
        return out;
    }

    /** CPU time of the whole process (all threads, GC and JIT included), or NaN-free 0 where the JVM does not say. */
    private static long processCpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    private static int drain(DataLoader loader, int epoch, int maxBatches) {
        int images = 0;
        try (DataLoader.EpochIterator it = loader.epoch(epoch)) {
            for (int b = 0; b < maxBatches && it.hasNext(); b++) images += it.next().size();
        }
        return images;
    }

    private static int clamp(double v) {
        return Math.clamp((long) v, 0, 255);
    }
}
