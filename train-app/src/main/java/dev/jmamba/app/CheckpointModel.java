package dev.jmamba.app;

import dev.jmamba.io.CheckpointException;
import dev.jmamba.tensor.Device;
import dev.jmamba.vision.checkpoint.RunConfig;
import dev.jmamba.vision.checkpoint.TrainedModel;
import dev.jmamba.vision.models.Classifier;

import java.nio.file.Path;

/**
 * A trained model loaded from a checkpoint for {@code eval}: the library's {@link TrainedModel}, with
 * its errors turned into {@link UserError}s (a defect of the checkpoint names the file, exit 1).
 */
record CheckpointModel(Path dir, RunConfig config, Classifier model, Device device) {

    /**
     * Reads the checkpoint under {@code given} first (so file problems are reported before anything
     * else), then picks the device ({@code --device} text, null = default) and builds the model there.
     */
    static CheckpointModel load(Path given, String deviceText, boolean useEma) {
        try {
            TrainedModel m = TrainedModel.load(given, DeviceOption.parse(deviceText), useEma);
            return new CheckpointModel(m.dir(), m.config(), m.model(), m.device());
        } catch (CheckpointException e) {
            throw UserError.runtime(e.getMessage());
        }
    }
}
