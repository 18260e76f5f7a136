package dev.jmamba.app;

import dev.jmamba.app.train.CheckpointStore;
import dev.jmamba.app.train.RunConfig;
import dev.jmamba.app.models.ModelRegistry;
import dev.jmamba.io.CheckpointException;
import dev.jmamba.app.models.Classifier;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;

import java.nio.file.Path;
import java.util.Map;

/**
 * A trained model loaded from a checkpoint for {@code eval} and {@code predict}: the run's config
 * and the model (or its EMA weights) on a device, in eval mode. Every defect of the checkpoint
 * becomes one {@link UserError} naming the file.
 */
record CheckpointModel(Path dir, RunConfig config, Classifier model, Device device) {

    /**
     * Reads the checkpoint under {@code given} first (so file problems are reported before anything
     * else), then picks the device ({@code --device} text, null = default) and builds the model there.
     */
    static CheckpointModel load(Path given, String deviceText, boolean useEma) {
        try {
            CheckpointStore.Loaded c = CheckpointStore.load(given, false);
            Device device = DeviceOption.parse(deviceText);
            Map<String, Tensor> weights = c.model();
            Path file = c.dir().resolve(CheckpointStore.MODEL);
            if (useEma) {
                if (!c.state().ema()) throw UserError.usage(c.dir() + " has no EMA weights (the run was trained without --ema)");
                file = c.dir().resolve(CheckpointStore.EMA);
                weights = dev.jmamba.app.train.TensorBlobs.read(file);
            }
            Classifier model;
            try {
                model = ModelRegistry.create(c.config().model());
            } catch (IllegalArgumentException e) {
                throw UserError.runtime(c.dir().resolve(CheckpointStore.CONFIG) + ": " + e.getMessage());
            }
            model.module().to(device);
            CheckpointStore.checkTypes(file, weights, model.module().stateDict());
            try {
                model.module().loadStateDict(weights, true);
            } catch (IllegalArgumentException e) {
                throw UserError.runtime(file + ": does not fit model " + c.config().model().name() + " (" + e.getMessage() + ")");
            }
            model.module().train(false);
            return new CheckpointModel(c.dir(), c.config(), model, device);
        } catch (CheckpointException e) {
            throw UserError.runtime(e.getMessage());
        }
    }
}
