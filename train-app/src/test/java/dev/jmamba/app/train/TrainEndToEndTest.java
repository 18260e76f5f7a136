package dev.jmamba.app.train;

import dev.jmamba.vision.checkpoint.CheckpointStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmamba.app.AppRun;
import dev.jmamba.app.data.ImageDecoding;
import dev.jmamba.app.data.SyntheticDataset;
import dev.jmamba.app.metrics.MetricsLog;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jmamba train}, then {@code eval} and {@code predict} on its checkpoint, through {@code Main.run}. */
class TrainEndToEndTest {
    @TempDir static Path tmp;
    static Path run;
    static AppRun.Result trained;

    /** 24 steps of 16 images on 256 synthetic training images (16 steps per epoch): one epoch end, one final eval. */
    @BeforeAll static void train() {
        run = tmp.resolve("run");
        trained = AppRun.run("train", "--data", "synthetic", "--model", "tiny-cnn", "--max-steps", "24", "--batch-size", "16",
                "--train-limit", "256", "--val-limit", "100", "--lr", "5e-3", "--out", run.toString(), "--checkpoint-every", "5",
                "--log-every", "4", "--device", "cpu", "--workers", "2", "--seed", "3");
    }

    @Test void writesMetricsRecordsWithTheDocumentedFields() {
        assertEquals(0, trained.exitCode(), trained.err());
        List<Map<String, Object>> records = MetricsLog.read(run.resolve("metrics.jsonl"));
        List<Map<String, Object>> steps = records.stream().filter(r -> "step".equals(r.get("type"))).toList();
        List<Map<String, Object>> evals = records.stream().filter(r -> "eval".equals(r.get("type"))).toList();
        // every 4 steps, plus the epoch end at step 16 (a multiple of 4 anyway): 4, 8, ..., 24
        assertEquals(List.of(4L, 8L, 12L, 16L, 20L, 24L), steps.stream().map(r -> ((Number) r.get("step")).longValue()).toList());
        for (Map<String, Object> r : steps) {
            for (String key : List.of("epoch", "step", "train_loss", "lr", "img_per_s", "skipped_images", "nonfinite_steps",
                    "data_wait_ms", "upload_ms", "queue_ms", "sync_ms", "gc_ms")) {
                assertTrue(r.containsKey(key), key + " missing in " + r);
            }
            assertTrue(MetricsLog.number(r, "train_loss") > 0 && MetricsLog.number(r, "lr") > 0, r.toString());
            assertTrue(MetricsLog.number(r, "queue_ms") > 0, "a step takes time: " + r);
        }
        assertEquals(0L, ((Number) steps.get(4).get("epoch")).longValue() - 1, "step 20 is in the second epoch");
        // evaluations after epoch 1 (step 16) and at the end (step 24)
        assertEquals(List.of(16L, 24L), evals.stream().map(r -> ((Number) r.get("step")).longValue()).toList());
        for (Map<String, Object> r : evals) {
            double top1 = MetricsLog.number(r, "val_top1"), top5 = MetricsLog.number(r, "val_top5");
            assertTrue(0 <= top1 && top1 <= top5 && top5 <= 1, r.toString());
            assertTrue(MetricsLog.number(r, "val_loss") > 0, r.toString());
        }
        // 24 steps at lr 5e-3 learn the synthetic patterns well beyond chance (10%)
        assertTrue(MetricsLog.number(evals.get(1), "val_top1") > 0.3, evals.get(1).toString());
        assertTrue(Files.isRegularFile(run.resolve("curves.png")));
    }

    @Test void writesACompleteCheckpoint() throws Exception {
        assertEquals(0, trained.exitCode(), trained.err());
        Path ck = run.resolve("checkpoint");
        for (String f : List.of("model.safetensors", "optimizer.safetensors", "config.json", "trainer.json")) {
            assertTrue(Files.isRegularFile(ck.resolve(f)), f);
        }
        JsonNode state = new ObjectMapper().readTree(ck.resolve("trainer.json").toFile());
        assertEquals(24, state.get("step").asLong());
        assertEquals(1, state.get("epoch").asInt());
        assertEquals(8, state.get("batchInEpoch").asInt());
        assertEquals(3, state.get("seed").asLong());
        JsonNode cfg = new ObjectMapper().readTree(ck.resolve("config.json").toFile());
        assertEquals("tiny-cnn", cfg.at("/model/name").asText());
        assertEquals(SyntheticDataset.CLASS_NAMES.get(4), cfg.at("/data/classNames/4").asText());
        assertEquals(0.5, cfg.at("/data/mean/0").asDouble(), 1e-6);
        assertTrue(Files.notExists(run.resolve("checkpoint.tmp")) && Files.notExists(run.resolve("checkpoint.old")));
        CheckpointStore.Loaded loaded = CheckpointStore.load(run, true);
        assertTrue(loaded.model().containsKey("conv1.weight") && loaded.optimizer().containsKey("exp_avg.conv1.weight"));
    }

