package dev.jmamba.app.train;

import dev.jmamba.vision.checkpoint.CheckpointStore;
import dev.jmamba.io.TensorBlobs;
import dev.jmamba.app.AppRun;
import dev.jmamba.app.metrics.MetricsLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A fresh run never clobbers an earlier one, two trainers never share a folder, and --resume keeps the run's cadence. */
class RunFolderTest {
    @TempDir Path tmp;

    private static String[] tiny(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data", "synthetic", "--model", "tiny-cnn", "--batch-size", "8",
                "--train-limit", "512", "--val-limit", "16", "--device", "cpu", "--workers", "1", "--out", out.toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test void aFolderHoldingOnlyAnInterruptedSwapIsRefused() throws Exception {
        Path run = tmp.resolve("swap");
        assertEquals(0, AppRun.run(tiny(run, "--max-steps", "3")).exitCode());
        Files.move(run.resolve("checkpoint"), run.resolve("checkpoint.tmp")); // a kill between the two renames
        byte[] model = Files.readAllBytes(run.resolve("checkpoint.tmp/model.safetensors"));
        AppRun.Result r = AppRun.run(tiny(run, "--max-steps", "2"));
        assertEquals(2, r.exitCode(), r.err());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains(run + " holds a run (checkpoint at step 3); continue it with --resume " + run + ", replace it with --overwrite"), r.err());
        assertArrayEquals(model, Files.readAllBytes(run.resolve("checkpoint.tmp/model.safetensors")), "the old checkpoint is untouched");
        assertEquals("", Files.readString(run.resolve(RunLock.FILE_NAME)), "the refused run holds no lock");
    }

