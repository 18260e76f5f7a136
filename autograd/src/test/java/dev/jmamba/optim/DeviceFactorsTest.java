package dev.jmamba.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.GELU;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Losses;
import dev.jmamba.nn.Sequential;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The optimizers' device-factor mode (factors uploaded by writeDeviceFactors, read by the update
 * from a tensor; what a replayed CUDA graph uses) against the eager mode on the CPU: a small MLP
 * trained with a warm-up/cosine schedule, two weight-decay groups, first eagerly throughout and
 * then eagerly for two steps and in device-factor mode for the rest. Tolerance 0: both modes pass
 * the same doubles to the same update pass, so parameters and state must match bit for bit.
 */
class DeviceFactorsTest {
    private static final int STEPS = 7, EAGER_FIRST = 2, BATCH = 8, IN = 6, CLASSES = 3;
    private static final LrSchedule SCHEDULE = LrSchedule.warmupCosine(1e-2, 3, STEPS, 1e-4, 1e-5);

    private static Sequential net() {
        return new Sequential(new Linear(IN, 16, true, 11), new GELU(), new Linear(16, CLASSES, true, 12));
    }

    /** Batch s: (B, IN) inputs and (B) labels, seeded by s. */
    private static Tensor inputs(int s) {
        SplittableRandom random = new SplittableRandom(100 + s);
        double[] x = new double[BATCH * IN];
        for (int i = 0; i < x.length; i++) x[i] = random.nextDouble(-1, 1);
        return Tensor.of(x, BATCH, IN);
    }

    private static int[] labels(int s) {
        int[] y = new int[BATCH];
        for (int i = 0; i < BATCH; i++) y[i] = (i * 5 + s) % CLASSES;
        return y;
    }

    private static void forwardBackward(Sequential net, int s) {
        Losses.crossEntropy(net.forward(Var.of(inputs(s).to(DType.F32))), labels(s), 0).backward();
    }

    /** Trains a fresh net; steps from {@code deviceFrom} on use device factors. Returns the params and optimizer state. */
    private static Map<String, Tensor> train(Function<Sequential, Optimizer> make, int deviceFrom) {
        Sequential net = net();
        Optimizer opt = make.apply(net);
        for (int s = 0; s < STEPS; s++) {
            if (s == deviceFrom) opt.useDeviceFactors();
            opt.setLr(SCHEDULE.lr(s));
            if (opt.usesDeviceFactors()) opt.writeDeviceFactors();   // before the step, as before a graph replay
            forwardBackward(net, s);
            opt.step();
            opt.zeroGrad();
        }
        Map<String, Tensor> out = new java.util.LinkedHashMap<>(net.stateDict());
        opt.stateDict().forEach((k, v) -> out.put("optim." + k, v));
        return out;
    }

    private static void assertSameBits(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String key : expected.keySet()) {
            assertArrayEquals(expected.get(key).toDoubleArray(), actual.get(key).toDoubleArray(), key);
        }
    }

    @Test
    void adamwDeviceFactorsEqualEagerBitForBit() {
        Function<Sequential, Optimizer> adamw = net -> new AdamW(ParamGroups.noDecayFor(net, 0.05), 1e-2);
        Map<String, Tensor> eager = train(adamw, Integer.MAX_VALUE), device = train(adamw, EAGER_FIRST);
        assertSameBits(eager, device);
        assertEquals(STEPS, (long) device.get("optim.step").item());
        assertEquals(STEPS, (long) device.get("optim.param_step.0.weight").item());
    }

    @Test
    void sgdDeviceFactorsEqualEagerBitForBit() {
        for (boolean nesterov : new boolean[] {false, true}) {
            Function<Sequential, Optimizer> sgd = net -> new Sgd(ParamGroups.noDecayFor(net, 0.01), 0.1, 0.9, nesterov);
            assertSameBits(train(sgd, Integer.MAX_VALUE), train(sgd, EAGER_FIRST));
        }
        Function<Sequential, Optimizer> plain = net -> new Sgd(ParamGroups.all(net, 0), 0.1, 0, false);
        assertSameBits(train(plain, Integer.MAX_VALUE), train(plain, EAGER_FIRST));
    }

    @Test
    void deviceFactorsNeedAnEagerStepFirst() {
        AdamW opt = new AdamW(ParamGroups.all(net(), 0), 1e-3);
        IllegalStateException e = assertThrows(IllegalStateException.class, opt::useDeviceFactors);
        assertTrue(e.getMessage().contains("at least one eager step()"), e.getMessage());
        IllegalStateException w = assertThrows(IllegalStateException.class, opt::writeDeviceFactors);
        assertTrue(w.getMessage().contains("useDeviceFactors() first"), w.getMessage());
    }

    @Test
    void aDeviceStepMustUpdateTheSameParameters() {
        Sequential net = net();
        AdamW opt = new AdamW(ParamGroups.all(net, 0), 1e-3);
        forwardBackward(net, 0);
        opt.step();
        opt.zeroGrad();
        opt.useDeviceFactors();
        opt.writeDeviceFactors();
        forwardBackward(net, 1);
        ((Linear) net.get(0)).bias().var().zeroGrad();     // a parameter without a gradient this time
        IllegalStateException e = assertThrows(IllegalStateException.class, opt::step);
        assertTrue(e.getMessage().contains("'0.bias' has no gradient"), e.getMessage());
        opt.useHostFactors();
        assertFalse(opt.usesDeviceFactors());
        opt.step();                                          // eager again: skips the parameter without a gradient
    }
}
