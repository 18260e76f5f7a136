package dev.jmamba.app.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.jmamba.app.data.Batch;
import dev.jmamba.optim.AdamW;
import dev.jmamba.optim.Ema;
import dev.jmamba.optim.ParamGroups;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.vision.models.Classifier;
import dev.jmamba.vision.models.ModelRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code train --graph} on a GPU: the step captured after the first eager one and replayed gives the
 * eager steps' results bit for bit — weights, AdamW moments, EMA, the loss sums — for a Vim with
 * drop path 0.3 (masks that change every step: a replay that repeated its captured masks would
 * differ from the eager run from the third step on), with gradient clipping and soft targets
 * (mixup-style) too. Tolerance 0: the replay runs the same kernels on the same inputs in the same
 * order, the seed table holds the eager step's seeds, and the kernels are deterministic (no float
 * atomics: the scan and causal conv backward add their blocks' partial sums in a fixed order). A
 * second eager run is compared first, so a kernel that is not bit-reproducible fails with that
 * message rather than as a graph-replay mismatch; and the weights must have moved, so equal states
 * are not those of steps that changed nothing.
 */
@Tag("gpu")
class TrainStepGraphGpuTest {
    private static final Device GPU = Device.cuda(0);
    private static final int B = 4, K = 5, SIDE = 32;

    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(GPU), "no CUDA device");
    }

    private static Classifier model() {
        Classifier m = ModelRegistry.create(new ModelRegistry.ModelChoice("vim-nano", K, 3, SIDE, 0.3, 3));
        m.module().to(GPU);
        return m;
    }

    private static Batch batch(int s, boolean soft) {
        SplittableRandom r = new SplittableRandom(70 + s);
        float[] x = new float[B * 3 * SIDE * SIDE];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] y = new int[B];
        for (int i = 0; i < B; i++) y[i] = r.nextInt(K);
        float[] t = null;
        if (soft) {
            t = new float[B * K];
            for (int i = 0; i < B; i++) {
                t[i * K + y[i]] += 0.7f;
                t[i * K + (y[i] + 1) % K] += 0.3f;
            }
        }
        return new Batch(x, y, t, new int[B], 3, SIDE, SIDE, 0, s);
    }

    private static Map<String, double[]> state(Classifier m, AdamW opt, Ema ema) {
        Map<String, double[]> out = new LinkedHashMap<>();
        m.module().stateDict().forEach((k, v) -> out.put(k, v.toDoubleArray()));
        opt.stateDict().forEach((k, v) -> out.put("optim." + k, v.toDoubleArray()));
        ema.stateDict().forEach((k, v) -> out.put("ema." + k, v.toDoubleArray()));
        return out;
    }

    private static void compare(double clip, boolean soft) {
        Classifier a = model(), a2 = model(), b = model();
        Map<String, double[]> init = new LinkedHashMap<>();
        a.module().stateDict().forEach((k, v) -> init.put(k, v.toDoubleArray()));
        AdamW oa = new AdamW(ParamGroups.noDecayFor(a.module(), 0.05), 1e-3), oa2 = new AdamW(ParamGroups.noDecayFor(a2.module(), 0.05), 1e-3);
        AdamW ob = new AdamW(ParamGroups.noDecayFor(b.module(), 0.05), 1e-3);
        Ema ea = new Ema(a.module(), 0.9), ea2 = new Ema(a2.module(), 0.9), eb = new Ema(b.module(), 0.9);
        TrainStep.Counters ca, ca2, cb;
        int[] image = {3, SIDE, SIDE};
        try (TrainStep eager = new TrainStep(a, oa, ea, clip, 0.1, GPU, B, image, K, soft);
             TrainStep eagerAgain = new TrainStep(a2, oa2, ea2, clip, 0.1, GPU, B, image, K, soft);
             TrainStep graph = new TrainStep(b, ob, eb, clip, 0.1, GPU, B, image, K, soft, true)) {
            for (int s = 0; s < 6; s++) {
                double lr = 1e-3 * (s + 1);
                eager.run(batch(s, soft), lr, s);
                eagerAgain.run(batch(s, soft), lr, s);
                graph.run(batch(s, soft), lr, s);
                String note = graph.takeNote();
                if (s == 1) assertTrue(note != null && note.contains("captured"), "capture at the second step: " + note);
                assertEquals(s >= 1, graph.graphed(), "step " + s);
            }
            ca = eager.read();
            ca2 = eagerAgain.read();
            cb = graph.read();
        }
        assertEquals(6, ca.finiteSteps());
        assertEquals(6, cb.finiteSteps());
        String what = " (clip " + clip + ", soft " + soft + ")";
        Map<String, double[]> x = state(a, oa, ea), x2 = state(a2, oa2, ea2), y = state(b, ob, eb);
        assertEquals(x.keySet(), x2.keySet());
        for (String k : x.keySet()) {
            assertArrayEquals(x.get(k), x2.get(k), k + what + ": two eager runs differ, so the GPU step is not bit-reproducible"
                    + " (a kernel sums in a run-dependent order): nothing to compare the replay against");
        }
        assertEquals(Double.doubleToLongBits(ca.lossSum()), Double.doubleToLongBits(ca2.lossSum()), "loss sums of two eager runs");
        double moved = 0;
        for (var e : init.entrySet()) {
            double[] now = x.get(e.getKey());
            for (int i = 0; i < now.length; i++) moved = Math.max(moved, Math.abs(now[i] - e.getValue()[i]));
        }
        assertTrue(moved > 1e-4, "six steps moved the weights by only " + moved);
        assertEquals(Double.doubleToLongBits(ca.lossSum()), Double.doubleToLongBits(cb.lossSum()), "loss sums");
        assertEquals(x.keySet(), y.keySet());
        for (String k : x.keySet()) assertArrayEquals(x.get(k), y.get(k), k + what + ": the graph replay differs from the eager steps");
    }

    @Test
    void replaysGiveTheEagerStepsBitForBitWithChangingDropPathMasks() {
        compare(0, false);
    }

    @Test
    void withClippingAndSoftTargetsToo() {
        compare(1.0, true);
    }
}
