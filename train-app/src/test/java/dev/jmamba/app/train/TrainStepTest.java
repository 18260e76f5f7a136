package dev.jmamba.app.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.jmamba.app.data.Batch;
import dev.jmamba.vision.models.Classifier;
import dev.jmamba.vision.models.ModelRegistry;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Losses;
import dev.jmamba.optim.AdamW;
import dev.jmamba.optim.Ema;
import dev.jmamba.optim.GradClip;
import dev.jmamba.optim.ParamGroups;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The trainer's step without host reads against the host-decided step it replaces, on the CPU:
 * without clipping bit for bit (the same update pass reads the same doubles from the factor table),
 * with clipping to 1e-5 (the clip factor is folded into 1 − β1 / 1 − β2 instead of scaling g, and
 * the norm adds per-tensor float sums: an ulp-level difference per step); a batch with a NaN pixel
 * changes nothing — weights, moments, BatchNorm statistics, EMA — and is counted.
 */
class TrainStepTest {
    private static final int B = 6, K = 5, SIDE = 8;

    private static Classifier model() {
        return ModelRegistry.create(new ModelRegistry.ModelChoice("tiny-cnn", K, 3, SIDE, 0, 3));
    }

    private static Batch batch(int s, boolean nan) {
        SplittableRandom r = new SplittableRandom(50 + s);
        float[] x = new float[B * 3 * SIDE * SIDE];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        if (nan) x[17] = Float.NaN;
        int[] y = new int[B];
        for (int i = 0; i < B; i++) y[i] = r.nextInt(K);
        return new Batch(x, y, null, new int[B], 3, SIDE, SIDE, 0, s);
    }

    /** The reference: loss, backward, clip on the host, AdamW with host factors, EMA (the trainer's step before device gating). */
    private static void hostStep(Classifier m, AdamW opt, Ema ema, Batch b, double lr, double clip) {
        m.module().train(true);
        try (Scope scope = Scope.open()) {
            Var loss = Losses.crossEntropy(m.forward(Var.of(Tensor.wrap(b.images(), b.shape()))), b.labels(), 0.1);
            assertTrue(Double.isFinite(loss.value().item()));
            loss.backward();
            double norm = GradClip.clipGlobalNorm(m.module().parameters(), clip > 0 ? clip : Double.POSITIVE_INFINITY);
            if (clip > 0) assertTrue(norm > clip, "the clip acts: norm " + norm);
            opt.setLr(lr);
            opt.step();
            ema.update(m.module());
            opt.zeroGrad();
        }
    }

    private static Map<String, double[]> state(Classifier m, AdamW opt, Ema ema) {
        Map<String, double[]> out = new LinkedHashMap<>();
        m.module().stateDict().forEach((k, v) -> out.put(k, v.toDoubleArray()));
        opt.stateDict().forEach((k, v) -> out.put("optim." + k, v.toDoubleArray()));
        ema.stateDict().forEach((k, v) -> out.put("ema." + k, v.toDoubleArray()));
        return out;
    }

    private static void compare(double clip, double tolerance) {
        Classifier a = model(), b = model();
        AdamW oa = new AdamW(ParamGroups.noDecayFor(a.module(), 0.05), 1e-2), ob = new AdamW(ParamGroups.noDecayFor(b.module(), 0.05), 1e-2);
        Ema ea = new Ema(a.module(), 0.9), eb = new Ema(b.module(), 0.9);
        double lossSum = 0;
        try (TrainStep step = new TrainStep(b, ob, eb, clip, 0.1, Device.CPU, B, new int[] {3, SIDE, SIDE}, K, false)) {
            for (int s = 0; s < 5; s++) {
                double lr = 1e-2 * (s + 1) / 5;
                hostStep(a, oa, ea, batch(s, false), lr, clip);
                step.run(batch(s, false), lr, s);
            }
            TrainStep.Counters c = step.read();
            assertEquals(5, c.finiteSteps());
            assertEquals(0, c.nonfiniteSteps());
            assertTrue(Double.isFinite(c.lossSum()) && c.lossSum() > 0);
            lossSum = c.lossSum();
            assertEquals(0, step.read().finiteSteps(), "read starts new sums");
        }
        Map<String, double[]> x = state(a, oa, ea), y = state(b, ob, eb);
        assertEquals(x.keySet(), y.keySet());
        for (String k : x.keySet()) {
            if (tolerance == 0) assertArrayEquals(x.get(k), y.get(k), k);
            else for (int i = 0; i < x.get(k).length; i++) assertEquals(x.get(k)[i], y.get(k)[i], tolerance * Math.max(1, Math.abs(x.get(k)[i])), k);
        }
        assertTrue(lossSum > 0);
    }

