package dev.jmamba.app.train;

import dev.jmamba.app.metrics.CurvesPlot;
import dev.jmamba.io.IoMessages;
import dev.jmamba.vision.checkpoint.CheckpointStore;
import dev.jmamba.app.metrics.MetricsLog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a run folder holds. A fresh run may only start in a folder without any trace of an earlier
 * run — a checkpoint, a partial checkpoint ({@code checkpoint.tmp/} after an interrupted swap holds
 * a complete checkpoint that {@code eval} and {@code --resume} accept), {@code metrics.jsonl} or
 * {@code curves.png} — unless the user continues it ({@code --resume}) or asks to replace it
 * ({@code --overwrite}, which deletes exactly these files and nothing else).
 */
public final class RunFolder {
    private RunFolder() {}

    /** The names a run writes into its folder. */
    static final List<String> RUN_FILES = List.of(CheckpointStore.DIR_NAME, CheckpointStore.DIR_NAME + ".tmp", CheckpointStore.DIR_NAME + ".old",
            MetricsLog.FILE_NAME, CurvesPlot.FILE_NAME);

    /** The run files present in {@code dir} (names, in {@link #RUN_FILES} order). */
    public static List<String> runFiles(Path dir) {
        List<String> found = new ArrayList<>();
        for (String name : RUN_FILES) if (Files.exists(dir.resolve(name))) found.add(name);
        return found;
    }

    /**
     * One sentence describing the earlier run in {@code dir} (for the refusal message), e.g.
     * "holds a run (checkpoint at step 40)" or "holds the remains of a run (checkpoint.tmp/, metrics.jsonl)".
     */
    public static String describe(Path dir, List<String> found) {
        try {
            return "holds a run (checkpoint at step " + CheckpointStore.readState(dir).step() + ")";
        } catch (RuntimeException e) {
            List<String> shown = found.stream().map(n -> Files.isDirectory(dir.resolve(n)) ? n + "/" : n).toList();
            return "holds the remains of a run (" + String.join(", ", shown) + ")";
        }
    }

    /** Deletes the run files of {@code dir} (for {@code --overwrite}); other files are left alone. */
    public static void clear(Path dir) {
        for (String name : RUN_FILES) {
            Path p = dir.resolve(name);
            if (!Files.exists(p)) continue;
            try (Stream<Path> walk = Files.walk(p)) {
                for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
            } catch (IOException e) {
                throw new UncheckedIOException(p + ": cannot delete it for --overwrite (" + IoMessages.reason(e) + ")", e);
            } catch (UncheckedIOException e) {
                throw new UncheckedIOException(p + ": cannot delete it for --overwrite (" + IoMessages.reason(e.getCause()) + ")", e.getCause());
            }
        }
    }
}
