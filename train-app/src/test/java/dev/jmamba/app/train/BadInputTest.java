package dev.jmamba.app.train;

import dev.jmamba.vision.checkpoint.CheckpointStore;
import dev.jmamba.app.AppRun;
import dev.jmamba.app.metrics.MetricsLog;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every bad input gets one sentence on stderr and the documented exit code, never a stack trace. */
class BadInputTest {
    @TempDir static Path tmp;
    static Path good;

    /** A small finished run whose checkpoint the tests copy and damage. */
    @BeforeAll static void trainSmallRun() {
        good = tmp.resolve("good");
        AppRun.Result r = AppRun.run("train", "--data", "synthetic", "--model", "tiny-cnn", "--max-steps", "3", "--batch-size", "8",
                "--train-limit", "64", "--val-limit", "16", "--device", "cpu", "--workers", "1", "--out", good.toString());
        assertEquals(0, r.exitCode(), r.err());
    }

    /** A copy of the good run folder. */
    private static Path copyOfGood(String name) throws Exception {
        Path dst = tmp.resolve(name);
        try (Stream<Path> walk = Files.walk(good)) {
            for (Path p : walk.toList()) {
                Path target = dst.resolve(good.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dst;
    }

    @Test void unknownFlagIsAUsageError() {
        AppRun.Result r = AppRun.run("train", "--bogus-flag", "3");
        assertEquals(2, r.exitCode());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains("--bogus-flag"), r.err());
    }

    @Test void gradientBucketOptionsNeedADataParallelRunAndASize() {
        for (String[] args : new String[][] {{"--bucket-mb", "4"}, {"--no-overlap"}}) {
            List<String> line = new ArrayList<>(List.of("train", "--data", "synthetic", "--out", tmp.resolve("b").toString()));
            line.addAll(List.of(args));
            AppRun.Result r = AppRun.run(line.toArray(new String[0]));
            assertEquals(2, r.exitCode(), r.err());
            r.assertOneCleanErrorLine();
            assertTrue(r.err().contains(args[0] + " applies to data-parallel runs"), r.err());
        }
        AppRun.Result r = AppRun.run("train", "--gpus", "1", "--bucket-mb", "0", "--data", "synthetic", "--out", tmp.resolve("b0").toString());
        assertEquals(2, r.exitCode(), r.err());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains("--bucket-mb must be a number of MiB in (0, 1048576], got 0.0"), r.err());
    }

    @Test void unknownModelListsTheValidNames() {
        AppRun.Result r = AppRun.run("train", "--model", "resnet-9000", "--data", "synthetic", "--out", tmp.resolve("x").toString());
        assertEquals(2, r.exitCode());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains("resnet-9000") && r.err().contains("small-cnn") && r.err().contains("tiny-cnn"), r.err());
    }

