package dev.jmamba.app.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.GELU;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Losses;
import dev.jmamba.nn.Parameter;
import dev.jmamba.nn.Sequential;
import dev.jmamba.optim.AdamW;
import dev.jmamba.optim.ParamGroups;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.dist.Communicator;
import dev.jmamba.tensor.dist.LocalGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * A data-parallel step over the in-process group equals the single-process step on the global batch.
 *
 * <p>Tolerance: the ranks' gradients are means over B/W samples, summed over W ranks and scaled by
 * 1/W, where one process sums B samples and scales by 1/B: the same float32 terms added in another
 * grouping. Each gradient element is a sum of B = 12 terms of size ≤ ~1 here, so the two orders
 * differ by at most a few units of 2^-24 relative to the terms' magnitude: we allow 2e-6 absolute plus
 * 1e-5 relative. After one AdamW step (lr 1e-2, first step: update = lr·sign-like m/√v) the
 * parameters differ by at most lr times the relative change of m/√v, far below the same bound.
 */
class DataParallelTest {
    private static final int B = 12, IN = 10, CLASSES = 5;

    private static Sequential model(long seed) {
        return new Sequential(new Linear(IN, 16, true, seed), new GELU(), new Linear(16, CLASSES, true, seed + 1));
    }

    private static Tensor inputs() {
        return Tensor.randn(42, B, IN);
    }

    private static int[] labels() {
        int[] l = new int[B];
        for (int i = 0; i < B; i++) l[i] = (i * 7 + 3) % CLASSES;
        return l;
    }

    /** Forward and backward on rows [from, from + n): returns the loss () tensor; the gradients stay in the model. */
    private static Tensor lossAndBackward(Sequential m, int from, int n) {
        Tensor x = inputs().narrow(0, from, n).contiguous();
        int[] y = java.util.Arrays.copyOfRange(labels(), from, from + n);
        Var loss = Losses.crossEntropy(m.forward(Var.of(x)), y, 0.1);
        loss.backward();
        return loss.value();
    }

    private record Result(float loss, List<float[]> grads, List<float[]> params) {}

    private static Result snapshot(Sequential m, float loss, AdamW opt) {
        List<float[]> grads = new ArrayList<>();
        for (Parameter p : m.parameters()) grads.add(p.grad().toFloatArray());
        opt.step();
        List<float[]> params = new ArrayList<>();
        for (Parameter p : m.parameters()) params.add(p.value().toFloatArray());
        return new Result(loss, grads, params);
    }

    private static Result single() {
        Sequential m = model(1);
        AdamW opt = new AdamW(ParamGroups.all(m, 0.05), 1e-2);
        float loss = (float) lossAndBackward(m, 0, B).item();
        return snapshot(m, loss, opt);
    }

    /** Runs the data-parallel step on {@code world} threads; rank r starts from seed 1 + 100·r, the broadcast fixes that. */
    private static List<Result> parallel(int world, long bucketBytes) throws Exception {
        List<Communicator> group = LocalGroup.create(world, Duration.ofSeconds(60));
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<Result>> futures = new ArrayList<>();
            for (Communicator c : group) {
                futures.add(pool.submit(() -> {
                    Sequential m = model(1 + 100L * c.rank());
                    DataParallel dp = new DataParallel(c, m.parameters(), bucketBytes);
                    dp.broadcastFromRankZero(m);
                    AdamW opt = new AdamW(ParamGroups.all(m, 0.05), 1e-2);
                    int share = B / world;
                    Tensor local = lossAndBackward(m, c.rank() * share, share);
                    float loss = (float) dp.averageGradients(local).item();
                    dp.close();
                    return snapshot(m, loss, opt);
                }));
            }
            List<Result> out = new ArrayList<>();
            for (Future<Result> f : futures) out.add(f.get());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test void twoThreeAndFourRanksTakeTheSingleProcessStep() throws Exception {
        Result one = single();
        for (int world : new int[] {2, 3, 4}) {
            for (long cap : new long[] {GradientBuckets.DEFAULT_CAP_BYTES, 200}) {   // one bucket, and many small ones
                List<Result> ranks = parallel(world, cap);
                for (Result r : ranks) {
                    assertEquals(one.loss(), r.loss(), 2e-6 + 1e-5 * Math.abs(one.loss()), "mean loss, world " + world);
                    close(one.grads(), r.grads(), "gradients, world " + world + ", cap " + cap);
                    close(one.params(), r.params(), "parameters after AdamW, world " + world + ", cap " + cap);
                }
                for (int k = 1; k < world; k++) {
                    for (int i = 0; i < ranks.get(0).params().size(); i++) {
                        assertArrayEquals(ranks.get(0).params().get(i), ranks.get(k).params().get(i), 0f, "every rank holds the same bits");
                    }
                }
            }
        }
    }

    @Test void aGroupOfOneChangesNothingBitForBit() throws Exception {
        Result one = single();
        Result r = parallel(1, GradientBuckets.DEFAULT_CAP_BYTES).getFirst();
        for (int i = 0; i < one.grads().size(); i++) {
            assertArrayEquals(one.grads().get(i), r.grads().get(i), 0f);
            assertArrayEquals(one.params().get(i), r.params().get(i), 0f);
        }
    }

    @Test void theBucketsFollowThePlan() {
        Sequential m = model(1);
        List<Parameter> ps = m.parameters();
        DataParallel dp = new DataParallel(LocalGroup.create(1, Duration.ofSeconds(1)).getFirst(), ps, 16 * 5 * 4 + 5 * 4);
        assertEquals(ps.size() - 1, dp.buckets().getFirst().params()[0], "the last parameter leads the first bucket");
        int total = 0;
        for (GradientBuckets.Bucket b : dp.buckets()) total += b.params().length;
        assertEquals(ps.size(), total);
        assertTrue(dp.buckets().size() >= 2);
    }

    private static void close(List<float[]> expected, List<float[]> got, String what) {
        for (int i = 0; i < expected.size(); i++) {
            float[] e = expected.get(i), g = got.get(i);
            for (int k = 0; k < e.length; k++) {
                assertEquals(e[k], g[k], 2e-6 + 1e-5 * Math.abs(e[k]), what + ": parameter " + i + " element " + k);
            }
        }
    }
}
