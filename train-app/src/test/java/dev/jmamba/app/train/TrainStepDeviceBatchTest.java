package dev.jmamba.app.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.jmamba.app.data.Batch;
import dev.jmamba.app.data.DeviceBatch;
import dev.jmamba.app.data.MixupCutmix;
import dev.jmamba.optim.AdamW;
import dev.jmamba.optim.Ema;
import dev.jmamba.optim.ParamGroups;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.models.Classifier;
import dev.jmamba.vision.models.ModelRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The step on a batch whose images are already a device tensor ({@link DeviceBatch}, the nvJPEG path)
 * is the step on the same batch as host arrays: weights, optimizer and EMA state bit for bit after
 * several steps, with hard labels and with soft targets; a batch of the other kind is refused.
 */
class TrainStepDeviceBatchTest {
    private static final int B = 4, K = 3, SIDE = 8;

    private static Classifier model() {
        return ModelRegistry.create(new ModelRegistry.ModelChoice("tiny-cnn", K, 3, SIDE, 0, 5));
    }

    private static Batch batch(int s, boolean soft) {
        SplittableRandom r = new SplittableRandom(70 + s);
        float[] x = new float[B * 3 * SIDE * SIDE];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int[] y = new int[B];
        for (int i = 0; i < B; i++) y[i] = r.nextInt(K);
        float[] t = soft ? MixupCutmix.recipe(K).apply(x, y, 3, SIDE, SIDE, r).softTargets() : null;
        return new Batch(x, y, t, new int[B], 3, SIDE, SIDE, 0, s);
    }

    private static Map<String, double[]> state(Classifier m, AdamW opt, Ema ema) {
        Map<String, double[]> out = new LinkedHashMap<>();
        m.module().stateDict().forEach((k, v) -> out.put(k, v.toDoubleArray()));
        opt.stateDict().forEach((k, v) -> out.put("optim." + k, v.toDoubleArray()));
        ema.stateDict().forEach((k, v) -> out.put("ema." + k, v.toDoubleArray()));
        return out;
    }

    private static void compare(boolean soft) {
        Classifier a = model(), b = model();
        AdamW oa = new AdamW(ParamGroups.noDecayFor(a.module(), 0.05), 1e-2), ob = new AdamW(ParamGroups.noDecayFor(b.module(), 0.05), 1e-2);
        Ema ea = new Ema(a.module(), 0.9), eb = new Ema(b.module(), 0.9);
        int[] released = {0};
        try (TrainStep host = new TrainStep(a, oa, ea, 0.5, 0.1, Device.CPU, B, new int[] {3, SIDE, SIDE}, K, soft, false, false);
             TrainStep device = new TrainStep(b, ob, eb, 0.5, 0.1, Device.CPU, B, new int[] {3, SIDE, SIDE}, K, soft, false, true)) {
            for (int s = 0; s < 4; s++) {
                Batch h = batch(s, soft);
                host.run(h, 1e-2, s);
                try (Scope scope = Scope.open()) {
                    Tensor images = Tensor.of(h.images(), h.shape());
                    DeviceBatch d = new DeviceBatch(images, h.labels(), h.softTargets(), h.indices(), 0, s, () -> released[0]++);
                    device.run(d, 1e-2, s);
                    d.release();
                }
            }
            assertEquals(host.read().lossSum(), device.read().lossSum());
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> device.run(batch(9, soft), 1e-2, 9));
            assertTrue(e.getMessage().contains("set up for device batches"), e.getMessage());
        }
        assertEquals(4, released[0]);
        Map<String, double[]> x = state(a, oa, ea), y = state(b, ob, eb);
        assertEquals(x.keySet(), y.keySet());
        for (String k : x.keySet()) assertArrayEquals(x.get(k), y.get(k), k);
    }

    @Test
    void aDeviceBatchStepIsTheHostBatchStepBitForBit() {
        compare(false);
    }

    @Test
    void withSoftTargetsToo() {
        compare(true);
    }
}
