package dev.jmamba.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Storage;
import dev.jmamba.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link NormOutputRecompute}: under autocast a product of a {@link Var#layerNormForProducts} output keeps the norm's
 * x̂ instead of the output, and its backward rebuilds the output from x̂. The rebuilt output has the forward's bits
 * (BackendContractLayerNormBf16Test), so every gradient must equal, bit for bit, the gradients of the same graph
 * with the products keeping the output ({@code -Djmamba.autocast.recomputeNormOutputs=false}); the output itself is
 * then freed with its block's region instead of being held until backward.
 */
class NormOutputRecomputeTest {
    private static final String PROPERTY = "jmamba.autocast.recomputeNormOutputs";
    private static final int B = 2, L = 5, C = 16, OUT = 12;

    @AfterEach void clearProperty() { System.clearProperty(PROPERTY); }

    private static Tensor values(long seed, double scale, int... shape) {
        Random r = new Random(seed);
        int n = 1;
        for (int s : shape) n *= s;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = scale * (2 * r.nextDouble() - 1) + 0.2 * (i % 3);
        return Tensor.of(v, shape).to(DType.F32);
    }

    /** The leaves and what the products' forward kept. */
    private record Run(Var x, Var gamma, Var beta, Var wRows, Var wCols, Storage normOutput, float[] loss) {}

    /**
     * x (B, L, C) → n = LN(x) bf16 → p = n @ wRowsᵀ (B, L, OUT) and q = wCols (1, OUT, C) @ nᵀ (B, OUT, L) — the
     * two ways the models multiply a norm output (fc1 / out_proj, and VMamba's in_proj into channels-first rows) —
     * inside an Activations region, then backward of Σ p·gp + Σ q·gq.
     */
    private static Run run(boolean recompute) {
        System.setProperty(PROPERTY, Boolean.toString(recompute));
        Var x = Var.of(values(1, 1, B, L, C)).requiresGrad(true);
        Var gamma = Var.of(values(2, 0.5, C).add(Tensor.full(1, DType.F32, x.value().device(), C))).requiresGrad(true);
        Var beta = Var.of(values(3, 0.5, C)).requiresGrad(true);
        Var wRows = Var.of(values(4, 0.3, OUT, C)).requiresGrad(true);
        Var wCols = Var.of(values(5, 0.3, OUT, C)).requiresGrad(true);
        Tensor gp = values(6, 1, B, L, OUT), gq = values(7, 1, B, OUT, L);
        Storage[] normOutput = new Storage[1];
        Var loss;
        try (var autocast = Autocast.bf16()) {
            Var[] pq = Activations.regionOf(() -> {
                Var n = x.layerNormForProducts(gamma, beta, 1e-5);               // (B, L, C) bf16
                normOutput[0] = n.value().storage();
                Var p = n.matmul(wRows.transpose(0, 1));                         // (B, L, OUT)
                Var q = wCols.unsqueeze(0).matmul(n.transpose(1, 2));            // (B, OUT, L)
                return new Var[] {p, q};
            });
            assertEquals(DType.BF16, x.layerNormForProducts(gamma, beta, 1e-5).dtype(), "a bf16 norm output");
            loss = pq[0].mul(Var.of(gp)).sum().add(pq[1].mul(Var.of(gq)).sum());
        }
        loss.backward();
        return new Run(x, gamma, beta, wRows, wCols, normOutput[0], loss.value().toFloatArray());
    }

    @Test void gradientsEqualThoseOfProductsThatKeepTheNormOutput() {
        try (Scope s = Scope.open()) {
            Run kept = run(false), rebuilt = run(true);
            assertArrayEquals(kept.loss, rebuilt.loss, "the forward is unchanged");
            assertArrayEquals(kept.x.grad().toFloatArray(), rebuilt.x.grad().toFloatArray(), "dx");
            assertArrayEquals(kept.gamma.grad().toFloatArray(), rebuilt.gamma.grad().toFloatArray(), "dγ");
            assertArrayEquals(kept.beta.grad().toFloatArray(), rebuilt.beta.grad().toFloatArray(), "dβ");
            assertArrayEquals(kept.wRows.grad().toFloatArray(), rebuilt.wRows.grad().toFloatArray(), "d wRows (norm output as the left operand)");
            assertArrayEquals(kept.wCols.grad().toFloatArray(), rebuilt.wCols.grad().toFloatArray(), "d wCols (transposed norm output as the right operand)");
            assertEquals(DType.F32, rebuilt.wRows.grad().dtype());
        }
    }

    @Test void theNormOutputIsFreedWithItsRegionWhenRebuiltAndKeptOtherwise() {
        assertTrue(normOutputReleasedAfterRegion(true), "no node keeps the bf16 norm output: freed when the region closed");
        assertFalse(normOutputReleasedAfterRegion(false), "kept by the product until backward when not rebuilt");
    }

    /** LN → product inside a region under bf16 autocast: whether the norm output was freed when the region closed (then backward). */
    private static boolean normOutputReleasedAfterRegion(boolean recompute) {
        System.setProperty(PROPERTY, Boolean.toString(recompute));
        try (Scope s = Scope.open(); var autocast = Autocast.bf16()) {
            Var x = Var.of(values(1, 1, B, L, C)).requiresGrad(true);
            Var w = Var.of(values(4, 0.3, OUT, C)).requiresGrad(true);
            Storage[] out = new Storage[1];
            Var p = Activations.region(() -> {
                Var n = x.layerNormForProducts(null, null, 1e-5);
                out[0] = n.value().storage();
                return n.matmul(w.transpose(0, 1));
            });
            boolean released = out[0].isReleased();
            p.sum().backward();
            assertEquals(DType.F32, w.grad().dtype(), "the product's backward ran (rebuilding the output when it was freed)");
            return released;
        }
    }

    /** A frozen norm (nothing to differentiate: no node keeps x̂) or a released x̂ leaves the product keeping the output. */
    @Test void withoutALiveXhatTheProductKeepsTheOutput() {
        System.setProperty(PROPERTY, "true");
        try (Scope s = Scope.open(); var autocast = Autocast.bf16()) {
            Var w = Var.of(values(4, 0.3, OUT, C)).requiresGrad(true);
            Var frozen = Var.of(values(1, 1, B, L, C)).layerNormForProducts(null, null, 1e-5);
            Var p = frozen.matmul(w.transpose(0, 1));
            assertTrue(java.util.Arrays.asList(p.node.saved).contains(frozen.value()), "frozen norm: the output itself is kept");
            p.sum().backward();
            assertEquals(DType.F32, w.grad().dtype());

            Var x = Var.of(values(2, 1, B, L, C)).requiresGrad(true);
            Var n = x.layerNormForProducts(null, null, 1e-5);
            for (Tensor t : n.node.saved) if (t != null && t.dtype() == DType.BF16) t.storage().release();   // x̂ gone
            Var q = n.matmul(w.transpose(0, 1));
            assertTrue(java.util.Arrays.asList(q.node.saved).contains(n.value()), "released x̂: the output itself is kept");
        }
    }

    @Test void theProductNodeKeepsTheNormsXhatAndParametersNotItsOutput() {
        System.setProperty(PROPERTY, "true");
        try (Scope s = Scope.open(); var autocast = Autocast.bf16()) {
            Var x = Var.of(values(1, 1, B, L, C)).requiresGrad(true);
            Var gamma = Var.of(values(2, 0.5, C)).requiresGrad(true), beta = Var.of(values(3, 0.5, C)).requiresGrad(true);
            Var w = Var.of(values(4, 0.3, OUT, C)).requiresGrad(true);
            Var n = x.layerNormForProducts(gamma, beta, 1e-5);
            Var p = n.matmul(w.transpose(0, 1));
            assertNotNull(p.node);
            List<Storage> saved = new ArrayList<>();
            for (Tensor t : p.node.saved) if (t != null) saved.add(t.storage());
            assertFalse(saved.contains(n.value().storage()), "the bf16 norm output is not kept");
            Tensor xhat = null;
            for (Tensor t : n.node.saved) if (t != null && t.dtype() == DType.BF16) xhat = t;
            assertNotNull(xhat);
            assertTrue(saved.contains(xhat.storage()), "the norm's x̂ is kept (shared with the norm's node)");
            assertTrue(saved.contains(beta.value().storage()), "β, which the norm's own backward does not read");
        }
    }
}
