package dev.jmamba.app.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Losses;
import dev.jmamba.nn.Parameter;
import dev.jmamba.nn.Sequential;
import dev.jmamba.optim.AdamW;
import dev.jmamba.optim.ParamGroups;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.dist.Communicator;
import dev.jmamba.tensor.dist.LocalGroup;
import dev.jmamba.tensor.dist.Pending;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Buckets all-reduced during backward ({@link DataParallel#expectBackward}) give the same bits as
 * all-reducing after it: the same buckets, the same slots, the same reduction. The model has a layer
 * used twice (its gradient has two contributions) and a layer forward never uses (no gradient: zeros
 * in its slot, gradient left null); two optimizer steps, with 1 and 2 micro-batches per step
 * (gradient accumulation: only the last micro-batch's backward all-reduces). The bucket cap of 200
 * bytes gives one bucket per tensor or two, so buckets fill and start one by one during backward.
 */
class DataParallelOverlapTest {
    private static final int B = 12, IN = 6, H = 8, K = 4, STEPS = 2;
    private static final long SMALL_BUCKETS = 200;

    /** unused (registered first: its bucket is the last to start), first, shared (used twice), head. */
    private record Net(Sequential all, Linear unused, Linear first, Linear shared, Linear head) {
        static Net create(long seed) {
            Linear unused = new Linear(IN, H, true, seed + 3), first = new Linear(IN, H, true, seed),
                    shared = new Linear(H, H, true, seed + 1), head = new Linear(H, K, true, seed + 2);
            return new Net(new Sequential(unused, first, shared, head), unused, first, shared, head);
        }

        Var forward(Var x) {                                                     // x (N, IN) -> logits (N, K)
            Var h = first.forward(x).gelu();
            h = shared.forward(h).gelu();
            h = shared.forward(h).tanh();
            return head.forward(h);
        }
    }

    private static Tensor rows(int from, int n) {
        return Tensor.randn(42, B, IN).narrow(0, from, n).contiguous();
    }

    private static int[] labels(int from, int n) {
        int[] l = new int[n];
        for (int i = 0; i < n; i++) l[i] = ((from + i) * 7 + 3) % K;
        return l;
    }

    /** What a rank saw: per step the averaged gradients (null entries: none), and the parameters at the end. */
    private record Result(List<List<float[]>> grads, List<float[]> params, List<String> calls) {}

    /** A communicator that notes each collective and whether backward was running when it started. */
    private static final class Recording implements Communicator {
        final Communicator inner;
        final List<String> calls = new ArrayList<>();
        volatile boolean inBackward;

        Recording(Communicator inner) {
            this.inner = inner;
        }

        @Override public int rank() { return inner.rank(); }
        @Override public int worldSize() { return inner.worldSize(); }
        @Override public void allReduceSum(Tensor t) { calls.add("sync " + t.numel()); inner.allReduceSum(t); }
        @Override public Pending allReduceSumAsync(Tensor t) {
            calls.add((inBackward ? "async in backward " : "async after backward ") + t.numel());
            return inner.allReduceSumAsync(t);
        }
        @Override public void broadcast(Tensor t, int root) { inner.broadcast(t, root); }
        @Override public void barrier() { inner.barrier(); }
        @Override public void checkHealth() { inner.checkHealth(); }
        @Override public void abort(String reason) { inner.abort(reason); }
        @Override public void close() { inner.close(); }
    }

    private static Result train(Communicator c, DataParallel.Settings settings, int microBatches) {
        Recording comm = new Recording(c);
        Net net = Net.create(1 + 100L * c.rank());                   // different weights per rank until the broadcast
        List<Parameter> params = net.all().parameters();
        DataParallel dp = new DataParallel(comm, params, settings);
        dp.broadcastFromRankZero(net.all());
        comm.calls.clear();
        AdamW opt = new AdamW(ParamGroups.all(net.all(), 0.05), 1e-2);
        int share = B / c.worldSize(), micro = share / microBatches;
        List<List<float[]>> grads = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            Tensor lastLoss = null;
            for (int m = 0; m < microBatches; m++) {
                int from = c.rank() * share + m * micro;
                Var loss = Losses.crossEntropy(net.forward(Var.of(rows(from, micro))), labels(from, micro), 0.1).div(microBatches);
                if (m == microBatches - 1) dp.expectBackward();
                comm.inBackward = true;
                loss.backward();
                comm.inBackward = false;
                lastLoss = loss.value();
            }
            dp.averageGradients(lastLoss);
            List<float[]> g = new ArrayList<>();
            for (Parameter p : params) g.add(p.grad() == null ? null : p.grad().toFloatArray());
            grads.add(g);
            opt.step();
            opt.zeroGrad();
        }
        List<float[]> values = new ArrayList<>();
        for (Parameter p : params) values.add(p.value().toFloatArray());
        dp.close();
        return new Result(grads, values, comm.calls);
    }

    private static List<Result> onRanks(int world, DataParallel.Settings settings, int microBatches) throws Exception {
        List<Communicator> group = LocalGroup.create(world, Duration.ofSeconds(60));
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<Result>> futures = new ArrayList<>();
            for (Communicator c : group) futures.add(pool.submit(() -> train(c, settings, microBatches)));
            List<Result> out = new ArrayList<>();
            for (Future<Result> f : futures) out.add(f.get());
            return out;
        } finally {
            pool.shutdownNow();
            for (Communicator c : group) c.close();
        }
    }

    @Test void overlappedBucketsGiveTheBitsOfAllReducingAfterBackward() throws Exception {
        for (int world : new int[] {1, 2, 3}) {
            for (long cap : new long[] {SMALL_BUCKETS, GradientBuckets.DEFAULT_CAP_BYTES}) {
                for (int microBatches : new int[] {1, 2}) {
                    String what = "world " + world + ", cap " + cap + ", " + microBatches + " micro-batches";
                    List<Result> after = onRanks(world, new DataParallel.Settings(cap, false), microBatches);
                    List<Result> during = onRanks(world, new DataParallel.Settings(cap, true), microBatches);
                    for (int r = 0; r < world; r++) {
                        for (int s = 0; s < STEPS; s++) sameBits(after.get(r).grads().get(s), during.get(r).grads().get(s), what + ", rank " + r + ", gradients of step " + s);
                        sameBits(after.get(r).params(), during.get(r).params(), what + ", rank " + r + ", parameters");
                        sameBits(after.get(0).params(), during.get(r).params(), what + ": rank " + r + " holds rank 0's bits");
                    }
                    Result r0 = during.getFirst();
                    int unused = 0;                                            // 'unused' is registered first: parameters 0 and 1
                    assertNull(r0.grads().getFirst().get(unused), "a parameter without a gradient keeps none");
                    assertTrue(after.getFirst().calls().stream().noneMatch(c -> c.startsWith("async")), "overlap off: " + after.getFirst().calls());
                }
            }
        }
    }

    @Test void theBucketsStartDuringBackwardInPlanOrderAndOnlyOnTheLastMicroBatch() throws Exception {
        List<Result> ranks = onRanks(2, new DataParallel.Settings(SMALL_BUCKETS, true), 2);
        DataParallel plan = new DataParallel(LocalGroup.create(1, Duration.ofSeconds(1)).getFirst(), Net.create(1).all().parameters(), SMALL_BUCKETS);
        int buckets = plan.buckets().size();
        assertTrue(buckets >= 4, "several buckets: " + buckets);
        List<String> expected = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            for (int k = 0; k < buckets; k++) {
                GradientBuckets.Bucket b = plan.buckets().get(k);
                boolean holdsUnused = Arrays.stream(b.params()).anyMatch(i -> i < 2);
                // the buckets of reached parameters start in backward; 'unused' (last in the plan) only when averaging
                expected.add((holdsUnused ? "async after backward " : "async in backward ") + b.numel());
            }
            expected.add("sync 1");                                             // the loss
        }
        for (Result r : ranks) assertEquals(expected, r.calls(), "one all-reduce per bucket and step, in plan order, none in the first micro-batch");
    }

    private static void sameBits(List<float[]> expected, List<float[]> got, String what) {
        assertEquals(expected.size(), got.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            float[] e = expected.get(i), g = got.get(i);
            if (e == null || g == null) {
                assertEquals(e == null, g == null, what + ": tensor " + i + " has a gradient in one run only");
                continue;
            }
            int[] eb = new int[e.length], gb = new int[g.length];
            for (int k = 0; k < e.length; k++) eb[k] = Float.floatToRawIntBits(e[k]);
            for (int k = 0; k < g.length; k++) gb[k] = Float.floatToRawIntBits(g[k]);
            assertArrayEquals(eb, gb, what + ": tensor " + i);
        }
    }
}
