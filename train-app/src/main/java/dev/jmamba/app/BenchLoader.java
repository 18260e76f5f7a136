package dev.jmamba.app;

import dev.jmamba.vision.image.Resampler;
import dev.jmamba.app.data.DataException;
import dev.jmamba.app.data.ImageFolder;
import dev.jmamba.app.data.LoaderBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * {@code jmamba bench loader}: images per second of the ImageNet training input pipeline (JPEG decode,
 * RandomResizedCrop 224, flip, normalise) through the data loader, per pipeline and worker count, with
 * the per-stage times ({@link LoaderBench}). Data: {@code --data DIR} (an ImageNet layout, its train
 * split), else generated 500×375 JPEGs in a temporary folder, or in {@code --generate DIR}, which is
 * kept (so another loader, e.g. PyTorch's, can read the same files).
 */
@Command(name = "loader", mixinStandardHelpOptions = true,
        description = "Time the data loader on an ImageNet-layout folder or generated JPEGs (decode, resized crop 224, flip, normalise).")
public final class BenchLoader implements Runnable {
    @Option(names = "--data", paramLabel = "DIR", description = "ImageNet-layout folder (DIR/train/<class>/*) to read; default: generated JPEGs.")
    Path data;
    @Option(names = "--generate", paramLabel = "DIR", description = "Write the generated JPEGs into DIR/train and a twentieth as many into"
            + " DIR/val (kept, so 'jmamba train --data DIR' and other loaders can use them; reused when DIR/train exists).")
    Path generate;
    @Option(names = "--images", description = "Generated JPEGs (default 512), or with --data the number of evenly spaced images used (default: all).")
    Integer images;
    @Option(names = "--workers", defaultValue = "1,2", split = ",", description = "Worker counts to try (default ${DEFAULT-VALUE}).")
    int[] workers;
    @Option(names = "--batch-size", defaultValue = "32", description = "Images per batch (default ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--pipeline", defaultValue = "fused", split = ",", description = "Pipelines to time: imageio (ImageIO decode +"
            + " composed float transforms, the reference), turbojpeg (TurboJPEG decode + composed transforms), fused (TurboJPEG where"
            + " available + one-pass crop/resample/flip/normalise with DCT downscaling), nvjpeg (nvJPEG decoding and the same crop on"
            + " the GPU into a device batch; CUDA only). Default ${DEFAULT-VALUE}.")
    String[] pipelines;
    @Option(names = "--filter", defaultValue = "bicubic", description = "Resampling filter of the crop: bicubic (the recipe) or bilinear"
            + " (torchvision's default). Default ${DEFAULT-VALUE}.")
    String filter;
    @Option(names = "--json", description = "One JSON line per case: pipeline, decoder, filter, workers, prefetch, batch, images, seconds,"
            + " img_per_s, img_per_s_per_worker, decode_ms, augment_ms, collate_ms (per image, thread time), wait_ms_per_batch"
            + " (the consumer's wait), ready_batches (finished batches queued behind the one handed out), cores.")
    boolean json;

    @Override public void run() {
        if (images != null && images < 1) throw UserError.usage("--images must be >= 1, got " + images);
        if (batchSize < 1) throw UserError.usage("--batch-size must be >= 1, got " + batchSize);
        for (int w : workers) if (w < 1) throw UserError.usage("--workers must be >= 1, got " + w);
        if (data != null && generate != null) throw UserError.usage("use either --data DIR (existing images) or --generate DIR, not both");
        Resampler.Filter f;
        List<LoaderBench.Pipeline> ps = new ArrayList<>();
        try {
            f = Resampler.Filter.valueOf(filter.toUpperCase(Locale.ROOT));
            for (String p : pipelines) ps.add(LoaderBench.Pipeline.parse(p));
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage().startsWith("No enum") ? "--filter must be bicubic or bilinear, got " + filter : e.getMessage());
        }
        Path temp = null;
        try {
            ImageFolder folder;
            if (data != null) {
                if (!ImageFolder.looksLikeImageFolder(data)) throw UserError.runtime("--data " + data + ": no train/ folder (expected DIR/train/<class>/*.JPEG)");
                folder = ImageFolder.train(data);
                if (images != null) folder = folder.evenlySpaced(images);
            } else {
                Path dir = generate;
                if (dir == null) dir = temp = Files.createTempDirectory("jmamba-loader-bench");
                if (!Files.isDirectory(dir.resolve("train"))) {
                    int n = images == null ? 512 : images;
                    LoaderBench.writeJpegFolder(dir, "train", n, 4, 500, 375, 1);
                    // a small val split too, so `jmamba train --data DIR` runs on the same folder
                    if (generate != null) LoaderBench.writeJpegFolder(dir, "val", Math.max(4, n / 20), 4, 500, 375, 2);
                }
                folder = ImageFolder.train(dir);
            }
            if (batchSize > folder.size()) throw UserError.usage("--batch-size " + batchSize + " is larger than the " + folder.size() + " images");
            for (LoaderBench.Pipeline p : ps) {
                for (int w : workers) {
                    LoaderBench.Result r;
                    try {
                        r = LoaderBench.measure(folder, p, f, w, batchSize);
                    } catch (IllegalStateException e) {
                        throw UserError.runtime("--pipeline " + p.label() + ": " + e.getMessage());
                    }
                    System.out.println(json ? r.json() : r.text());
                    System.out.flush();
                }
            }
        } catch (IOException | UncheckedIOException e) {
            throw UserError.runtime("cannot prepare the benchmark images (" + e.getMessage() + ")");
        } catch (DataException e) {
            throw UserError.runtime(e.getMessage());
        } finally {
            if (temp != null) {
                try (Stream<Path> walk = Files.walk(temp)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException | UncheckedIOException e) {
                    System.err.println("jmamba bench loader: could not delete " + temp + " (" + e.getMessage() + ")");
                }
            }
        }
    }
}
