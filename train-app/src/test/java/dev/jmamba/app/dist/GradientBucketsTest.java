package dev.jmamba.app.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Bucket planning: reverse order, contiguous offsets, every parameter once, the cap kept except by a lone large parameter. */
class GradientBucketsTest {

    @Test void smallExampleByHand() {
        // bytes: 40, 400, 40, 4000, 40 with a cap of 480 bytes
        List<GradientBuckets.Bucket> b = GradientBuckets.plan(new long[] {10, 100, 10, 1000, 10}, filled(5, DType.F32), 480);
        assertEquals(3, b.size());
        assertArrayEquals(new int[] {4}, b.get(0).params(), "the last parameter first; 40 + 4000 > cap");
        assertArrayEquals(new int[] {3}, b.get(1).params(), "too large for any bucket: alone");
        assertArrayEquals(new int[] {2, 1, 0}, b.get(2).params());
        assertArrayEquals(new long[] {0, 10, 110}, b.get(2).offsets());
        assertEquals(120, b.get(2).numel());
        assertEquals(480, b.get(2).bytes());
    }

    @Test void aDtypeChangeStartsANewBucket() {
        List<GradientBuckets.Bucket> b = GradientBuckets.plan(new long[] {1, 1, 1}, new DType[] {DType.F32, DType.F64, DType.F64}, 1 << 20);
        assertEquals(2, b.size());
        assertArrayEquals(new int[] {2, 1}, b.get(0).params());
        assertEquals(DType.F64, b.get(0).dtype());
        assertArrayEquals(new int[] {0}, b.get(1).params());
    }

    @Test void randomPlansCoverEveryParameterOnceInReverseOrderWithinTheCap() {
        SplittableRandom random = new SplittableRandom(3);
        for (int trial = 0; trial < 200; trial++) {
            int n = 1 + random.nextInt(60);
            long[] numels = new long[n];
            for (int i = 0; i < n; i++) numels[i] = 1 + random.nextLong(random.nextBoolean() ? 100 : 100_000);
            long cap = 4L * (1 + random.nextLong(50_000));
            List<GradientBuckets.Bucket> plan = GradientBuckets.plan(numels, filled(n, DType.F32), cap);
            int expected = n - 1;
            for (GradientBuckets.Bucket bucket : plan) {
                long offset = 0;
                for (int k = 0; k < bucket.params().length; k++) {
                    assertEquals(expected--, bucket.params()[k], "reverse parameter order, each once");
                    assertEquals(offset, bucket.offsets()[k]);
                    assertEquals(numels[bucket.params()[k]], bucket.numels()[k]);
                    offset += bucket.numels()[k];
                }
                assertEquals(offset, bucket.numel());
                assertTrue(bucket.bytes() <= cap || bucket.params().length == 1, "over the cap only alone: " + Arrays.toString(bucket.params()));
            }
            assertEquals(-1, expected, "all parameters planned");
            for (int k = 0; k + 1 < plan.size(); k++) {
                // greedy: the next bucket's first parameter did not fit
                long next = 4 * plan.get(k + 1).numels()[0];
                assertTrue(plan.get(k).bytes() + next > cap, "bucket " + k + " closed early");
            }
        }
    }

    private static DType[] filled(int n, DType d) {
        DType[] a = new DType[n];
        Arrays.fill(a, d);
        return a;
    }
}