    @Test void missingDataFolderIsARuntimeError() {
        Path missing = tmp.resolve("no-such-folder");
        AppRun.Result r = AppRun.run("train", "--data", missing.toString(), "--out", tmp.resolve("y").toString());
        assertEquals(1, r.exitCode());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains(missing.toString()) && r.err().contains("not found"), r.err());
    }

    @Test void corruptImagesAreSkippedAndCounted() throws Exception {
        Path data = tmp.resolve("folder");
        for (String split : List.of("train", "val")) {
            for (int c = 0; c < 2; c++) {
                Path dir = Files.createDirectories(data.resolve(split).resolve("class" + c));
                for (int i = 0; i < 6; i++) {
                    BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
                    for (int y = 0; y < 20; y++) for (int x = 0; x < 20; x++) img.setRGB(x, y, c == 0 ? (x * 12) << 16 : (y * 12) << 8);
                    ImageIO.write(img, "png", dir.resolve("img" + i + ".png").toFile());
                }
            }
        }
        Files.write(data.resolve("train/class1/broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0, 1, 2, 3});
        Path out = tmp.resolve("folder-run");
        AppRun.Result r = AppRun.run("train", "--data", data.toString(), "--model", "tiny-cnn", "--resolution", "16", "--batch-size", "13",
                "--epochs", "1", "--device", "cpu", "--workers", "1", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        List<Map<String, Object>> evals = MetricsLog.read(out.resolve("metrics.jsonl")).stream().filter(m -> "eval".equals(m.get("type"))).toList();
        assertEquals(1.0, MetricsLog.number(evals.getLast(), "skipped_images"), evals.toString());
    }

    @Test void truncatedCheckpointNamesTheFile() throws Exception {
        Path run = copyOfGood("truncated");
        Path model = run.resolve("checkpoint/model.safetensors");
        byte[] bytes = Files.readAllBytes(model);
        Files.write(model, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        AppRun.Result r = AppRun.run("eval", "--checkpoint", run.toString(), "--device", "cpu");
        assertEquals(1, r.exitCode());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains(model.toString()), r.err());
        AppRun.Result resumed = AppRun.run("train", "--resume", run.toString(), "--device", "cpu");
        assertEquals(1, resumed.exitCode());
        resumed.assertOneCleanErrorLine();
    }

    @Test void absurdHeaderLengthNamesTheFile() throws Exception {
        Path run = copyOfGood("header");
        Path model = run.resolve("checkpoint/model.safetensors");
        byte[] bytes = Files.readAllBytes(model);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 62);
        Files.write(model, bytes);
        AppRun.Result r = AppRun.run("predict", "--checkpoint", run.toString(), "--device", "cpu", tmp.resolve("any.png").toString());
        assertEquals(1, r.exitCode());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains(model.toString()) && r.err().contains("header length"), r.err());
    }

    @Test void corruptConfigNamesTheFile() throws Exception {
        Path run = copyOfGood("config");
        Path config = run.resolve("checkpoint/config.json");
        Files.writeString(config, "{\"model\": {\"name\": ");
        AppRun.Result r = AppRun.run("eval", "--checkpoint", run.toString(), "--device", "cpu");
        assertEquals(1, r.exitCode());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains(config.toString()), r.err());
    }

    @Test void missingCheckpointIsARuntimeError() {
        AppRun.Result r = AppRun.run("eval", "--checkpoint", tmp.resolve("nothing-here").toString());
        assertEquals(1, r.exitCode());
        r.assertOneCleanErrorLine();
    }

    @Test void cudaWithoutAGpuIsAClearError() {
        Assumptions.assumeFalse(Backends.isAvailable(Device.cuda(0)), "this machine has a GPU");
        AppRun.Result r = AppRun.run("train", "--device", "cuda", "--data", "synthetic", "--out", tmp.resolve("z").toString());
        assertEquals(1, r.exitCode());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains("CUDA") && r.err().contains("--device cpu"), r.err());
    }

    @Test void nonFiniteLossesStopTheRunAndKeepTheLastGoodCheckpoint() throws Exception {
        Path out = tmp.resolve("diverge");
        AppRun.Result r = AppRun.run("train", "--data", "synthetic", "--model", "tiny-cnn", "--max-steps", "40", "--batch-size", "8",
                "--train-limit", "320", "--val-limit", "16", "--lr", "1e30", "--warmup-steps", "0", "--device", "cpu", "--workers", "1",
                "--checkpoint-every", "1", "--out", out.toString());
        assertEquals(1, r.exitCode(), r.out());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains("not finite in 5 steps in a row"), r.err());
        List<Map<String, Object>> steps = MetricsLog.read(out.resolve("metrics.jsonl"));
        assertTrue(steps.stream().anyMatch(m -> MetricsLog.number(m, "nonfinite_steps") >= 1), steps.toString());
        CheckpointStore.Loaded c = CheckpointStore.load(out, true);
        assertEquals(0, c.state().nonfiniteSteps(), "the checkpoint predates the non-finite steps");
        AppRun.Result eval = AppRun.run("eval", "--checkpoint", out.toString(), "--device", "cpu");
        assertEquals(0, eval.exitCode(), eval.err());
        assertTrue(r.err().contains("the last good checkpoint (step " + c.state().step() + ") is left in " + out.resolve("checkpoint")), r.err());
    }

    /** Diverging before the first checkpoint: the message must not promise one. */
    @Test void divergenceBeforeTheFirstCheckpointSaysThereIsNone() {
        Path out = tmp.resolve("diverge-early");
        AppRun.Result r = AppRun.run("train", "--data", "synthetic", "--model", "tiny-cnn", "--max-steps", "40", "--batch-size", "8",
                "--train-limit", "320", "--val-limit", "16", "--lr", "1e30", "--warmup-steps", "0", "--device", "cpu", "--workers", "1",
                "--checkpoint-every", "0", "--out", out.toString());
        assertEquals(1, r.exitCode(), r.out());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains("no checkpoint was written before that"), r.err());
        assertTrue(!r.err().contains("last good checkpoint"), r.err());
    }
}
