package dev.jmamba.app.train;

import dev.jmamba.app.AppRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * 40 straight steps and 20 steps + resume to 40 give byte-identical checkpoints (model, optimizer,
 * EMA), with every recipe switch that draws random numbers or keeps state turned on.
 *
 * <p>The runs use child JVMs with the launcher's flags (Vector API kernels, full JIT). The SIMD
 * kernels only use operations that round the same before and after JIT compilation
 * ({@code VectorMathSimd}), so results do not depend on when a kernel gets compiled.
 */
class ResumeTest {
    @TempDir Path tmp;

    private static final String[] RECIPE = {"train", "--data", "synthetic", "--model", "tiny-cnn", "--max-steps", "40",
            "--batch-size", "16", "--train-limit", "400", "--val-limit", "32", "--device", "cpu", "--seed", "11",
            "--mixup", "0.8", "--cutmix", "1.0", "--label-smoothing", "0.1", "--random-erasing", "0.25",
            "--ema", "0.9", "--clip-grad", "1.0", "--warmup-steps", "5", "--workers", "2", "--checkpoint-every", "7", "--augment", "light"};

    private static String[] with(String... extra) {
        List<String> all = new ArrayList<>(List.of(RECIPE));
        all.addAll(List.of(extra));
        return all.toArray(String[]::new);
    }

    @Test void resumedRunIsBitIdenticalToAStraightRun() throws Exception {
        Path log = tmp.resolve("log.txt");
        Path straight = tmp.resolve("straight"), split = tmp.resolve("split");
        assertEquals(0, AppRun.runChild(log, 60, with("--out", straight.toString())), () -> read(log));
        assertEquals(0, AppRun.runChild(log, 60, with("--out", split.toString(), "--stop-at-step", "20")), () -> read(log));
        assertEquals("20", stepOf(split));
        assertEquals(0, AppRun.runChild(log, 60, "train", "--resume", split.resolve("checkpoint").toString(), "--device", "cpu",
                "--workers", "1"), () -> read(log));
        assertEquals("40", stepOf(split));
        for (String f : List.of("model.safetensors", "optimizer.safetensors", "ema.safetensors")) {
            assertArrayEquals(Files.readAllBytes(straight.resolve("checkpoint").resolve(f)),
                    Files.readAllBytes(split.resolve("checkpoint").resolve(f)), f + " differs between the straight and the resumed run");
        }
    }

    private static String stepOf(Path run) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(run.resolve("checkpoint/trainer.json").toFile()).get("step").asText();
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }
}
