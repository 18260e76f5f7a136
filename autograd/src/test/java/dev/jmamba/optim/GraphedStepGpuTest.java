package dev.jmamba.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.BatchNorm2d;
import dev.jmamba.nn.GELU;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Losses;
import dev.jmamba.nn.Sequential;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A training step captured in a CUDA graph and replayed on new batches against the same steps run
 * eagerly from the same initial state: an MLP (Linear, GELU, Linear, cross-entropy) with AdamW,
 * two weight-decay groups and a warm-up/cosine schedule whose lr changes at every replay.
 *
 * <p>Tolerance 0, bit for bit, for every loss and, at the end, every parameter and optimizer
 * state tensor. A replay runs the very kernels the eager step queues, with the same arguments, on
 * the same data: cuBLAS GEMMs are bit-reproducible on one GPU with one workspace, the reductions
 * are tree reductions without atomics, and the only atomic kernel (the scatter-add of the gather
 * backward) adds one value per output element, onto zero. The optimizer factors are the doubles
 * the eager step derives (uploaded instead of passed). Any difference is a bug, not rounding.
 */
@Tag("gpu")
class GraphedStepGpuTest {
    private static final Device GPU = Device.cuda(0);
    private static final int WARMUP = 2, REPLAYS = 6, BATCH = 64, IN = 48, HIDDEN = 96, CLASSES = 10;
    private static final LrSchedule SCHEDULE = LrSchedule.warmupCosine(3e-3, 3, WARMUP + REPLAYS, 1e-4, 1e-5);

    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
    }

    private static Sequential net() {
        Sequential net = new Sequential(new Linear(IN, HIDDEN, true, 21), new GELU(), new Linear(HIDDEN, CLASSES, true, 22));
        net.to(GPU);
        return net;
    }

    private static AdamW optimizer(Sequential net) {
        return new AdamW(ParamGroups.noDecayFor(net, 0.05), SCHEDULE.lr(0));
    }

    /** Batch s: (B, IN) F32 inputs and (B) I64 labels, on the GPU. Warm-up steps all use batch 0. */
    private static Tensor inputs(int s) {
        return Scope.unowned(() -> Tensor.random(RandomKind.NORMAL, 500 + s, 0, 1, DType.F32, GPU, BATCH, IN));
    }

    private static Tensor labels(int s) {
        long[] y = new long[BATCH];
        for (int i = 0; i < BATCH; i++) y[i] = (i * 7L + s * 3L) % CLASSES;
        return Scope.unowned(() -> Tensor.of(y, BATCH).to(GPU));
    }

    /** The batch of step k: batch 0 for the warm-up steps, then 1, 2, ... */
    private static int batchOf(int k) { return k < WARMUP ? 0 : k - WARMUP + 1; }

    /** The lr of step k: warm-up steps run at the optimizer's initial lr, replays follow the schedule. */
    private static double lrOf(int k) { return k < WARMUP ? SCHEDULE.lr(0) : SCHEDULE.lr(k); }

    private static Tensor step(Sequential net, Optimizer opt, Tensor x, Tensor y) {
        Var loss = Losses.crossEntropy(net.forward(Var.of(x)), y, 0);
        loss.backward();
        opt.step();
        opt.zeroGrad();
        return loss.value();
    }

    private static Map<String, double[]> snapshot(Sequential net, Optimizer opt) {
        Map<String, double[]> out = new LinkedHashMap<>();
        net.stateDict().forEach((k, v) -> out.put(k, v.toDoubleArray()));
        opt.stateDict().forEach((k, v) -> out.put("optim." + k, v.toDoubleArray()));
        return out;
    }

    @Test
    void replaysEqualEagerStepsBitForBit() {
        Sequential eagerNet = net();
        AdamW eagerOpt = optimizer(eagerNet);
        double[] eagerLoss = new double[WARMUP + REPLAYS];
        for (int k = 0; k < WARMUP + REPLAYS; k++) {
            try (Scope s = Scope.open()) {
                eagerOpt.setLr(lrOf(k));
                eagerLoss[k] = step(eagerNet, eagerOpt, inputs(batchOf(k)), labels(batchOf(k))).item();
            }
        }

        Sequential net = net();
        AdamW opt = optimizer(net);
        Tensor x = inputs(0), y = labels(0);              // the static inputs: hold batch 0 for the warm-up
        double[] replayLoss = new double[REPLAYS];
        try (GraphedStep graphed = GraphedStep.capture(opt, List.of(x, y), WARMUP, () -> step(net, opt, x, y))) {
            assertTrue(opt.usesDeviceFactors());
            for (int r = 0; r < REPLAYS; r++) {
                int k = WARMUP + r;
                opt.setLr(lrOf(k));
                graphed.replay(inputs(batchOf(k)), labels(batchOf(k)));
                replayLoss[r] = graphed.loss().item();
            }
        }
        assertFalse(opt.usesDeviceFactors(), "close() puts the optimizer back in eager mode");
        for (int r = 0; r < REPLAYS; r++) assertEquals(eagerLoss[WARMUP + r], replayLoss[r], 0, "loss of replay " + r);
        Map<String, double[]> expected = snapshot(eagerNet, eagerOpt), actual = snapshot(net, opt);
        assertEquals(expected.keySet(), actual.keySet());
        for (String key : expected.keySet()) assertArrayEquals(expected.get(key), actual.get(key), key);
        assertTrue(eagerLoss[WARMUP + REPLAYS - 1] != eagerLoss[WARMUP], "the replays trained (the loss moved)");
    }

    /**
     * A BatchNorm2d inside the captured step: its running statistics and num_batches_tracked advance at every replay as
     * in the eager steps (bit for bit), because the count is incremented on the device (a host read of it, as before,
     * stopped the capture of FractalMamba-T's step: its conv head has a BatchNorm).
     */
    @Test
    void batchNormStatisticsAndCountAdvanceAtEveryReplay() {
        Sequential eagerNet = bnNet();
        AdamW eagerOpt = new AdamW(ParamGroups.noDecayFor(eagerNet, 0.0), 1e-3);
        for (int k = 0; k < WARMUP + REPLAYS; k++) {
            try (Scope s = Scope.open()) {
                bnStep(eagerNet, eagerOpt, images(batchOf(k)));
            }
        }
        Sequential net = bnNet();
        AdamW opt = new AdamW(ParamGroups.noDecayFor(net, 0.0), 1e-3);
        Tensor x = images(0);
        try (GraphedStep graphed = GraphedStep.capture(opt, List.of(x), WARMUP, () -> bnStep(net, opt, x))) {
            for (int r = 0; r < REPLAYS; r++) graphed.replay(images(batchOf(WARMUP + r)));
        }
        Map<String, double[]> expected = snapshot(eagerNet, eagerOpt), actual = snapshot(net, opt);
        for (String key : expected.keySet()) assertArrayEquals(expected.get(key), actual.get(key), key);
        assertEquals(WARMUP + REPLAYS, (long) net.stateDict().get("0.num_batches_tracked").item(), "one count per step and replay");
    }

    private static Sequential bnNet() {
        Sequential net = new Sequential(new BatchNorm2d(6));
        net.to(GPU);
        return net;
    }

    /** Batch s: (B, 6, 5, 7) F32 images on the GPU. */
    private static Tensor images(int s) {
        return Scope.unowned(() -> Tensor.random(RandomKind.NORMAL, 900 + s, 1, 2, DType.F32, GPU, 8, 6, 5, 7));
    }

    private static Tensor bnStep(Sequential net, Optimizer opt, Tensor x) {
        Var loss = net.forward(Var.of(x)).square().mean();
        loss.backward();
        opt.step();
        opt.zeroGrad();
        return loss.value();
    }

    @Test
    void aHostReadInsideTheCapturedStepIsRefusedClearly() {
        Sequential net = net();
        AdamW opt = optimizer(net);
        Tensor x = inputs(0), y = labels(0);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GraphedStep.capture(opt, List.of(x, y), 1, () -> {
                    Tensor loss = step(net, opt, x, y);
                    loss.item();                             // a host sync: not allowed while capturing
                    return loss;
                }));
        assertTrue(e.getMessage().contains("cannot run while a CUDA graph is being captured"), e.getMessage());
        assertFalse(opt.usesDeviceFactors(), "a failed capture leaves the optimizer in eager mode");
        try (Scope s = Scope.open()) {                       // and the device still works eagerly
            assertTrue(Double.isFinite(step(net, opt, x, y).item()));
        }
    }
}