    @Test void theRemainsOfAFailedRunAreRefusedAndOverwriteReplacesOnlyRunFiles() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("remains"));
        Files.writeString(run.resolve("metrics.jsonl"), "{\"type\":\"step\",\"step\":1}\n{\"type\":\"st");
        Files.writeString(run.resolve("curves.png"), "the user's own picture");
        Files.writeString(run.resolve("notes.txt"), "keep me");
        AppRun.Result r = AppRun.run(tiny(run, "--max-steps", "2"));
        assertEquals(2, r.exitCode(), r.err());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains(run + " holds the remains of a run (metrics.jsonl, curves.png)"), r.err());
        assertEquals("the user's own picture", Files.readString(run.resolve("curves.png")));

        AppRun.Result o = AppRun.run(tiny(run, "--max-steps", "2", "--overwrite"));
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.out().contains("data synthetic, 2 steps (64 per epoch) of 8 images"), "the header gives the run's steps: " + o.out());
        assertTrue(o.out().contains("--overwrite: deleted the earlier run's files in " + run), o.out());
        assertEquals("keep me", Files.readString(run.resolve("notes.txt")));
        List<Map<String, Object>> records = MetricsLog.read(run.resolve("metrics.jsonl"));
        assertEquals(2.0, MetricsLog.number(records.getFirst(), "step"), "the old records are gone: " + records);
        assertFalse(Files.readString(run.resolve("metrics.jsonl")).contains("\"st\n"));
    }

    @Test void badOutFoldersAreUsageErrors() throws Exception {
        AppRun.Result both = AppRun.run(tiny(tmp.resolve("a"), "--max-steps", "2", "--overwrite", "--resume", tmp.toString()));
        assertEquals(2, both.exitCode(), both.err());
        assertTrue(both.err().contains("--overwrite starts a fresh run and cannot be used with --resume"), both.err());
        AppRun.Result empty = AppRun.run(tiny(Path.of(""), "--max-steps", "2"));
        assertEquals(2, empty.exitCode(), empty.err());
        assertTrue(empty.err().contains("--out must name a folder, got an empty path"), empty.err());
        Path file = Files.writeString(tmp.resolve("afile"), "x");
        AppRun.Result f = AppRun.run(tiny(file, "--max-steps", "2"));
        assertEquals(2, f.exitCode(), f.err());
        assertTrue(f.err().contains("--out " + file + " is a file, not a folder"), f.err());
    }

    /** A trainer in another JVM holds the folder: a second one (resume, or a fresh --overwrite) is refused and deletes nothing. */
    @Test void aSecondTrainerIsKeptOutByTheLock() throws Exception {
        Path run = tmp.resolve("busy"), log = tmp.resolve("busy.log");
        assertEquals(0, AppRun.run(tiny(run, "--max-steps", "100000", "--stop-at-step", "2")).exitCode());
        Process first = AppRun.startChild(log, "train", "--resume", run.toString(), "--device", "cpu", "--workers", "1", "--checkpoint-every", "1");
        try {
            Path lockFile = run.resolve(RunLock.FILE_NAME);
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (System.nanoTime() < deadline && first.isAlive() && !Files.readString(log).contains("writing to")) Thread.sleep(20);
            assertTrue(first.isAlive() && Files.exists(lockFile), () -> "the first trainer is running: " + read(log));
            AppRun.Result second = AppRun.run("train", "--resume", run.toString(), "--device", "cpu", "--workers", "1");
            assertEquals(1, second.exitCode(), second.err());
            second.assertOneCleanErrorLine();
            assertTrue(second.err().contains(run + " is in use by another jmamba process (pid " + first.pid() + " on "), second.err());
            AppRun.Result fresh = AppRun.run(tiny(run, "--max-steps", "2", "--overwrite"));
            assertEquals(1, fresh.exitCode(), fresh.err());
            assertTrue(fresh.err().contains("is in use by another jmamba process"), fresh.err());
            assertTrue(Files.exists(run.resolve("metrics.jsonl")), "--overwrite deleted nothing of the live run");
        } finally {
            first.destroyForcibly();
            assertTrue(first.waitFor(10, TimeUnit.SECONDS));
        }
        // the killed trainer's lock file is stale: the next trainer takes it over and says so
        assertTrue(Files.readString(run.resolve(RunLock.FILE_NAME)).startsWith("pid " + first.pid()));
        AppRun.Result after = AppRun.run("train", "--resume", run.toString(), "--device", "cpu", "--workers", "1", "--stop-at-step",
                String.valueOf(CheckpointStore.readState(run).step() + 1));
        assertEquals(0, after.exitCode(), after.err());
        assertTrue(after.out().contains("note: took over the lock left by a jmamba process that is no longer running (pid " + first.pid()), after.out());
        assertEquals("", Files.readString(run.resolve(RunLock.FILE_NAME)), "the lock file is emptied at the end");
    }

    @Test void theLockInTheSameJvmIsExclusiveToo() throws Exception {
        Path dir = tmp.resolve("same");
        try (RunLock lock = RunLock.acquire(dir)) {
            assertTrue(lock.owner().startsWith("pid " + ProcessHandle.current().pid() + " on "), lock.owner());
            RunLock.HeldException e = assertThrows(RunLock.HeldException.class, () -> RunLock.acquire(dir));
            assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
            assertTrue(lock.owner().startsWith("pid "), "the refused attempt did not disturb the holder");
        }
        assertEquals("", Files.readString(dir.resolve(RunLock.FILE_NAME)));
        try (RunLock again = RunLock.acquire(dir)) {
            assertEquals(null, again.staleOwner(), "a lock released cleanly leaves nothing stale");
        }
    }

    @Test void resumeKeepsTheRunsCheckpointAndLogCadenceUnlessGiven() throws Exception {
        Path run = tmp.resolve("cadence");
        assertEquals(0, AppRun.run(tiny(run, "--max-steps", "12", "--checkpoint-every", "2", "--log-every", "3", "--stop-at-step", "4")).exitCode());
        AppRun.Result r = AppRun.run("train", "--resume", run.toString(), "--device", "cpu", "--workers", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("checkpoint every 2 steps, log every 3 (the run's settings)"), r.out());
        List<Double> steps = new ArrayList<>();
        boolean resumed = false;
        for (Map<String, Object> m : MetricsLog.read(run.resolve("metrics.jsonl"))) {
            if ("resume".equals(m.get("type"))) resumed = true;
            else if (resumed && "step".equals(m.get("type"))) steps.add(MetricsLog.number(m, "step"));
        }
        assertEquals(List.of(6.0, 9.0, 12.0), steps, "records every 3 steps after the resume (not every 10)");
        assertEquals(2L, CheckpointStore.readState(run).checkpointEvery());
        assertEquals(3, CheckpointStore.readState(run).logEvery());

        Path other = tmp.resolve("override");
        assertEquals(0, AppRun.run(tiny(other, "--max-steps", "12", "--checkpoint-every", "2", "--stop-at-step", "4")).exitCode());
        AppRun.Result o = AppRun.run("train", "--resume", other.toString(), "--device", "cpu", "--workers", "1", "--checkpoint-every", "5");
        assertEquals(0, o.exitCode(), o.err());
        assertTrue(o.out().contains("checkpoint every 5 steps, log every 10\n") || o.out().contains("checkpoint every 5 steps, log every 10" + System.lineSeparator()), o.out());
        assertEquals(5L, CheckpointStore.readState(other).checkpointEvery());
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (Exception e) {
            return "(no log)";
        }
    }
}
