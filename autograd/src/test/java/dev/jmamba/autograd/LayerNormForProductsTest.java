package dev.jmamba.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Var#layerNormForProducts}: outside autocast exactly {@link Var#layerNorm}; under a bf16 scope a bf16 output,
 * a node that keeps the bf16 x̂ and float32 rstd (no float32 (..., C) tensor), float32 gradients close to the float32
 * path's. The backend op against float64 loops is BackendContractLayerNormBf16Test's.
 *
 * <p>Tolerance of the gradients against the float32 LayerNorm's: the bf16 path differs only by reading x̂ rounded to
 * bf16 (2⁻⁹ relative per element), which enters gx through x̂ · mean(g · x̂) — both factors — and gWeight through
 * Σ gy · x̂: at most 2·2⁻⁹ = 2⁻⁸ of the largest such term; we allow 2⁻⁷ of the largest gradient of each kind (rows of
 * 64 channels with |x̂| ≲ 3). gBias = Σ gy does not involve x̂: equal to 1e-6 relative (summation order only).
 */
class LayerNormForProductsTest {
    private static final Random RANDOM = new Random(1204);
    private static final int ROWS = 3 * 5, C = 64;

    private static Tensor values(double scale, int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = scale * (2 * RANDOM.nextDouble() - 1) + (i / C) * 0.3;   // a per-row offset
        return Tensor.of(v, shape).to(DType.F32);
    }

    private record Run(Var y, Var x, Var w, Var b) {}

    private static Run run(Tensor x, Tensor w, Tensor b, Tensor gy, boolean scoped) {
        Var vx = Var.of(x).requiresGrad(true), vw = Var.of(w).requiresGrad(true), vb = Var.of(b).requiresGrad(true);
        Var y;
        if (scoped) {
            try (var scope = Autocast.bf16()) { y = vx.layerNormForProducts(vw, vb, 1e-5); }
        } else {
            y = vx.layerNormForProducts(vw, vb, 1e-5);
        }
        y.backward(gy.to(y.dtype() == DType.BF16 ? DType.F32 : y.dtype()));
        return new Run(y, vx, vw, vb);
    }

    /** got float32 and within 2⁻⁷ of want's largest magnitude, element by element (the class comment's bound). */
    private static void assertCloseToMax(Tensor want, Tensor got, String what) {
        assertEquals(DType.F32, got.dtype(), what + " dtype");
        float[] w = want.toFloatArray(), g = got.toFloatArray();
        double max = 0;
        for (float v : w) max = Math.max(max, Math.abs(v));
        for (int i = 0; i < w.length; i++) assertEquals(w[i], g[i], 0x1p-7 * max, what + "[" + i + "]");
    }

    @Test void outsideAutocastItIsLayerNorm() {
        Tensor x = values(1, 3, 5, C), w = values(0.5, C), b = values(0.5, C), gy = values(1, 3, 5, C);
        Run got = run(x, w, b, gy, false);
        Var vx = Var.of(x).requiresGrad(true), vw = Var.of(w).requiresGrad(true), vb = Var.of(b).requiresGrad(true);
        Var want = vx.layerNorm(vw, vb, 1e-5);
        want.backward(gy);
        assertEquals("layerNorm", got.y.node.op);
        assertArrayEquals(want.value().toFloatArray(), got.y.value().toFloatArray());
        assertArrayEquals(vx.grad().toFloatArray(), got.x.grad().toFloatArray());
        assertArrayEquals(vw.grad().toFloatArray(), got.w.grad().toFloatArray());
        assertArrayEquals(vb.grad().toFloatArray(), got.b.grad().toFloatArray());
    }

    @Test void underBf16ItWritesBf16KeepsTheBf16NormalisedRowsAndGivesFloat32Gradients() {
        Tensor x = values(1, 3, 5, C), w = values(0.5, C).add(Tensor.full(1, DType.F32, x.device(), C)), b = values(0.5, C);
        Tensor gy = values(1, 3, 5, C);
        Run bf = run(x, w, b, gy, true), fp = run(x, w, b, gy, false);
        assertEquals(DType.BF16, bf.y.dtype(), "the output the products read is bf16");
        assertEquals("layerNormBf16", bf.y.node.op);
        assertEquals(Autocast.OpPrecision.BF16_IO, Autocast.precisionOf(bf.y.node.op));
        for (Tensor saved : bf.y.node.saved) {
            if (saved == null || saved.rank() < 3) continue;   // weight (C), rstd (3, 5)
            assertEquals(DType.BF16, saved.dtype(), "the only (..., C) tensor kept for backward is the bf16 x̂");
        }
        float[] yb = bf.y.value().to(DType.F32).toFloatArray(), yf = fp.y.value().toFloatArray();
        // y = bf16(bf16(x̂)·w + b): x̂'s rounding (2⁻⁹ of |x̂·w| = |y − b|) and y's (2⁻⁹ of |y|), one margin of 2 on both
        float[] bv = b.toFloatArray();
        for (int i = 0; i < yf.length; i++) {
            assertEquals(yf[i], yb[i], 0x1p-8 * (Math.abs(yf[i]) + Math.abs(yf[i] - bv[i % C])) + 1e-6, "y[" + i + "] is y of the bf16 x̂, rounded to bf16");
        }
        assertCloseToMax(fp.x.grad(), bf.x.grad(), "dx");
        assertCloseToMax(fp.w.grad(), bf.w.grad(), "dweight");
        float[] gb = bf.b.grad().toFloatArray(), gbf = fp.b.grad().toFloatArray();
        for (int i = 0; i < C; i++) assertEquals(gbf[i], gb[i], 1e-6 * Math.max(1, Math.abs(gbf[i])), "dbias[" + i + "]");
        assertTrue(bf.x.grad().toFloatArray().length == ROWS * C);
    }
}
