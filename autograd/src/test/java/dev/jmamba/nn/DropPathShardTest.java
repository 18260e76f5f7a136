package dev.jmamba.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Data-parallel drop-path: the ranks' masks are the rows of the single process's mask over the global batch. */
class DropPathShardTest {
    private static final int B = 5, W = 3;

    private static float[] run(int rows, long position) {
        DropPath dp = new DropPath(0.5, 77);
        dp.train(true);
        dp.seek(position);
        return dp.forward(Var.of(Tensor.ones(rows, 2))).value().toFloatArray();
    }

    @Test void eachRankDropsItsRowsOfTheGlobalBatchsMask() {
        float[] whole = run(B * W, 3 * RandomLayer.CALLS_PER_STEP);
        int dropped = 0;
        for (float v : whole) if (v == 0) dropped++;
        assertTrue(dropped > 0 && dropped < whole.length, "some samples dropped, some kept: " + Arrays.toString(whole));
        try {
            for (int r = 0; r < W; r++) {
                RandomLayer.setBatchShard(new RandomLayer.BatchShard(r, W));
                float[] mine = run(B, 3 * RandomLayer.CALLS_PER_STEP);
                assertArrayEquals(Arrays.copyOfRange(whole, r * B * 2, (r + 1) * B * 2), mine, 0f, "rank " + r);
            }
        } finally {
            RandomLayer.setBatchShard(null);
        }
        assertEquals(RandomLayer.BatchShard.WHOLE, RandomLayer.batchShard());
        assertArrayEquals(whole, run(B * W, 3 * RandomLayer.CALLS_PER_STEP), 0f, "back to the whole batch");
    }

    @Test void badShardsAreRefused() {
        assertThrows(JmambaException.class, () -> new RandomLayer.BatchShard(3, 3));
        assertThrows(JmambaException.class, () -> new RandomLayer.BatchShard(0, 0));
    }
}
