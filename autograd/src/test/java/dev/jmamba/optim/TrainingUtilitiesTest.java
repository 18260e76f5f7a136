package dev.jmamba.optim;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.BatchNorm2d;
import dev.jmamba.nn.Init;
import dev.jmamba.nn.LayerNorm;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Module;
import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LR schedule values, gradient clipping, EMA, weight-decay groups and optimizer state round trips. */
class TrainingUtilitiesTest {

    @Test void warmupCosineValues() {
        double base = 1e-3, start = 1e-6, min = 1e-5;
        LrSchedule s = LrSchedule.warmupCosine(base, 10, 110, start, min);
        assertEquals(start, s.lr(0), 1e-18);
        assertEquals(start + (base - start) * 0.5, s.lr(5), 1e-18);            // half-way through warm-up
        assertEquals(base, s.lr(10), 1e-18);                                    // cosine starts at base
        assertEquals(min + (base - min) * 0.5 * (1 + Math.cos(Math.PI / 4)), s.lr(35), 1e-18); // progress 1/4
        assertEquals(min + (base - min) * 0.5, s.lr(60), 1e-18);               // progress 1/2
        assertEquals(min, s.lr(110), 1e-18);
        assertEquals(min, s.lr(500), 1e-18);
        assertEquals(0.3, LrSchedule.warmupCosine(0.3, 0, 10, 0, 0).lr(0), 0);   // no warm-up
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.warmupCosine(base, 10, 10, 0, 0));
    }

    @Test void clipGlobalNormScalesAllGradients() {
        Scalars m = new Scalars(new double[] {1, 2, 3}, new double[] {4, 5});
        m.setGrads(new double[] {3, 0, 4}, new double[] {12, 0});             // norm sqrt(9 + 16 + 144) = 13
        double total = GradClip.clipGlobalNorm(m.parameters(), 6.5);
        assertEquals(13, total, 1e-12);
        double c = 6.5 / (13 + 1e-6);
        assertArrayEquals(new double[] {3 * c, 0, 4 * c}, m.a.grad().toDoubleArray(), 1e-15);
        assertArrayEquals(new double[] {12 * c, 0}, m.b.grad().toDoubleArray(), 1e-15);
        m.setGrads(new double[] {3, 0, 4}, new double[] {12, 0});
        assertEquals(13, GradClip.clipGlobalNorm(m.parameters(), 20), 1e-12);
        assertArrayEquals(new double[] {3, 0, 4}, m.a.grad().toDoubleArray(), 0, "below the limit nothing changes");
    }

    static final class Net extends Module {
        final Linear fc;
        final BatchNorm2d bn;

        Net(long seed) {
            param("pos_embed", Init.constant(0.1, 1, 3, 4));
            fc = register("fc", new Linear(4, 4, true, seed));
            register("norm", new LayerNorm(4));
            bn = register("bn", new BatchNorm2d(2));
        }

        /** A scalar loss touching pos_embed, fc and norm. */
        Var loss(Var x) {
            Var h = ((LayerNorm) namedChildren().get("norm")).forward(fc.forward(x.add(namedParameters().get("pos_embed").var())));
            return h.square().mean();
        }
    }

    @Test void noDecayGroupsFollowTimmRules() {
        Net net = new Net(1);
        List<ParamGroup> groups = ParamGroups.noDecayFor(net, 0.05, "pos_embed");
        assertEquals(Set.of("fc.weight"), groups.get(0).params().keySet());
        assertEquals(0.05, groups.get(0).weightDecay());
        assertEquals(Set.of("pos_embed", "fc.bias", "norm.weight", "norm.bias", "bn.weight", "bn.bias"), groups.get(1).params().keySet());
        assertEquals(0, groups.get(1).weightDecay());
        var e = assertThrows(IllegalArgumentException.class, () -> ParamGroups.noDecayFor(net, 0.05, "cls_token"));
        assertTrue(e.getMessage().contains("cls_token"), e.getMessage());
    }

    @Test void emaAveragesParametersAndCopiesBuffers() {
        Net net = new Net(2);
        Ema ema = new Ema(net, 0.9);
        double[] w0 = net.fc.weight().value().toDoubleArray();
        net.fc.weight().set(net.fc.weight().value().add(1));
        net.bn.runningMean().fill(3);
        ema.update(net);
        Map<String, Tensor> shadow = ema.stateDict();
        double[] expected = new double[w0.length];
        for (int i = 0; i < w0.length; i++) expected[i] = 0.9 * w0[i] + 0.1 * (w0[i] + 1);
        assertArrayEquals(expected, shadow.get("fc.weight").toDoubleArray(), 1e-6);      // F32 arithmetic
        assertArrayEquals(new double[] {3, 3}, shadow.get("bn.running_mean").toDoubleArray(), 0);
        Net eval = new Net(99);
        ema.copyTo(eval);
        assertArrayEquals(expected, eval.fc.weight().value().toDoubleArray(), 1e-6);
        Ema restored = new Ema(new Net(5), 0.9);
        restored.loadStateDict(shadow);
        assertArrayEquals(expected, restored.stateDict().get("fc.weight").toDoubleArray(), 1e-6);
    }

    private static void trainSteps(Net net, Optimizer opt, int from, int to) {
        for (int step = from; step < to; step++) {
            net.zeroGrad();
            net.loss(Var.of(Tensor.randn(100 + step, 2, 3, 4))).backward();
            opt.step();
        }
    }

    @Test void optimizerStateRoundTripContinuesIdentically() {
        Net a = new Net(3);
        AdamW optA = new AdamW(ParamGroups.noDecayFor(a, 0.05, "pos_embed"), 0.01);
        trainSteps(a, optA, 0, 3);
        Map<String, Tensor> modelState = Map.copyOf(a.stateDict()), optState = optA.stateDict();
        assertEquals(3, optState.get("step").item());
        assertTrue(optState.containsKey("exp_avg.fc.weight") && optState.containsKey("exp_avg_sq.pos_embed"));
        long stateBytes = 0;   // the state tensors (exp_avg, exp_avg_sq: float32), not the step counters
        for (var s : optState.entrySet()) if (!s.getKey().contains("step")) stateBytes += 4L * s.getValue().numel();
        assertTrue(stateBytes > 0);
        assertEquals(stateBytes, optA.stateBytes());

        Net b = new Net(4);
        b.loadStateDict(modelState, true);
        AdamW optB = new AdamW(ParamGroups.noDecayFor(b, 0.05, "pos_embed"), 0.01);
        optB.loadStateDict(optState);
        trainSteps(a, optA, 3, 6);
        trainSteps(b, optB, 3, 6);
        for (var e : a.namedParameters().entrySet()) {
            Parameter pb = b.namedParameters().get(e.getKey());
            assertArrayEquals(e.getValue().value().toFloatArray(), pb.value().toFloatArray(), e.getKey());
        }
        var bad = new java.util.LinkedHashMap<>(optState);
        bad.put("exp_avg.nope", Tensor.zeros(1));
        bad.put("exp_avg.fc.weight", Tensor.zeros(2));
        var e = assertThrows(IllegalArgumentException.class, () -> optB.loadStateDict(bad));
        assertTrue(e.getMessage().contains("exp_avg.nope") && e.getMessage().contains("exp_avg.fc.weight"), e.getMessage());
    }
}