    @Test
    void withoutClippingTheStepIsTheHostDecidedStepBitForBit() {
        compare(0, 0);
    }

    @Test
    void withClippingTheStepMatchesHostClippingToRounding() {
        compare(0.05, 1e-5);   // 0.05 is below the gradient norm here: the clip acts
    }

    @Test
    void aNonFiniteBatchChangesNothingAndIsCounted() {
        Classifier m = model();
        AdamW opt = new AdamW(ParamGroups.noDecayFor(m.module(), 0.05), 1e-2);
        Ema ema = new Ema(m.module(), 0.9);
        try (TrainStep step = new TrainStep(m, opt, ema, 1.0, 0, Device.CPU, B, new int[] {3, SIDE, SIDE}, K, false)) {
            step.run(batch(0, false), 1e-2, 0);
            Map<String, double[]> before = state(m, opt, ema);
            step.run(batch(1, true), 1e-2, 1);
            step.run(batch(2, true), 1e-2, 2);
            Map<String, double[]> after = state(m, opt, ema);
            for (String k : before.keySet()) {
                if (k.contains("step")) continue;   // the optimizer's counters advance (documented)
                assertArrayEquals(before.get(k), after.get(k), k);
            }
            assertTrue(before.keySet().stream().anyMatch(k -> k.contains("running_mean")), "the model has BatchNorm statistics");
            TrainStep.Counters c = step.read();
            assertEquals(1, c.finiteSteps());
            assertEquals(2, c.nonfiniteSteps());
            assertEquals(2, c.consecutiveNonfinite());
            step.run(batch(3, false), 1e-2, 3);
            TrainStep.Counters d = step.read();
            assertEquals(0, d.consecutiveNonfinite(), "a good step ends the run of bad ones");
            assertEquals(1, d.finiteSteps());
        }
    }

    /** --graph on the CPU: one sentence saying why, and the eager step's results bit for bit. */
    @Test
    void graphOnTheCpuSaysWhyAndStepsEagerly() {
        Classifier a = model(), b = model();
        AdamW oa = new AdamW(ParamGroups.noDecayFor(a.module(), 0.05), 1e-2), ob = new AdamW(ParamGroups.noDecayFor(b.module(), 0.05), 1e-2);
        Ema ea = new Ema(a.module(), 0.9), eb = new Ema(b.module(), 0.9);
        try (TrainStep eager = new TrainStep(a, oa, ea, 0, 0.1, Device.CPU, B, new int[] {3, SIDE, SIDE}, K, false);
             TrainStep graph = new TrainStep(b, ob, eb, 0, 0.1, Device.CPU, B, new int[] {3, SIDE, SIDE}, K, false, true)) {
            String note = graph.takeNote();
            assertNotNull(note);
            assertTrue(note.contains("--graph") && note.contains("cuda") && note.contains("eagerly"), note);
            assertNull(graph.takeNote(), "said once");
            for (int s = 0; s < 3; s++) {
                eager.run(batch(s, false), 1e-2, s);
                graph.run(batch(s, false), 1e-2, s);
            }
            assertFalse(graph.graphed());
            assertNull(graph.takeNote());
        }
        Map<String, double[]> x = state(a, oa, ea), y = state(b, ob, eb);
        for (String k : x.keySet()) assertArrayEquals(x.get(k), y.get(k), k);
    }
}
