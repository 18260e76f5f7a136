package dev.jmamba.app.train;

import dev.jmamba.vision.checkpoint.CheckpointStore;
import dev.jmamba.app.AppRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A training JVM killed with SIGKILL at random moments while it writes a checkpoint after every
 * step always leaves a checkpoint that {@code eval} loads and {@code --resume} continues.
 */
class KillTest {
    @TempDir Path tmp;

    @Test void sigkillDuringCheckpointWritesLeavesALoadableCheckpoint() throws Exception {
        Path run = tmp.resolve("run"), log = tmp.resolve("log.txt");
        SplittableRandom rng = new SplittableRandom(42);
        long lastStep = -1;
        for (int kill = 0; kill < 4; kill++) {
            String[] args = kill == 0
                    ? new String[] {"train", "--data", "synthetic", "--model", "tiny-cnn", "--max-steps", "100000", "--batch-size", "8",
                            "--train-limit", "512", "--val-limit", "16", "--device", "cpu", "--workers", "1", "--checkpoint-every", "1", "--out", run.toString()}
                    : new String[] {"train", "--resume", run.toString(), "--device", "cpu", "--workers", "1", "--checkpoint-every", "1"};
            Process child = AppRun.startChild(log, args);
            try {
                long deadline = System.nanoTime() + 30_000_000_000L;
                Path trainer = run.resolve("checkpoint").resolve("trainer.json");
                // wait for a checkpoint newer than the last one we saw, then kill at a random moment
                while (System.nanoTime() < deadline && child.isAlive() && stepOrMinus1(trainer) <= lastStep) Thread.sleep(5);
                assertTrue(child.isAlive(), () -> "child exited early: " + read(log));
                Thread.sleep(rng.nextInt(0, 400));
            } finally {
                child.destroyForcibly();  // SIGKILL on Linux
                assertTrue(child.waitFor(10, TimeUnit.SECONDS));
            }
            CheckpointStore.Loaded c = CheckpointStore.load(run, true);
            assertTrue(c.state().step() > lastStep, "checkpoint step " + c.state().step() + " after kill " + kill + " is not past " + lastStep);
            lastStep = c.state().step();
            assertEquals(14, c.model().size(), "tiny-cnn state dict entries: 2 convs, 2 x 5 BatchNorm, head weight and bias");
            AppRun.Result r = AppRun.run("eval", "--checkpoint", run.toString(), "--device", "cpu", "--workers", "1");
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(r.out().contains("top-1"), r.out());
        }
    }

    private static long stepOrMinus1(Path trainer) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(trainer.toFile()).get("step").asLong();
        } catch (Exception e) {
            return -1; // not there yet, or replaced while reading
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (Exception e) {
            return "(no log)";
        }
    }
}
