package dev.jmamba.app.train;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Top-k ranks of the evaluator. */
class EvaluatorTest {
    @Test void ranksCountStrictlyLargerLogits() {
        float[] logits = {0.1f, 0.9f, 0.5f, /* row 2 */ 3f, 3f, -1f, /* row 3 */ Float.NaN, 0f, 0f};
        assertArrayEquals(new int[] {2, 0, 3}, Evaluator.ranks(logits, new int[] {0, 1, 0}, 3));
        SplittableRandom rng = new SplittableRandom(3);
        float[] row = new float[10];
        for (int i = 0; i < 10; i++) row[i] = (float) rng.nextGaussian();
        int[] r = Evaluator.ranks(row, new int[] {4}, 10);
        int larger = 0;
        for (float v : row) if (v > row[4]) larger++;
        assertEquals(larger, r[0]);
    }
}
