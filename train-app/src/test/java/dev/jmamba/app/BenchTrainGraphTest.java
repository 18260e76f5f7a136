package dev.jmamba.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code jmamba bench train --graph}: refused clearly where no CUDA graph can be captured (the replay timing runs on a GPU). */
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
}
