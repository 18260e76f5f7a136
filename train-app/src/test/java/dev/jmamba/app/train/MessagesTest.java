package dev.jmamba.app.train;

import dev.jmamba.vision.checkpoint.CheckpointStore;
import dev.jmamba.io.TensorBlobs;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmamba.app.AppRun;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Damaged run files, odd data and odd sizes: one sentence naming the file or option, and the right exit code. */
class MessagesTest {
    @TempDir static Path tmp;
    static Path good;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll static void trainSmallRun() {
        good = tmp.resolve("good");
        AppRun.Result r = AppRun.run("train", "--data", "synthetic", "--model", "tiny-cnn", "--max-steps", "20", "--stop-at-step", "3",
                "--batch-size", "8", "--train-limit", "64", "--val-limit", "16", "--device", "cpu", "--workers", "1", "--out", good.toString());
        assertEquals(0, r.exitCode(), r.err());
    }

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

    private static Path edit(String name, String file, Consumer<ObjectNode> change) throws Exception {
        Path run = copyOfGood(name);
        Path f = run.resolve("checkpoint").resolve(file);
        ObjectNode node = (ObjectNode) JSON.readTree(f.toFile());
        change.accept(node);
        JSON.writeValue(f.toFile(), node);
        return run;
    }

    private static void assertRuntimeError(AppRun.Result r, String... parts) {
        assertEquals(1, r.exitCode(), r.out() + r.err());
        r.assertOneCleanErrorLine();
        for (String p : parts) assertTrue(r.err().contains(p), "expected '" + p + "' in: " + r.err());
    }

    @Test void aConfigWithoutItsModelNamesTheFileAndTheField() throws Exception {
        Path run = edit("no-model", "config.json", n -> n.remove("model"));
        assertRuntimeError(AppRun.run("eval", "--checkpoint", run.toString(), "--device", "cpu"),
                run.resolve("checkpoint/config.json") + ": has no \"model\" entry");
    }

    @Test void classNamesMissingOrTooFewAreNamed() throws Exception {
        Path png = tmp.resolve("x.png");
        ImageIO.write(new BufferedImage(28, 28, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
        Path nulls = edit("null-names", "config.json", n -> ((ObjectNode) n.get("data")).putNull("classNames"));
        assertRuntimeError(AppRun.run("predict", "--checkpoint", nulls.toString(), "--device", "cpu", png.toString()),
                "config.json: data.classNames is missing");
        Path few = edit("few-names", "config.json", n -> ((ObjectNode) n.get("data")).putArray("classNames").add("a").add("b").add("c"));
        assertRuntimeError(AppRun.run("predict", "--checkpoint", few.toString(), "--device", "cpu", png.toString()),
                "config.json: data.classNames must list the model's 10 classes, got 3");
    }

    @Test void trainerStateOutsideTheRunIsRefusedOnResume() throws Exception {
        Path negative = edit("negative-step", "trainer.json", n -> n.put("step", -5));
        assertRuntimeError(AppRun.run("train", "--resume", negative.toString(), "--device", "cpu"),
                "trainer.json: step, epoch and batchInEpoch must be >= 0, got -5");
        Path far = edit("far-batch", "trainer.json", n -> n.put("batchInEpoch", 99999));
        assertRuntimeError(AppRun.run("train", "--resume", far.toString(), "--device", "cpu"), "trainer.json: batchInEpoch 99999 must be below the 8 steps per epoch");
        Path skewed = edit("skewed", "trainer.json", n -> n.put("step", 5));
        assertRuntimeError(AppRun.run("train", "--resume", skewed.toString(), "--device", "cpu"),
                "trainer.json: step 5 does not match epoch 0, batch 3 (at 8 steps per epoch that is step 3)");
        Path past = edit("past", "trainer.json", n -> n.put("step", 1_000_000_000_000L));
        assertRuntimeError(AppRun.run("train", "--resume", past.toString(), "--device", "cpu"), "is past the end of the run (20 steps)");
    }

    @Test void anIntegerTensorWhereAWeightBelongsIsRefused() throws Exception {
        Path run = copyOfGood("int-weights");
        Path model = run.resolve("checkpoint/model.safetensors");
        Map<String, Tensor> state = TensorBlobs.read(model);
        Tensor w = state.get("head.weight");
        state.put("head.weight", Tensor.of(new int[w.numel()], w.shape()));
        TensorBlobs.write(model, state);
        assertRuntimeError(AppRun.run("eval", "--checkpoint", run.toString(), "--device", "cpu"),
                model + ": tensor 'head.weight' is I32 but the model's is F32 (integer values cannot be weights)");
        assertRuntimeError(AppRun.run("train", "--resume", run.toString(), "--device", "cpu"), "tensor 'head.weight' is I32");
    }

    @Test void oneClassIsADataProblemNotAUsageError() throws Exception {
        Path data = tmp.resolve("one-class");
        for (String split : new String[] {"train", "val"}) {
            Path dir = Files.createDirectories(data.resolve(split).resolve("only"));
            for (int i = 0; i < 4; i++) ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", dir.resolve(i + ".png").toFile());
        }
        assertRuntimeError(AppRun.run("train", "--data", data.toString(), "--model", "tiny-cnn", "--resolution", "8", "--batch-size", "2",
                "--device", "cpu", "--out", tmp.resolve("one-class-run").toString()), "the training data have only 1 class (only); a classifier needs at least 2");
    }

    @Test void resolutionsAreCheckedAgainstTheModel() {
        AppRun.Result huge = AppRun.run("train", "--data", "synthetic", "--model", "vim-nano", "--resolution", "100000", "--device", "cpu",
                "--out", tmp.resolve("huge").toString());
        assertEquals(2, huge.exitCode(), huge.err());
        huge.assertOneCleanErrorLine();
        assertTrue(huge.err().contains("--resolution must be between 1 and 8192, got 100000"), huge.err());
        AppRun.Result odd = AppRun.run("train", "--data", "synthetic", "--model", "vim-nano", "--resolution", "30", "--device", "cpu",
                "--out", tmp.resolve("odd").toString());
        assertEquals(2, odd.exitCode(), odd.err());
        assertTrue(odd.err().contains("model vim-nano needs a resolution divisible by 4 (its patch size; the remaining pixels would be dropped), got 30"), odd.err());
        AppRun.Result info = AppRun.run("info", "--model", "vim-tiny", "-r", "100");
        assertEquals(2, info.exitCode(), info.err());
        assertTrue(info.err().contains("divisible by 16"), info.err());
        assertEquals(0, AppRun.run("info", "--model", "vim-tiny", "-r", "96").exitCode());
    }

    @Test void anUnreadableDataFolderSaysPermissionDenied() throws Exception {
        Assumptions.assumeFalse("root".equals(System.getProperty("user.name")), "root reads every folder");
        Path data = Files.createDirectories(tmp.resolve("locked").resolve("train"));
        Files.setPosixFilePermissions(data.getParent(), PosixFilePermissions.fromString("---------"));
        try {
            assertRuntimeError(AppRun.run("train", "--data", data.getParent().toString(), "--out", tmp.resolve("locked-run").toString()), "permission denied");
        } finally {
            Files.setPosixFilePermissions(data.getParent(), PosixFilePermissions.fromString("rwx------"));
        }
    }
}
