package dev.jmamba.vision.checkpoint;

import dev.jmamba.io.CheckpointException;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.models.ModelRegistry.ModelChoice;

import java.nio.file.Path;
import java.util.Map;

/**
 * Consistency checks of a checkpoint read back from disk (by {@link CheckpointStore#load}), so that a damaged or hand-edited
 * {@code config.json} or {@code trainer.json} is reported as one sentence naming the file and the
 * field, instead of surfacing later as a null pointer, an index out of bounds or a nonsense resume.
 * Tensor files: an integer tensor where the model holds a floating parameter (or the reverse) is
 * refused rather than converted value by value.
 */
final class CheckpointCheck {
    private CheckpointCheck() {}

    /** Checks {@code config.json}: every part present, class names and normalisation matching the model. */
    static void config(Path file, RunConfig c) {
        if (c.model() == null) fail(file, "has no \"model\" entry (name, numClasses, inChannels, resolution, ...)");
        ModelChoice m = c.model();
        if (m.name() == null || m.name().isBlank()) fail(file, "model.name is missing");
        if (m.numClasses() < 2) fail(file, "model.numClasses must be at least 2, got " + m.numClasses());
        if (m.inChannels() < 1) fail(file, "model.inChannels must be at least 1, got " + m.inChannels());
        if (m.resolution() < 1) fail(file, "model.resolution must be at least 1, got " + m.resolution());
        if (c.data() == null) fail(file, "has no \"data\" entry (kind, classNames, mean, std, ...)");
        RunConfig.DataSpec d = c.data();
        if (d.kind() == null) fail(file, "data.kind is missing (fashion-mnist, synthetic or folder)");
        if (d.classNames() == null) fail(file, "data.classNames is missing (" + m.numClasses() + " names expected)");
        if (d.classNames().size() != m.numClasses()) {
            fail(file, "data.classNames must list the model's " + m.numClasses() + " classes, got " + d.classNames().size());
        }
        for (int i = 0; i < d.classNames().size(); i++) {
            if (d.classNames().get(i) == null) fail(file, "data.classNames[" + i + "] is null");
        }
        if (d.mean() == null || d.std() == null) fail(file, "data.mean and data.std are needed (one value per channel)");
        if (d.mean().length != m.inChannels() || d.std().length != m.inChannels()) {
            fail(file, "data.mean and data.std need " + m.inChannels() + " values (one per channel), got " + d.mean().length + " and " + d.std().length);
        }
        for (float s : d.std()) if (!(s > 0) || Float.isInfinite(s)) fail(file, "data.std values must be positive, got " + s);
        for (float v : d.mean()) if (!Float.isFinite(v)) fail(file, "data.mean values must be finite, got " + v);
        RunConfig.Recipe r = c.recipe();
        if (r == null) return;   // an inference-only checkpoint (jmamba import): nothing to resume
        if (r.batchSize() < 1 || r.stepsPerEpoch() < 1 || r.totalSteps() < 1 || r.epochs() < 1) {
            fail(file, "recipe.batchSize, epochs, stepsPerEpoch and totalSteps must be at least 1, got "
                    + r.batchSize() + ", " + r.epochs() + ", " + r.stepsPerEpoch() + ", " + r.totalSteps());
        }
    }

    /** Checks {@code trainer.json} against the run: a position inside the run, and step = epoch · steps per epoch + batch. */
    static void state(Path file, TrainerState s, RunConfig c) {
        if (s.step() < 0 || s.epoch() < 0 || s.batchInEpoch() < 0) {
            fail(file, "step, epoch and batchInEpoch must be >= 0, got " + s.step() + ", " + s.epoch() + ", " + s.batchInEpoch());
        }
        RunConfig.Recipe r = c.recipe();
        if (r == null) return;
        if (s.step() > r.totalSteps()) fail(file, "step " + s.step() + " is past the end of the run (" + r.totalSteps() + " steps)");
        if (s.batchInEpoch() >= r.stepsPerEpoch()) fail(file, "batchInEpoch " + s.batchInEpoch() + " must be below the " + r.stepsPerEpoch() + " steps per epoch");
        long expected = (long) s.epoch() * r.stepsPerEpoch() + s.batchInEpoch();
        if (expected != s.step()) {
            fail(file, "step " + s.step() + " does not match epoch " + s.epoch() + ", batch " + s.batchInEpoch() + " (at " + r.stepsPerEpoch()
                    + " steps per epoch that is step " + expected + ")");
        }
        if (s.checkpointEvery() != null && s.checkpointEvery() < 0) fail(file, "checkpointEvery must be >= 0, got " + s.checkpointEvery());
        if (s.logEvery() != null && s.logEvery() < 1) fail(file, "logEvery must be >= 1, got " + s.logEvery());
    }

    /**
     * Checks that each tensor of {@code state} has the kind of type (floating or integer) of the model's
     * entry with the same key; keys the model lacks are left to the strict load's own message.
     */
    static void dtypes(Path file, Map<String, Tensor> state, Map<String, Tensor> model) {
        for (var e : state.entrySet()) {
            Tensor want = model.get(e.getKey());
            if (want == null) continue;
            Tensor got = e.getValue();
            if (got.dtype().isFloating() != want.dtype().isFloating()) {
                fail(file, "tensor '" + e.getKey() + "' is " + got.dtype() + " but the model's is " + want.dtype()
                        + (want.dtype().isFloating() ? " (integer values cannot be weights)" : " (a counter must be an integer)"));
            }
        }
    }

    private static void fail(Path file, String problem) {
        throw new CheckpointException(file, problem);
    }
}
