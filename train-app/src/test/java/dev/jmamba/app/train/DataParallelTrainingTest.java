package dev.jmamba.app.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.app.data.Dataset;
import dev.jmamba.app.dist.DataParallel;
import dev.jmamba.app.dist.DistributedRun;
import dev.jmamba.app.metrics.MetricsLog;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.dist.Communicator;
import dev.jmamba.tensor.dist.LocalGroup;
import dev.jmamba.vision.checkpoint.CheckpointStore;
import dev.jmamba.vision.checkpoint.RunConfig;
import dev.jmamba.vision.models.ModelRegistry.ModelChoice;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer as ranks of an in-process group (threads): 2 ranks at global batch 8 train like one
 * process at batch 8, only rank 0 writes the run's files, and a run resumes with another number of
 * processes. vim-nano (LayerNorm, no BatchNorm, no drop-path): every rank's step is then the
 * single-process step up to float summation order.
 *
 * <p>Tolerance 1e-5 absolute on the weights after 4 AdamW steps: the gradients differ by float32
 * reordering (relative ~1e-6, see DataParallelTest), AdamW's normalised update m/√v turns that into a
 * relative change of at most ~1e-4 of an update of at most lr = 2e-3 per step, so ≤ ~1e-6 after 4
 * steps; the weights themselves move by ~1e-3 (checked, so the comparison is not vacuous).
 */
class DataParallelTrainingTest {
    private static final double TOLERANCE = 1e-5;
    @TempDir Path tmp;

    static RunConfig config() {
        return config(0);
    }

    /** vim-nano on 64 synthetic images, global batch 8, 4 steps; {@code dropPath} > 0 replaces the preset's 0. */
    static RunConfig config(double dropPath) {
        RunData full = RunData.open("synthetic", null);
        Dataset train = full.train();
        ModelChoice model = new ModelChoice("vim-nano", train.numClasses(), train.channels(), 28, dropPath, 3);
        RunConfig.DataSpec data = new RunConfig.DataSpec("synthetic", null, 64, 16, train.classNames(), train.channels(),
                train.normalization().mean(), train.normalization().std(), "none");
        RunConfig.Recipe recipe = new RunConfig.Recipe(8, 1, 8, 4, 2e-3, 1, 1e-6, 1e-5, 0.05, 0.1, 0, 0, 0, 0, 1.0, 7);
        return new RunConfig(model, data, recipe);
    }

    private static Trainer.Options options(Path dir, long stopAt) {
        return new Trainer.Options(dir, Device.CPU, 1, 0, stopAt, 1, false, 5);
    }

    private static PrintWriter quiet() {
        return new PrintWriter(Writer.nullWriter());
    }

    private static Trainer.Outcome single(Path dir, long stopAt, CheckpointStore.Loaded resume) {
        return single(config(), dir, stopAt, resume);
    }

    private static Trainer.Outcome single(RunConfig cfg, Path dir, long stopAt, CheckpointStore.Loaded resume) {
        return Trainer.run(cfg, resume, options(dir, stopAt), quiet());
    }

    /** {@code world} ranks on threads, all given the same run folder; returns each rank's outcome. */
    private static List<Trainer.Outcome> parallel(int world, Path dir, long stopAt, Path resumeFrom) throws Exception {
        return parallel(config(), world, dir, stopAt, resumeFrom);
    }

    private static List<Trainer.Outcome> parallel(RunConfig cfg, int world, Path dir, long stopAt, Path resumeFrom) throws Exception {
        return parallel(cfg, world, options(dir, stopAt), resumeFrom, DataParallel.Settings.DEFAULT);
    }

