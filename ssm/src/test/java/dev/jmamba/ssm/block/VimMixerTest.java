package dev.jmamba.ssm.block;

import static dev.jmamba.ssm.testing.BlockTestSupport.randomF64;
import static dev.jmamba.ssm.testing.BlockTestSupport.shapes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Parameter;
import dev.jmamba.ssm.testing.BlockTestSupport;
import dev.jmamba.ssm.testing.ModuleGradCheck;
import dev.jmamba.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link VimMixer}: gradients, Vim-T names and counts, the dt_proj_b quirk, the flip wiring. */
class VimMixerTest {

    @Test void gradcheckTinyMixer() {
        VimMixer mixer = new VimMixer(MambaConfig.of(4, 21).withDState(2));
        BlockTestSupport.f64(mixer);
        ModuleGradCheck.check(mixer, mixer::forward, randomF64(4, 2, 5, 4));
        mixer.zeroGrad();                                                   // the check above left its gradients
        ModuleGradCheck.check(mixer, mixer::forwardRows, randomF64(5, 2, 5, 4));
    }

    @Test void rowLayoutForwardEqualsTheFlipFormulation() {
        // forwardRows (channel-major rows, reverse conv/scan, scanPair; the GPU path) vs forwardReference (spec: token-major, explicit flips),
        // float64 on the CPU: equal to rounding (1e-10 of each result's largest magnitude: same sums, other orders)
        for (int[] c : new int[][] {{2, 7, 8, 3}, {3, 5, 12, 16}}) {     // (B, L, d_model, d_state)
            VimMixer mixer = new VimMixer(MambaConfig.of(c[2], 31).withDState(c[3]));
            BlockTestSupport.f64(mixer);
            Tensor h = randomF64(32, c[0], c[1], c[2]), gout = randomF64(33, c[0], c[1], c[2]);
            Var h1 = Var.param(h.copy()), h2 = Var.param(h.copy());
            Var y1 = mixer.forwardRows(h1);
            y1.backward(gout);
            Map<String, Tensor> g1 = new java.util.HashMap<>();
            mixer.namedParameters().forEach((k, p) -> g1.put(k, p.var().grad().copy()));
            mixer.zeroGrad();
            Var y2 = mixer.forwardReference(h2);
            y2.backward(gout);
            close("out", y2.value(), y1.value());
            close("dh", h2.grad(), h1.grad());
            mixer.namedParameters().forEach((k, p) -> close("d" + k, p.var().grad(), g1.get(k)));
        }
    }

    private static void close(String what, Tensor expected, Tensor actual) {
        double scale = 0;
        for (double v : expected.toDoubleArray()) scale = Math.max(scale, Math.abs(v));
        dev.jmamba.tensor.testing.TensorAssert.assertClose(expected, actual, 1e-10 * Math.max(scale, 1e-12), 0, what);
    }

    @Test void vimTinyLayerNamesShapesAndCount() {
        VimMixer mixer = new VimMixer(MambaConfig.of(192, 1));
        BlockTestSupport.assertKeysAndShapes(mixer, shapes(
                "in_proj.weight", new int[] {768, 192},
                "conv1d.weight", new int[] {384, 1, 4}, "conv1d.bias", new int[] {384},
                "x_proj.weight", new int[] {44, 384}, "dt_proj.weight", new int[] {384, 12}, "dt_proj.bias", new int[] {384},
                "A_log", new int[] {384, 16}, "D", new int[] {384},
                "conv1d_b.weight", new int[] {384, 1, 4}, "conv1d_b.bias", new int[] {384},
                "x_proj_b.weight", new int[] {44, 384}, "dt_proj_b.weight", new int[] {384, 12}, "dt_proj_b.bias", new int[] {384},
                "A_b_log", new int[] {384, 16}, "D_b", new int[] {384},
                "out_proj.weight", new int[] {192, 384}));
        // vim.md §4: in_proj 147,456; 2×conv1d 3,840; 2×x_proj 33,792; 2×dt_proj 9,984; 2×A_log 12,288;
        // 2×D 768; out_proj 73,728 = 282,048 per layer including its RMSNorm (192), so 281,856 for the mixer
        assertEquals(281_856, mixer.numParameters());
        for (String name : new String[] {"A_log", "D", "A_b_log", "D_b"}) {
            assertTrue(mixer.namedParameters().get(name).noWeightDecay(), name);
        }
    }

    @Test void dtProjBQuirkIsReproduced() {
        VimMixer mixer = new VimMixer(MambaConfig.of(32, 2));      // R = 2
        Map<String, Parameter> p = mixer.namedParameters();
        double bound = 1 / Math.sqrt(2);
        double[] biasB = p.get("dt_proj_b.bias").value().toDoubleArray();
        double maxB = 0;
        for (double v : biasB) maxB = Math.max(maxB, Math.abs(v));
        assertTrue(maxB > 0.1 && maxB <= bound, "dt_proj_b.bias is a plain Linear default bias: max |b| " + maxB);
        double[] biasF = p.get("dt_proj.bias").value().toDoubleArray();
        mixer.applyModelInit(24, 3);
        for (double v : p.get("dt_proj_b.bias").value().toDoubleArray()) assertEquals(0.0, v, "zeroed by the model re-init");
        assertArrayEquals(biasF, p.get("dt_proj.bias").value().toDoubleArray(), "dt_proj.bias is flagged no-reinit");
        double[] aB = p.get("A_b_log").value().toDoubleArray();
        for (int n = 0; n < 16; n++) assertEquals(Math.log(n + 1), aB[n], 1e-6);
    }

    @Test void withEqualBranchesReversingTheInputReversesTheOutput() {
        // mixer(h) = (F(h) + flip(F(flip h))) / 2 when both branches are equal, so mixer(flip h) = flip(mixer(h));
        // a missing or extra flip (of x, z or the output) breaks this
        VimMixer mixer = new VimMixer(MambaConfig.of(8, 5).withDState(3));
        BlockTestSupport.f64(mixer);
        Map<String, Parameter> p = mixer.namedParameters();
        for (String[] pair : new String[][] {{"conv1d.weight", "conv1d_b.weight"}, {"conv1d.bias", "conv1d_b.bias"},
                {"x_proj.weight", "x_proj_b.weight"}, {"dt_proj.weight", "dt_proj_b.weight"}, {"dt_proj.bias", "dt_proj_b.bias"},
                {"A_log", "A_b_log"}, {"D", "D_b"}}) {
            p.get(pair[1]).set(p.get(pair[0]).value());
        }
        Tensor h = randomF64(6, 2, 7, 8);
        Tensor y = mixer.forward(Var.of(h)).value();
        Tensor yFlipped = mixer.forward(Var.of(h.flip(1))).value();
        assertTrue(y.flip(1).maxAbsDiff(yFlipped) < 1e-12);
        // and the mixer is not causal: the last token reaches the first output
        Tensor h2 = h.copy();
        h2.narrow(1, 6, 1).fill(2.0);
        assertTrue(mixer.forward(Var.of(h2)).value().narrow(1, 0, 1).maxAbsDiff(y.narrow(1, 0, 1)) > 1e-8);
    }
}
