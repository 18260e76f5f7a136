package dev.jmamba.vision.checkpoint;

import dev.jmamba.io.CheckpointException;
import dev.jmamba.io.TensorBlobs;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.image.Normalization;
import dev.jmamba.vision.image.Preprocessing;
import dev.jmamba.vision.image.ResizeCenterCrop;
import dev.jmamba.vision.image.Resampler;
import dev.jmamba.vision.models.Classifier;
import dev.jmamba.vision.models.ModelRegistry;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A model read from a checkpoint folder (a training run, its {@code checkpoint/}, or the output of
 * {@code jmamba import}) for inference: the run's config, the model with its weights (or the EMA
 * weights) on a device in eval mode, and the preprocessing it expects. Every defect of the folder —
 * missing files, a config.json without a model or with class names that do not fit, weights of the
 * wrong shape — is one {@link CheckpointException} naming the file.
 *
 * @param dir    the checkpoint folder that was read
 * @param config the run's config.json
 * @param model  the model, in eval mode, on {@code device}
 * @param device where the model lives
 */
public record TrainedModel(Path dir, RunConfig config, Classifier model, Device device) {

    /** Data kind of a checkpoint that names no data set (written by {@code jmamba import}). */
    public static final String NO_DATA = "none";

    /**
     * Reads the checkpoint under {@code given} (see {@link CheckpointStore#resolve}) and builds its model
     * on {@code device}. {@code useEma}: take {@code ema.safetensors} (runs trained with EMA) instead of
     * {@code model.safetensors}.
     */
    public static TrainedModel load(Path given, Device device, boolean useEma) {
        CheckpointStore.Loaded c = CheckpointStore.load(given, false);
        Path configFile = c.dir().resolve(CheckpointStore.CONFIG);
        validate(c.config(), configFile);
        Map<String, Tensor> weights = c.model();
        Path file = c.dir().resolve(CheckpointStore.MODEL);
        if (useEma) {
            if (!c.state().ema()) throw new CheckpointException(c.dir(), "has no EMA weights (the run was trained without --ema)");
            file = c.dir().resolve(CheckpointStore.EMA);
            weights = TensorBlobs.read(file);
        }
        Classifier model;
        try {
            model = ModelRegistry.create(c.config().model());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(configFile, e.getMessage(), e);
        }
        model.module().to(device);
        try {
            model.module().loadStateDict(weights, true);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file, "does not fit model " + c.config().model().name() + " (" + e.getMessage() + ")", e);
        }
        model.module().train(false);
        return new TrainedModel(c.dir(), c.config(), model, device);
    }

    /** The class names, index = label. */
    public List<String> classNames() { return config.data().classNames(); }

    /** The evaluation preprocessing of this model's data (see {@link #preprocessing(RunConfig)}). */
    public Preprocessing preprocessing() { return preprocessing(config); }

    /**
     * The evaluation preprocessing a run's data used: resize + centre crop (bicubic, crop 0.875) for
     * folders of images and imported ImageNet models, a plain bilinear resize for fixed-size data
     * (Fashion-MNIST, synthetic); the run's mean and std.
     */
    public static Preprocessing preprocessing(RunConfig config) {
        RunConfig.DataSpec d = config.data();
        int r = config.model().resolution(), c = config.model().inChannels();
        Normalization norm = new Normalization(d.mean(), d.std());
        boolean crop = d.kind().equals("folder") || d.kind().equals(NO_DATA);
        return crop ? new Preprocessing(c, r, true, ResizeCenterCrop.DEFAULT_CROP_FRACTION, Resampler.Filter.BICUBIC, norm)
                : Preprocessing.resize(c, r, norm);
    }

    /** Checks the parts of config.json that inference needs; one message naming the file. */
    static void validate(RunConfig cfg, Path file) {
        if (cfg.model() == null) throw new CheckpointException(file, "has no \"model\" entry");
        if (cfg.model().name() == null) throw new CheckpointException(file, "\"model\" has no \"name\"");
        if (cfg.data() == null) throw new CheckpointException(file, "has no \"data\" entry");
        RunConfig.DataSpec d = cfg.data();
        int k = cfg.model().numClasses(), c = cfg.model().inChannels();
        if (d.kind() == null) throw new CheckpointException(file, "\"data\" has no \"kind\"");
        if (d.classNames() == null || d.classNames().size() != k) {
            throw new CheckpointException(file, "\"data.classNames\" must list the model's " + k + " classes, got "
                    + (d.classNames() == null ? "none" : d.classNames().size()));
        }
        if (d.mean() == null || d.std() == null || d.mean().length != c || d.std().length != c) {
            throw new CheckpointException(file, "\"data.mean\" and \"data.std\" need one value per input channel (" + c + ")");
        }
        for (float s : d.std()) if (!(s > 0)) throw new CheckpointException(file, "\"data.std\" values must be positive, got " + s);
        if (cfg.model().resolution() < 1) throw new CheckpointException(file, "\"model.resolution\" must be >= 1");
    }
}