    @Test void evalReproducesTheFinalValidationNumbers() throws Exception {
        assertEquals(0, trained.exitCode(), trained.err());
        AppRun.Result r = AppRun.run("eval", "--checkpoint", run.resolve("checkpoint").toString(), "--device", "cpu", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode node = new ObjectMapper().readTree(r.out().strip());
        List<Map<String, Object>> evals = MetricsLog.read(run.resolve("metrics.jsonl")).stream().filter(m -> "eval".equals(m.get("type"))).toList();
        Map<String, Object> last = evals.getLast();
        assertEquals(100, node.get("images").asInt());
        assertEquals(MetricsLog.number(last, "val_top1"), node.get("val_top1").asDouble(), 1e-12);
        assertEquals(MetricsLog.number(last, "val_top5"), node.get("val_top5").asDouble(), 1e-12);
        // same weights, same images: the loss agrees up to summation order
        assertEquals(MetricsLog.number(last, "val_loss"), node.get("val_loss").asDouble(), 1e-4);
    }

    @Test void predictPrintsTopFiveClassNamesAndSkipsUnreadableFiles() throws Exception {
        assertEquals(0, trained.exitCode(), trained.err());
        Path png = tmp.resolve("disc.png");
        SyntheticDataset val = SyntheticDataset.val(20, 3, 28, 28, 1);
        ImageIO.write(ImageDecoding.toBufferedImage(val.load(6).image()), "png", png.toFile());
        Path bad = tmp.resolve("bad.png");
        Files.write(bad, new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        AppRun.Result r = AppRun.run("predict", "--checkpoint", run.toString(), "--device", "cpu", png.toString(), bad.toString());
        assertEquals(0, r.exitCode(), r.err());
        String line = r.out().strip();
        assertTrue(line.startsWith(png + ":"), line);
        long names = SyntheticDataset.CLASS_NAMES.stream().filter(n -> line.contains(" " + n + " ")).count();
        assertEquals(5, names, line);
        assertTrue(r.err().contains("bad.png") && r.err().contains("skipping"), r.err());
        assertTrue(!r.err().contains("Exception"), r.err());
    }

    @Test void resumeRefusesRunDefiningOptions() {
        assertEquals(0, trained.exitCode(), trained.err());
        AppRun.Result r = AppRun.run("train", "--resume", run.toString(), "--lr", "0.1");
        assertEquals(2, r.exitCode(), r.err());
        r.assertOneCleanErrorLine();
        assertTrue(r.err().contains("--lr"), r.err());
    }

    /** A run whose curves.png cannot be drawn (here: a folder is in the way of its side file) still succeeds and says so. */
    @Test void curvesFailureDoesNotFailTheRun() throws Exception {
        Path out = tmp.resolve("nocurves");
        Files.createDirectories(out.resolve("curves.png.part").resolve("blocker"));
        AppRun.Result r = AppRun.run("train", "--data", "synthetic", "--model", "tiny-cnn", "--max-steps", "4", "--batch-size", "8",
                "--train-limit", "64", "--val-limit", "16", "--device", "cpu", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue((r.out() + r.err()).contains("curves.png was not written"), r.out() + r.err());
        assertTrue(Files.notExists(out.resolve("curves.png")), "no partial picture is left");
        assertTrue(Files.isRegularFile(out.resolve("checkpoint").resolve("model.safetensors")));
    }

    /** --graph where there is no CUDA device: one line says so and the run trains eagerly to the end. */
    @Test void graphOnTheCpuSaysSoAndTrainsEagerly() {
        Path out = tmp.resolve("graph-cpu");
        AppRun.Result r = AppRun.run("train", "--data", "synthetic", "--model", "tiny-cnn", "--max-steps", "3", "--batch-size", "8",
                "--train-limit", "32", "--val-limit", "8", "--device", "cpu", "--graph", "--out", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        String all = r.out() + r.err();
        assertTrue(all.contains("--graph: CUDA graphs need --device cuda; this run on cpu steps eagerly"), all);
        assertEquals(1, all.split("--graph:", -1).length - 1, "said once: " + all);
    }
}
