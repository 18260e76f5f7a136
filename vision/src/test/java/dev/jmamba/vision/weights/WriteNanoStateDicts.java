package dev.jmamba.vision.weights;

import dev.jmamba.io.TensorBlobs;
import dev.jmamba.vision.models.ModelRegistry;
import dev.jmamba.vision.models.ModelRegistry.ModelChoice;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Step 1 of the import fixtures: writes the state dict of the nano model that
 * {@code OfficialWeightsTest} rebuilds (seed 7, 10 classes, 1 channel, 28 px) as safetensors into a
 * folder; {@code vision/src/test/python/weights/make_fixtures.py} then saves them with torch.save the
 * way the official repositories do. Run from the repository root after {@code mvn install}:
 * <pre>
 *   java -cp "vision/target/test-classes:$(cat cp.txt)" dev.jmamba.vision.weights.WriteNanoStateDicts /tmp/nano
 * </pre>
 */
public final class WriteNanoStateDicts {
    static final String[] MODELS = {"vim-nano"};
    static final long SEED = 7;

    static ModelChoice spec(String model) {
        return new ModelChoice(model, 10, 1, 28, 0, SEED);
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        Files.createDirectories(out);
        for (String m : MODELS) TensorBlobs.write(out.resolve(m + ".safetensors"), ModelRegistry.create(spec(m)).module().stateDict());
    }
}
