package dev.jmamba.app.train;

import dev.jmamba.vision.checkpoint.RunConfig;
import dev.jmamba.app.UserError;
import dev.jmamba.app.data.Dataset;
import dev.jmamba.app.data.FashionMnist;
import dev.jmamba.app.data.ImageFolder;
import dev.jmamba.app.data.SamplePipeline;
import dev.jmamba.app.data.SyntheticDataset;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens the train and validation splits a {@link RunConfig.DataSpec} names, and builds the sample
 * pipelines. Also turns a user's {@code --data} value into a spec.
 */
public final class RunData {
    /** Synthetic data: sizes of the splits and image side (grayscale, like Fashion-MNIST). */
    public static final int SYNTHETIC_TRAIN = 6000, SYNTHETIC_VAL = 1000, SYNTHETIC_SIDE = 28;
    /** Seed of the synthetic images (fixed, independent of --seed, so every run sees the same data set). */
    private static final long SYNTHETIC_SEED = 20_24;

    private final Dataset train, val;

    private RunData(Dataset train, Dataset val) {
        this.train = train;
        this.val = val;
    }

    public Dataset train() { return train; }

    public Dataset val() { return val; }

    /** The kind and path for a {@code --data} value (null = the default), as a pair {kind, path}. */
    public static String[] kindAndPath(String data) {
        if (data == null) {
            return FashionMnist.isPresent(FashionMnist.DEFAULT_DIR)
                    ? new String[] {"fashion-mnist", FashionMnist.DEFAULT_DIR.toString()} : new String[] {"synthetic", null};
        }
        if (data.equals("synthetic")) return new String[] {"synthetic", null};
        if (data.equals("fashion-mnist")) {
            if (!FashionMnist.isPresent(FashionMnist.DEFAULT_DIR)) {
                throw UserError.runtime("Fashion-MNIST is not installed in " + FashionMnist.DEFAULT_DIR
                        + "; install it with 'apt-get install dataset-fashion-mnist', pass --data DIR with the IDX files, or use --data synthetic");
            }
            return new String[] {"fashion-mnist", FashionMnist.DEFAULT_DIR.toString()};
        }
        Path dir = Path.of(data);
        if (!Files.isDirectory(dir)) {
            throw UserError.runtime("--data " + data + ": folder not found (expected fashion-mnist, synthetic, or a folder with "
                    + "Fashion-MNIST IDX files or an ImageNet layout train/<class>/*, val/<class>/*)");
        }
        if (!Files.isReadable(dir) || !Files.isExecutable(dir)) {
            throw UserError.runtime("--data " + data + ": permission denied (the folder cannot be listed by this user)");
        }
        Path abs = dir.toAbsolutePath().normalize();
        if (FashionMnist.isPresent(dir)) return new String[] {"fashion-mnist", abs.toString()};
        if (ImageFolder.looksLikeImageFolder(dir)) return new String[] {"folder", abs.toString()};
        throw UserError.runtime("--data " + data + ": the folder holds neither Fashion-MNIST IDX files (train-images-idx3-ubyte[.gz], ...) "
                + "nor an ImageNet layout (train/<class>/*, val/<class>/*)");
    }

    /** Opens both splits (full size, without limits) of a data source. */
    public static RunData open(String kind, String path) {
        return switch (kind) {
            case "synthetic" -> new RunData(
                    SyntheticDataset.train(SYNTHETIC_TRAIN, 1, SYNTHETIC_SIDE, SYNTHETIC_SIDE, SYNTHETIC_SEED),
                    SyntheticDataset.val(SYNTHETIC_VAL, 1, SYNTHETIC_SIDE, SYNTHETIC_SIDE, SYNTHETIC_SEED));
            case "fashion-mnist" -> new RunData(FashionMnist.train(Path.of(path)), FashionMnist.test(Path.of(path)));
            case "folder" -> new RunData(ImageFolder.train(Path.of(path)), ImageFolder.val(Path.of(path)));
            default -> throw new IllegalArgumentException("unknown data kind '" + kind + "' (expected synthetic, fashion-mnist or folder)");
        };
    }

    /** Opens the splits of {@code spec} with its limits applied. */
    public static RunData open(RunConfig.DataSpec spec) {
        RunData full = open(spec.kind(), spec.path());
        return new RunData(SubsetDataset.limit(full.train, spec.trainLimit()), SubsetDataset.limit(full.val, spec.valLimit()));
    }

    /** These splits with JPEGs decoded on the host by {@code decoder} (image folders; other data unchanged). */
    public RunData withDecoder(dev.jmamba.app.data.ImageDecoding.Decoder decoder) {
        return new RunData(withDecoder(train, decoder), withDecoder(val, decoder));
    }

    private static Dataset withDecoder(Dataset d, dev.jmamba.app.data.ImageDecoding.Decoder decoder) {
        if (d instanceof ImageFolder f) return f.withDecoder(decoder);
        if (d instanceof SubsetDataset s && s.base() instanceof ImageFolder f) return SubsetDataset.limit(f.withDecoder(decoder), s.size());
        return d;
    }

    /** The native side of fixed-size data (28 for Fashion-MNIST), or 224 for folders of varying images. */
    public static int defaultResolution(Dataset data) {
        return data.nativeSize().map(s -> Math.max(s.height(), s.width())).orElse(224);
    }

    /** The training pipeline for {@code spec}: "light" augmentation (recipe presets without RandAugment) or none. */
    public static SamplePipeline trainPipeline(Dataset data, RunConfig.DataSpec spec, int resolution, double erasing) {
        if (spec.augment().equals("none")) {
            SamplePipeline eval = evalPipeline(data, resolution);
            if (erasing > 0) throw UserError.usage("--random-erasing needs augmentation: use --augment light (or leave --augment out)");
            return eval;
        }
        return data.nativeSize().isPresent()
                ? SamplePipeline.smallTrain(data, resolution, Math.max(1, resolution / 14), erasing)
                : SamplePipeline.defaultTrain(data, resolution, erasing);
    }

    /** The evaluation pipeline (resize / centre crop, normalise). */
    public static SamplePipeline evalPipeline(Dataset data, int resolution) {
        return SamplePipeline.defaultEval(data, resolution);
    }

    /** Images that could not be decoded and were replaced so far (folder data only). */
    public long skippedImages() {
        return skipped(train) + skipped(val);
    }

    private static long skipped(Dataset d) {
        Dataset base = d instanceof SubsetDataset s ? s.base() : d;
        return base instanceof ImageFolder f ? f.skippedImages().get() : 0;
    }
}
