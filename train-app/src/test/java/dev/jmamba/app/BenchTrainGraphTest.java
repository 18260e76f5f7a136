package dev.jmamba.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@code jmamba bench train --graph} (training steps, or forwards with {@code --inference}): refused clearly where no
 * CUDA graph can be captured or no warm-up step would run first (the replay timing runs on a GPU:
 * vision's GraphedForwardGpuTest and autograd's GraphedStepGpuTest check what the replays compute).
 */
class BenchTrainGraphTest {
    private static final String[] TINY = {"bench", "train", "--model", "vim-nano", "--resolution", "28", "--classes", "10",
            "--batch-size", "2", "--steps", "1", "--graph"};

    private static AppRun.Result run(String... extra) {
        String[] args = new String[TINY.length + extra.length];
        System.arraycopy(TINY, 0, args, 0, TINY.length);
        System.arraycopy(extra, 0, args, TINY.length, extra.length);
        return AppRun.run(args);
    }

    @Test void graphOnTheCpuIsAUsageError() {
        AppRun.Result r = run("--device", "cpu");
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("--graph captures the step in a CUDA graph and needs --device cuda; got --device cpu"), r.err());
        assertTrue(r.out().isEmpty(), "nothing timed: " + r.out());
    }

    @Test void inferenceGraphOnTheCpuIsTheSameUsageError() {
        AppRun.Result r = run("--device", "cpu", "--inference");
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("--graph captures the step in a CUDA graph and needs --device cuda; got --device cpu"), r.err());
        assertTrue(r.out().isEmpty(), "nothing timed: " + r.out());
    }

    @Test void graphWithoutAWarmUpStepIsAUsageError() {
        for (String mode : new String[] {"--inference", "--json"}) {
            AppRun.Result r = run("--device", "cpu", "--warmup", "0", mode);
            assertEquals(2, r.exitCode(), r.out() + r.err());
            assertTrue(r.err().contains("--graph captures the step after at least one eager warm-up step: use --warmup >= 1, got 0"), r.err());
            assertTrue(r.out().isEmpty(), "nothing timed: " + r.out());
        }
    }
}
