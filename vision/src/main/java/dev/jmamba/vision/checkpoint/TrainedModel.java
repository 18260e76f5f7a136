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
        CheckpointStore.checkTypes(file, weights, model.module().stateDict());
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

    /** Checks config.json (see {@link CheckpointCheck#config}); one message naming the file and the field. */
    static void validate(RunConfig cfg, Path file) {
        CheckpointCheck.config(file, cfg);
    }
}
