package dev.jmamba.app.train;

import dev.jmamba.vision.checkpoint.CheckpointStore;
import dev.jmamba.io.TensorBlobs;
import dev.jmamba.app.AppRun;
import dev.jmamba.app.metrics.MetricsLog;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM / SIGINT to a training JVM: it finishes the step, writes a checkpoint at that step, says
 * where it stopped and exits 143 / 130; the run resumes from there. A second signal quits at once.
 */
class StopSignalTest {
    @TempDir Path tmp;

    private static String[] longRun(Path out, String model, int batch) {
        return new String[] {"train", "--data", "synthetic", "--model", model, "--max-steps", "100000", "--batch-size", String.valueOf(batch),
                "--val-limit", "16", "--device", "cpu", "--workers", "1", "--checkpoint-every", "100000", "--log-every", "1",
                "--out", out.toString()};
    }

    @Test void sigtermFinishesTheStepWritesACheckpointAndExits143() throws Exception {
        Path run = tmp.resolve("term"), log = tmp.resolve("term.log");
        Process p = AppRun.startChild(log, longRun(run, "tiny-cnn", 8));
        awaitMetrics(p, run, log, records -> records.stream().anyMatch(m -> MetricsLog.number(m, "step") >= 5));
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), () -> "no graceful stop: " + read(log));
        assertEquals(143, p.exitValue(), () -> read(log));
        String out = read(log);
        long step = CheckpointStore.readState(run).step();
        assertTrue(step >= 5, "checkpoint at step " + step);
        assertTrue(out.contains("jmamba train: SIGTERM received: stopping after the current step and writing a checkpoint"), out);
        assertTrue(out.contains("stopped by SIGTERM: " + step + " of 100000 steps"), out);
        assertTrue(out.contains("checkpoint: " + run.resolve("checkpoint") + " at step " + step + " (continue with --resume " + run + ")"), out);
        List<Map<String, Object>> records = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertEquals((double) step, MetricsLog.number(records.getLast(), "step"), "every step up to the stop is logged");
        assertFalse(records.stream().anyMatch(m -> "eval".equals(m.get("type"))), "no evaluation on a signal stop");
        assertEquals("", Files.readString(run.resolve(RunLock.FILE_NAME)), "the lock is released cleanly");

        AppRun.Result resumed = AppRun.run("train", "--resume", run.toString(), "--device", "cpu", "--workers", "1", "--stop-at-step", String.valueOf(step + 2));
        assertEquals(0, resumed.exitCode(), resumed.err());
        assertTrue(resumed.out().contains("resuming " + run + " from step " + step), resumed.out());
        assertEquals(step + 2, CheckpointStore.readState(run).step());
    }

    @Test void sigintExits130() throws Exception {
        Assumptions.assumeFalse(sigintIgnored(), "SIGINT is ignored in this process tree (a background job of a non-interactive shell)");
        Path run = tmp.resolve("int"), log = tmp.resolve("int.log");
        Process p = AppRun.startChild(log, longRun(run, "tiny-cnn", 8));
        awaitMetrics(p, run, log, records -> records.stream().anyMatch(m -> MetricsLog.number(m, "step") >= 2));
        new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), () -> "no graceful stop: " + read(log));
        assertEquals(130, p.exitValue(), () -> read(log));
        assertTrue(read(log).contains("SIGINT received: stopping after the current step and writing a checkpoint (press Ctrl-C again to quit at once)"), read(log));
        assertTrue(read(log).contains("stopped by SIGINT: " + CheckpointStore.readState(run).step() + " of 100000 steps"), read(log));
    }

    /** Steps of a few seconds each (small-cnn, 1024 images): the second signal arrives while the first is still being honoured. */
    @Test void aSecondSignalQuitsAtOnce() throws Exception {
        Path run = tmp.resolve("twice"), log = tmp.resolve("twice.log");
        Process p = AppRun.startChild(log, longRun(run, "small-cnn", 1024));
        awaitMetrics(p, run, log, records -> !records.isEmpty());
        p.destroy();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && p.isAlive() && !read(log).contains("SIGTERM received")) Thread.sleep(2);
        p.destroy();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), () -> read(log));
        assertEquals(143, p.exitValue(), () -> read(log));
        assertTrue(read(log).contains("jmamba train: SIGTERM again: quitting at once"), read(log));
        assertFalse(read(log).contains("stopped by SIGTERM"), read(log));
    }

    private static void awaitMetrics(Process p, Path run, Path log, Predicate<List<Map<String, Object>>> ready) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        Path metrics = run.resolve("metrics.jsonl");
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.exists(metrics) && ready.test(MetricsLog.read(metrics))) return;
            Thread.sleep(10);
        }
        p.destroyForcibly().waitFor();
        throw new AssertionError("the trainer did not get going: " + read(log));
    }

    /** True when SIGINT is ignored by this JVM (children inherit that, and a JVM cannot take it back). */
    private static boolean sigintIgnored() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("SigIgn:")) return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & 0x2) != 0;
        }
        return false;
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (Exception e) {
            return "(no log)";
        }
    }
}
