package dev.jmamba.app;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Help renders cleanly, log records are one plain line, stack traces only with --debug, out of memory is one sentence. */
class CleanOutputTest {
    @TempDir Path tmp;

    @Test void everyHelpTextRendersWithoutPicocliWarnings() {
        List<List<String>> commands = List.of(List.of(), List.of("train"), List.of("eval"), List.of("predict"), List.of("info"),
                List.of("curves"), List.of("bench"), List.of("bench", "train"), List.of("bench", "gemm"), List.of("bench", "scan"),
                List.of("bench", "loader"));
        for (List<String> c : commands) {
            String[] args = java.util.stream.Stream.concat(c.stream(), java.util.stream.Stream.of("--help")).toArray(String[]::new);
            AppRun.Result r = AppRun.run(args);
            assertEquals(0, r.exitCode(), c + ": " + r.err());
            assertFalse(r.err().contains("WARN") || r.out().contains("WARN"), c + ": " + r.err() + r.out());
            assertFalse(r.out().contains("Could not format"), c + ": " + r.out());
        }
        assertTrue(AppRun.run("train", "--help").out().contains("5% of the run"));
        assertTrue(AppRun.run("train", "--help").out().contains("--debug"), "--debug is inherited by every command");
    }

    @Test void stackTracesOnlyWithDebug() {
        String missing = tmp.resolve("nothing").toString();
        AppRun.Result plain = AppRun.run("eval", "--checkpoint", missing);
        assertEquals(1, plain.exitCode());
        plain.assertOneCleanErrorLine();
        AppRun.Result debug = AppRun.run("eval", "--checkpoint", missing, "--debug");
        assertEquals(1, debug.exitCode());
        assertTrue(debug.err().startsWith("jmamba eval: " + missing + ": folder not found"), debug.err());
        assertTrue(debug.err().contains("\tat dev.jmamba."), "--debug prints the trace: " + debug.err());
        AppRun.Result before = AppRun.run("--debug", "eval", "--checkpoint", missing);
        assertTrue(before.err().contains("\tat dev.jmamba."), "--debug before the command works too: " + before.err());
    }

    @Test void benchCommandsNameThemselvesInErrors() {
        AppRun.Result r = AppRun.run("bench", "train", "--model", "no-such-model", "--device", "cpu");
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("jmamba bench train: "), r.err());
    }

    @Test void gemmLargerThanAJavaArrayIsAUsageError() {
        AppRun.Result r = AppRun.run("bench", "gemm", "--n", "100000");
        assertEquals(2, r.exitCode(), r.err());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains("--n must be at most 46340"), r.err());
    }

    /** A child JVM with a 64 MiB heap: bench gemm allocates three 144 MiB matrices, train a batch that cannot fit. */
    @Test void outOfMemoryIsOneSentenceWithExitCodeOne() throws Exception {
        Path log = tmp.resolve("gemm.log");
        int code = AppRun.runChild(log, 120, List.of("-Xmx64m"), "bench", "gemm", "--n", "6000", "--repeats", "1", "--warmup-ms", "0");
        assertEquals(1, code, read(log));
        assertOneOutOfMemoryLine(read(log), "jmamba bench gemm: out of memory (Java heap space", "a smaller --n");

        Path trainLog = tmp.resolve("train.log");
        int trainCode = AppRun.runChild(trainLog, 300, List.of("-Xmx96m"), "train", "--data", "synthetic", "--model", "small-cnn",
                "--batch-size", "4096", "--max-steps", "2", "--device", "cpu", "--workers", "1", "--out", tmp.resolve("run").toString());
        assertEquals(1, trainCode, read(trainLog));
        assertOneOutOfMemoryLine(read(trainLog), "jmamba train: out of memory (", "--batch-size");
        assertTrue(read(trainLog).contains("; no checkpoint was written before that"), read(trainLog));
    }

    private static void assertOneOutOfMemoryLine(String log, String start, String hint) {
        List<String> lines = log.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        List<String> errors = lines.stream().filter(l -> l.startsWith("jmamba ")).toList();
        assertEquals(1, errors.size(), log);
        assertTrue(errors.getFirst().startsWith(start), log);
        assertTrue(errors.getFirst().contains(hint) && errors.getFirst().contains("JMAMBA_JAVA_OPTS=-Xmx"), log);
        assertFalse(log.contains("\tat ") || log.contains("Exception in thread"), "no stack trace: " + log);
    }

    private static String read(Path log) throws Exception {
        return Files.exists(log) ? Files.readString(log) : "(no output)";
    }
}
