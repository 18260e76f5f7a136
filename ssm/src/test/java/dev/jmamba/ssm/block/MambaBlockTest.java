package dev.jmamba.ssm.block;

import static dev.jmamba.ssm.testing.BlockTestSupport.randomF64;
import static dev.jmamba.ssm.testing.BlockTestSupport.shapes;
import static dev.jmamba.ssm.testing.BlockTestSupport.softplus;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.ssm.testing.BlockTestSupport;
import dev.jmamba.ssm.testing.ModuleGradCheck;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** {@link MambaBlock}: gradients, official names and counts, the special initialisations, causality. */
class MambaBlockTest {

    @Test void gradcheckTinyBlock() {
        MambaBlock block = new MambaBlock(MambaConfig.of(4, 11).withDState(2));
        BlockTestSupport.f64(block);
        ModuleGradCheck.check(block, block::forward, randomF64(1, 2, 5, 4));
    }

    @Test void namesShapesAndCountForDModel192() {
        MambaBlock block = new MambaBlock(MambaConfig.of(192, 1));    // d_inner 384, N 16, R 12
        BlockTestSupport.assertKeysAndShapes(block, shapes(
                "in_proj.weight", new int[] {768, 192}, "conv1d.weight", new int[] {384, 1, 4}, "conv1d.bias", new int[] {384},
                "x_proj.weight", new int[] {44, 384}, "dt_proj.weight", new int[] {384, 12}, "dt_proj.bias", new int[] {384},
                "A_log", new int[] {384, 16}, "D", new int[] {384}, "out_proj.weight", new int[] {192, 384}));
        // 147,456 + 1,920 + 16,896 + 4,992 + 6,144 + 384 + 73,728 (the forward half of a Vim-T mixer, vim.md §4)
        assertEquals(251_520, block.numParameters());
        assertTrue(block.namedParameters().get("A_log").noWeightDecay());
        assertTrue(block.namedParameters().get("D").noWeightDecay());
    }

    @Test void initialisationFollowsTheSpec() {
        MambaConfig c = MambaConfig.of(192, 5);
        MambaBlock block = new MambaBlock(c);
        var p = block.namedParameters();
        double[] aLog = p.get("A_log").value().toDoubleArray();
        for (int d = 0; d < 384; d++) {
            for (int n = 0; n < 16; n++) assertEquals(-(n + 1), -Math.exp(aLog[d * 16 + n]), 1e-5, "A = -[1..N]");
        }
        for (double v : p.get("D").value().toDoubleArray()) assertEquals(1.0, v);
        double bound = 1 / Math.sqrt(12);
        for (double v : p.get("dt_proj.weight").value().toDoubleArray()) assertTrue(Math.abs(v) <= bound, "dt_proj.weight " + v);
        // with the projected part 0, dt = softplus(bias) lies in [dt_min, dt_max] (float32-rounded)
        double lo = 1, hi = 0;
        for (double b : p.get("dt_proj.bias").value().toDoubleArray()) {
            double dt = softplus(b);
            assertTrue(dt >= 1e-3 * (1 - 1e-5) && dt <= 0.1 * (1 + 1e-5), "dt " + dt);
            lo = Math.min(lo, dt);
            hi = Math.max(hi, dt);
        }
        // log-uniform over two decades with 384 draws: both ends are reached within a factor 3
        assertTrue(lo < 3e-3 && hi > 0.033, "dt range " + lo + " .. " + hi);
    }

    @Test void outputsDependOnlyOnEarlierTokens() {
        MambaBlock block = new MambaBlock(MambaConfig.of(8, 3).withDState(4));
        BlockTestSupport.f64(block);
        Tensor x = randomF64(2, 1, 6, 8);
        Tensor y = block.forward(Var.of(x)).value();
        Tensor x2 = x.copy();
        x2.narrow(1, 4, 1).fill(3.0);                                  // change token 4 only
        Tensor y2 = block.forward(Var.of(x2)).value();
        assertEquals(0, y.narrow(1, 0, 4).maxAbsDiff(y2.narrow(1, 0, 4)));
        assertTrue(y.narrow(1, 4, 2).maxAbsDiff(y2.narrow(1, 4, 2)) > 1e-6);
        assertArrayEquals(new int[] {1, 6, 8}, y.shape());
    }

    @Test void modelInitRescalesOutProjAndKeepsDtBias() {
        MambaBlock block = new MambaBlock(MambaConfig.of(16, 4));
        double[] bias = block.namedParameters().get("dt_proj.bias").value().toDoubleArray();
        block.applyModelInit(24, 9);
        assertArrayEquals(bias, block.namedParameters().get("dt_proj.bias").value().toDoubleArray());
        double bound = 1 / Math.sqrt(32) / Math.sqrt(24), max = 0;
        for (double v : block.namedParameters().get("out_proj.weight").value().toDoubleArray()) max = Math.max(max, Math.abs(v));
        assertTrue(max <= bound && max > 0.8 * bound, "out_proj max |w| " + max + " vs bound " + bound);
    }

    @Test void float32ForwardMatchesFloat64() {
        MambaBlock b32 = new MambaBlock(MambaConfig.of(8, 6).withDState(4));
        MambaBlock b64 = new MambaBlock(MambaConfig.of(8, 6).withDState(4));
        BlockTestSupport.f64(b64);
        Tensor x = randomF64(3, 2, 70, 8);
        Tensor y64 = b64.forward(Var.of(x)).value(), y32 = b32.forward(Var.of(x.to(DType.F32))).value();
        // float32 chain of matmuls and a 70-step scan on O(1) values: 1e-4 absolute is ~1000 ulps
        assertTrue(y64.maxAbsDiff(y32) < 1e-4, "max diff " + y64.maxAbsDiff(y32));
    }

    @Test void badInputIsNamed() {
        MambaBlock block = new MambaBlock(MambaConfig.of(8, 3));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> block.forward(Var.of(Tensor.zeros(2, 5, 7))));
        assertTrue(e.getMessage().contains("(B, L, 8)") && e.getMessage().contains("[2, 5, 7]"), e.getMessage());
    }
}
