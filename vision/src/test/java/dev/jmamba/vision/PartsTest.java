package dev.jmamba.vision;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.globalmamba.DctBands;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shared parts: pos-embed resampling, DCT bands against a direct float64 reference, drop-path schedule, errors. */
class PartsTest {

    @Test
    void posEmbedResampleKeepsClsAndIsIdentityOnTheSameLayout() {
        Tensor pe = Tensor.randn(3, 1, 17, 5);                       // 4x4 grid + cls at 8
        TokenLayout from = TokenLayout.middleCls(4, 4), to = TokenLayout.middleCls(6, 6);
        assertEquals(0.0, PosEmbeds.resample(pe, from, from).maxAbsDiff(pe), 0.0);
        Tensor out = PosEmbeds.resample(pe, from, to);
        assertArrayEquals(new int[] {1, 37, 5}, out.shape());
        assertEquals(0.0, out.select(1, 18).maxAbsDiff(pe.select(1, 8)), 0.0, "cls vector moved to the new middle");
        // a constant grid stays constant under bicubic resampling (weights sum to 1)
        Tensor constant = Tensor.full(0.25, pe.dtype(), pe.device(), 1, 17, 5);
        Tensor r = PosEmbeds.resample(constant, from, to);
        assertEquals(0.0, r.maxAbsDiff(Tensor.full(0.25, pe.dtype(), pe.device(), 1, 37, 5)), 1e-6);
    }

    @Test
    void posEmbedResampleRejectsAWrongShape() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> PosEmbeds.resample(Tensor.zeros(1, 10, 4), TokenLayout.middleCls(4, 4), TokenLayout.middleCls(5, 5)));
        assertTrue(e.getMessage().contains("pos_embed"), e.getMessage());
    }

    /** Band i = IDCT(DCT(x) ⊙ triangle) computed with plain float64 loops over the full N×N basis. */
    @Test
    void dctBandsMatchAPlainReference() {
        int n = 12, c = 2;
        SplittableRandom rnd = new SplittableRandom(9);
        float[] img = new float[c * n * n];
        for (int i = 0; i < img.length; i++) img[i] = (float) rnd.nextGaussian();
        List<Var> bands = DctBands.bands(Var.of(Tensor.of(img, 1, c, n, n)));
        double[][] d = new double[n][n];
        for (int k = 0; k < n; k++) for (int i = 0; i < n; i++) {
            d[k][i] = (k == 0 ? Math.sqrt(1.0 / n) : Math.sqrt(2.0 / n)) * Math.cos(Math.PI * (2 * i + 1) * k / (2.0 * n));
        }
        for (int band = 0; band < 4; band++) {
            int s = band == 3 ? Integer.MAX_VALUE : n >> (2 - band);
            float[] got = bands.get(band).value().toFloatArray();
            for (int ch = 0; ch < c; ch++) {
                double[][] coeff = new double[n][n];
                for (int u = 0; u < n; u++) for (int v = 0; v < n; v++) {
                    double acc = 0;
                    for (int y = 0; y < n; y++) for (int x = 0; x < n; x++) acc += d[u][y] * img[(ch * n + y) * n + x] * d[v][x];
                    boolean keep = band == 3 || (u < s && v < s && u + v <= s - 1);
                    coeff[u][v] = keep ? acc : 0;
                }
                for (int y = 0; y < n; y++) for (int x = 0; x < n; x++) {
                    double acc = 0;
                    for (int u = 0; u < n; u++) for (int v = 0; v < n; v++) acc += d[u][y] * coeff[u][v] * d[v][x];
                    // float32 products of 12-term sums of O(1) values: 1e-4 absolute is ample
                    assertEquals(acc, got[(ch * n + y) * n + x], 1e-4, "band " + band + " ch " + ch + " at " + y + "," + x);
                }
            }
        }
    }

    @Test
    void dropPathScheduleIsLinear() {
        assertArrayEquals(new double[] {0, 0.05, 0.1}, DropPaths.linear(0.1, 3), 1e-12);
        assertArrayEquals(new double[] {0}, DropPaths.linear(0.3, 1), 0);
    }

    @Test
    void wrongInputsGiveClearMessages() {
        Backbone m = Backbones.create("vim-nano", 10, 28, 1, 1L);
        var e = assertThrows(IllegalArgumentException.class, () -> m.forward(Var.of(Tensor.zeros(1, 3, 28, 28))));
        assertTrue(e.getMessage().contains("(B, 1, H, W)"), e.getMessage());
        var u = assertThrows(IllegalArgumentException.class, () -> Backbones.create("vim-huge", 10, 28, 1, 1L));
        assertTrue(u.getMessage().contains("vim-huge") && u.getMessage().contains("vim-tiny"), u.getMessage());
        Backbone g = Backbones.create("globalmamba-nano", 10, 28, 1, 1L);
        var s = assertThrows(IllegalArgumentException.class, () -> g.forward(Var.of(Tensor.zeros(1, 1, 28, 32))));
        assertTrue(s.getMessage().contains("square"), s.getMessage());
    }

    @Test
    void costsAreReportedPerPart() {
        CostReport r = Backbones.cost("vmamba-tiny", 1000, 224, 3);
        assertEquals(6, r.parts().size(), r.parts().toString());     // patch embed, 4 stages, classifier
        assertEquals(r.params(), r.parts().stream().mapToLong(CostReport.Part::params).sum());
        assertTrue(r.flops() > Backbones.cost("vmamba-tiny", 1000, 112, 3).flops() * 3, "FLOPs grow with the resolution");
    }

    @Test void dctBasisCachedInsideAScopeOutlivesIt() {
        // the first call of a size inside a training step's Scope must not tie the cached basis to that scope
        // (found by bench train --model globalmamba-tiny: the second step read a released tensor)
        int n = 12;                                          // a size no other test caches first
        Tensor img = Tensor.randn(3, 1, 2, n, n);
        double[] first;
        try (dev.jmamba.tensor.Scope scope = dev.jmamba.tensor.Scope.open()) {
            first = DctBands.bands(Var.of(img)).get(0).value().toDoubleArray();
        }
        try (dev.jmamba.tensor.Scope scope = dev.jmamba.tensor.Scope.open()) {
            assertArrayEquals(first, DctBands.bands(Var.of(img)).get(0).value().toDoubleArray(), 0.0);
        }
    }
}
