package dev.jmamba.vision.checkpoint;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jmamba.io.CheckpointException;
import dev.jmamba.io.TensorBlobs;
import dev.jmamba.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The checkpoint folder of a run, {@code DIR/checkpoint/}: {@code model.safetensors},
 * {@code optimizer.safetensors}, {@code ema.safetensors} (with EMA), {@code config.json}
 * ({@link RunConfig}) and {@code trainer.json} ({@link TrainerState}), written last.
 *
 * <p><b>Atomic replacement.</b> A new checkpoint is written completely into
 * {@code DIR/checkpoint.tmp} (each file itself written atomically, trainer.json last, so a folder
 * with trainer.json is complete). Then {@code checkpoint} is renamed to {@code checkpoint.old},
 * {@code checkpoint.tmp} to {@code checkpoint}, and {@code checkpoint.old} is deleted. A process
 * killed at any moment leaves either a complete {@code checkpoint}, or (killed between the two
 * renames) no {@code checkpoint} but a complete {@code checkpoint.tmp}; {@link #resolve} and the
 * next {@link #write} finish that swap. So a reader always finds one complete checkpoint, never a
 * mix of two.
 */
public final class CheckpointStore {
    public static final String DIR_NAME = "checkpoint";
    public static final String MODEL = "model.safetensors";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String EMA = "ema.safetensors";
    public static final String CONFIG = "config.json";
    public static final String TRAINER = "trainer.json";
    private static final String TMP_SUFFIX = ".tmp", OLD_SUFFIX = ".old";

    static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private CheckpointStore() {}

    /** A checkpoint read back: config, state and the tensors (optimizer and EMA only when asked for). */
    public record Loaded(Path dir, RunConfig config, TrainerState state, Map<String, Tensor> model,
                         Map<String, Tensor> optimizer, Map<String, Tensor> ema) {}

    /**
     * Writes a complete checkpoint of the run in {@code runDir}, replacing the previous one atomically.
     * {@code optimizer} may be null for a checkpoint that is only for inference (imported weights); such a
     * checkpoint cannot be resumed.
     */
    public static void write(Path runDir, RunConfig config, TrainerState state, Map<String, Tensor> model,
                             Map<String, Tensor> optimizer, Map<String, Tensor> ema) {
        Path current = runDir.resolve(DIR_NAME), tmp = runDir.resolve(DIR_NAME + TMP_SUFFIX), old = runDir.resolve(DIR_NAME + OLD_SUFFIX);
        try {
            finishInterruptedSwap(runDir);
            deleteTree(tmp);
            Files.createDirectories(tmp);
            TensorBlobs.write(tmp.resolve(MODEL), model);
            if (optimizer != null) TensorBlobs.write(tmp.resolve(OPTIMIZER), optimizer);
            if (ema != null) TensorBlobs.write(tmp.resolve(EMA), ema);
            writeJson(tmp.resolve(CONFIG), config);
            writeJson(tmp.resolve(TRAINER), state);
            if (Files.exists(current)) Files.move(current, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmp, current, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(old);
        } catch (IOException e) {
            throw new CheckpointException(runDir.resolve(DIR_NAME), "cannot write the checkpoint (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Completes a swap cut short between its two renames: no complete {@code checkpoint} but a
     * complete {@code checkpoint.tmp} → the latter becomes the checkpoint. Stale leftovers are removed.
     */
    private static void finishInterruptedSwap(Path runDir) throws IOException {
        Path current = runDir.resolve(DIR_NAME), tmp = runDir.resolve(DIR_NAME + TMP_SUFFIX), old = runDir.resolve(DIR_NAME + OLD_SUFFIX);
        if (!isComplete(current) && isComplete(tmp)) {
            deleteTree(current);
            Files.move(tmp, current, StandardCopyOption.ATOMIC_MOVE);
        }
        if (isComplete(current)) deleteTree(old);
    }

    /** True when {@code dir} holds a trainer.json, the last file of a checkpoint. */
    static boolean isComplete(Path dir) {
        return Files.isRegularFile(dir.resolve(TRAINER));
    }

    /**
     * The complete checkpoint folder for a user-given path: a run folder {@code DIR} or its
     * {@code DIR/checkpoint}. Falls back to {@code checkpoint.tmp} after an interrupted swap (see the
     * class comment). A {@link CheckpointException} when there is none.
     */
    public static Path resolve(Path given) {
        Path runDir = given.getFileName() != null && given.getFileName().toString().equals(DIR_NAME) ? given.toAbsolutePath().getParent() : given;
        if (!Files.isDirectory(given)) {
            if (!Files.isDirectory(runDir)) throw new CheckpointException(given, "folder not found");
        }
        if (isComplete(given)) return given;
        Path current = runDir.resolve(DIR_NAME);
        if (isComplete(current)) return current;
        Path tmp = runDir.resolve(DIR_NAME + TMP_SUFFIX);
        if (isComplete(tmp)) return tmp;
        Path old = runDir.resolve(DIR_NAME + OLD_SUFFIX);
        if (isComplete(old)) return old;
        throw new CheckpointException(given, "no complete checkpoint here (expected " + current.resolve(TRAINER)
                + "; a run writes one every --checkpoint-every steps and at the end of each epoch)");
    }

    /** Reads the checkpoint under {@code given} (see {@link #resolve}); optimizer and EMA tensors only if {@code full}. */
    public static Loaded load(Path given, boolean full) {
        Path dir = resolve(given);
        if (full && !Files.isRegularFile(dir.resolve(OPTIMIZER))) {
            throw new CheckpointException(dir, "holds no optimizer state (written by jmamba import, for inference only), so it cannot be resumed");
        }
        RunConfig config = readJson(dir.resolve(CONFIG), RunConfig.class);
        CheckpointCheck.config(dir.resolve(CONFIG), config);
        TrainerState state = readJson(dir.resolve(TRAINER), TrainerState.class);
        CheckpointCheck.state(dir.resolve(TRAINER), state, config);
        Map<String, Tensor> model = TensorBlobs.read(dir.resolve(MODEL));
        Map<String, Tensor> optimizer = full ? TensorBlobs.read(dir.resolve(OPTIMIZER)) : null;
        Map<String, Tensor> ema = full && state.ema() ? TensorBlobs.read(dir.resolve(EMA)) : null;
        return new Loaded(dir, config, state, model, optimizer, ema);
    }

    /** The {@link TrainerState} of the checkpoint under {@code given} (see {@link #resolve}), without reading any tensors. */
    public static TrainerState readState(Path given) {
        return readJson(resolve(given).resolve(TRAINER), TrainerState.class);
    }

    /**
     * Checks that the tensors read from {@code file} have the model's kinds of types (floating or
     * integer) key by key; a {@link CheckpointException} naming the file and the tensor otherwise.
     */
    public static void checkTypes(Path file, Map<String, Tensor> state, Map<String, Tensor> model) {
        CheckpointCheck.dtypes(file, state, model);
    }

    /** Writes {@code value} as JSON to {@code file} through a temporary file and an atomic rename. */
    static void writeJson(Path file, Object value) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".part");
        Files.write(tmp, JSON.writeValueAsBytes(value));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Reads a JSON file into {@code type}; a {@link CheckpointException} naming the file when it is missing or malformed. */
    static <T> T readJson(Path file, Class<T> type) {
        if (!Files.isRegularFile(file)) throw new CheckpointException(file, "file not found");
        try {
            T value = JSON.readValue(file.toFile(), type);
            if (value == null) throw new CheckpointException(file, "empty JSON document, expected a " + type.getSimpleName());
            return value;
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new CheckpointException(file, "not a valid " + type.getSimpleName() + " JSON document (" + e.getOriginalMessage() + ")", e);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot be read (" + e.getMessage() + ")", e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