    private static List<Trainer.Outcome> parallel(RunConfig cfg, int world, Trainer.Options options, Path resumeFrom,
                                                  DataParallel.Settings settings) throws Exception {
        List<Communicator> group = LocalGroup.create(world, Duration.ofSeconds(120));
        ExecutorService pool = Executors.newFixedThreadPool(world);
        try {
            List<Future<Trainer.Outcome>> futures = new ArrayList<>();
            for (Communicator c : group) {
                futures.add(pool.submit(() -> {
                    try (DistributedRun dist = DistributedRun.of(c).gradientSettings(settings)) {
                        CheckpointStore.Loaded resume = resumeFrom == null ? null : CheckpointStore.load(resumeFrom, true);
                        Trainer.Outcome o = Trainer.run(cfg, resume, options, quiet(), dist);
                        dist.finish();
                        return o;
                    }
                }));
            }
            List<Trainer.Outcome> out = new ArrayList<>();
            for (Future<Trainer.Outcome> f : futures) out.add(f.get());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    @Timeout(600)
    void aStopSignalOnOneRankStopsEveryRankAfterTheSameStep() throws Exception {
        Path dir = tmp.resolve("stopped");
        List<Communicator> group = LocalGroup.create(2, Duration.ofSeconds(120));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Trainer.Outcome>> futures = new ArrayList<>();
            for (Communicator c : group) {
                StopSignal stop = new StopSignal();
                if (c.rank() == 1) stop.request("TERM");           // only rank 1 was signalled (before its first step)
                futures.add(pool.submit(() -> {
                    try (DistributedRun dist = DistributedRun.of(c)) {
                        Trainer.Outcome o = Trainer.run(config(), null, new Trainer.Options(dir, Device.CPU, 1, 0, 0, 1, false, 5, false, stop),
                                quiet(), dist);
                        dist.finish();
                        return o;
                    }
                }));
            }
            Trainer.Outcome r0 = futures.get(0).get(), r1 = futures.get(1).get();
            assertEquals(1, r0.step(), "rank 0 stopped too, after the first step, where the ranks compared notes");
            assertEquals(1, r1.step());
            assertEquals("TERM", r1.stoppedBy());
            assertEquals(1, CheckpointStore.readState(dir).step(), "rank 0 wrote the checkpoint of the common step");
        } finally {
            pool.shutdownNow();
        }
    }

    private static Map<String, Tensor> weights(Path run) {
        return CheckpointStore.load(run, false).model();
    }

    private static void assertClose(Map<String, Tensor> expected, Map<String, Tensor> got, String what) {
        assertEquals(expected.keySet(), got.keySet());
        for (var e : expected.entrySet()) {
            double d = e.getValue().maxAbsDiff(got.get(e.getKey()));
            assertTrue(d <= TOLERANCE, what + ": " + e.getKey() + " differs by " + d);
        }
    }

    @Test
    @Timeout(600)
    void twoRanksTrainLikeOneProcessAndOnlyRankZeroWrites() throws Exception {
        Path one = tmp.resolve("one"), two = tmp.resolve("two");
        Trainer.Outcome a = single(one, 0, null);
        List<Trainer.Outcome> b = parallel(2, two, 0, null);
        assertEquals(4, a.step());
        for (Trainer.Outcome o : b) assertEquals(4, o.step());
        assertTrue(b.get(0).lastEval() != null && b.get(1).lastEval() == null, "rank 0 alone evaluates");
        assertClose(weights(one), weights(two), "2 ranks vs 1 process");

        // the weights did move, by much more than the tolerance
        Map<String, Tensor> init = dev.jmamba.vision.models.ModelRegistry.create(config().model()).module().stateDict();
        double moved = 0;
        for (var e : weights(one).entrySet()) moved = Math.max(moved, e.getValue().maxAbsDiff(init.get(e.getKey())));
        assertTrue(moved > 100 * TOLERANCE, "the weights moved by " + moved);

        // one metrics record per step and one evaluation: rank 1 wrote nothing; the logged loss is the global mean
        List<Map<String, Object>> m1 = MetricsLog.read(one.resolve(MetricsLog.FILE_NAME)), m2 = MetricsLog.read(two.resolve(MetricsLog.FILE_NAME));
        assertEquals(m1.stream().map(r -> r.get("type")).toList(), m2.stream().map(r -> r.get("type")).toList());
        for (int i = 0; i < m1.size(); i++) {
            if (!"step".equals(m1.get(i).get("type"))) continue;
            double l1 = MetricsLog.number(m1.get(i), "train_loss"), l2 = MetricsLog.number(m2.get(i), "train_loss");
            assertEquals(l1, l2, 1e-5 * Math.max(1, Math.abs(l1)), "train loss of record " + i);
        }
    }

    /**
     * All-reducing the gradient buckets during backward (the default) writes the checkpoints that
     * all-reducing after backward writes, byte for byte: with 64 KiB buckets (several per step), with
     * and without activation checkpointing (whose recomputed blocks report their parameters late).
     */
    @Test
    @Timeout(600)
    void overlappedAndAfterBackwardAllReducesWriteIdenticalCheckpoints() throws Exception {
        for (boolean recompute : new boolean[] {false, true}) {
            Path during = tmp.resolve("during-" + recompute), after = tmp.resolve("after-" + recompute);
            parallel(config(), 2, new Trainer.Options(during, Device.CPU, 1, 0, 0, 1, false, 5, recompute, null), null,
                    new DataParallel.Settings(64 << 10, true));
            parallel(config(), 2, new Trainer.Options(after, Device.CPU, 1, 0, 0, 1, false, 5, recompute, null), null,
                    new DataParallel.Settings(64 << 10, false));
            for (String f : List.of(CheckpointStore.MODEL, CheckpointStore.OPTIMIZER)) {
                byte[] a = Files.readAllBytes(during.resolve(CheckpointStore.DIR_NAME).resolve(f));
                byte[] b = Files.readAllBytes(after.resolve(CheckpointStore.DIR_NAME).resolve(f));
                assertTrue(Arrays.equals(a, b), f + " differs between overlapped and after-backward all-reduces (checkpoint activations " + recompute + ")");
            }
        }
    }

    @Test
    @Timeout(600)
    void withDropPathTheRanksDropTheSamplesOneProcessWould() throws Exception {
        RunConfig cfg = config(0.3);
        Path one = tmp.resolve("dp1"), three = tmp.resolve("dp2");
        single(cfg, one, 0, null);
        parallel(cfg, 2, three, 0, null);
        assertClose(weights(one), weights(three), "drop-path 0.3: 2 ranks vs 1 process");
    }

    @Test
    @Timeout(600)
    void aRunResumesWithAnotherNumberOfProcesses() throws Exception {
        Path straight = tmp.resolve("straight"), twoThenOne = tmp.resolve("2then1"), oneThenTwo = tmp.resolve("1then2");
        single(straight, 0, null);

        parallel(2, twoThenOne, 2, null);                                   // 2 ranks stop at step 2 (rank 0 checkpoints)
        assertEquals(2, CheckpointStore.readState(twoThenOne).step());
        single(twoThenOne, 0, CheckpointStore.load(twoThenOne, true));       // 1 process continues to step 4
        assertClose(weights(straight), weights(twoThenOne), "2 ranks then 1");

        single(oneThenTwo, 2, null);
        parallel(2, oneThenTwo, 0, oneThenTwo);
        assertEquals(4, CheckpointStore.readState(oneThenTwo).step());
        assertClose(weights(straight), weights(oneThenTwo), "1 process then 2 ranks");
    }
}
