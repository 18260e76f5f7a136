package dev.jmamba.vision;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.RandomTensors;
import dev.jmamba.vision.localmamba.LocalVimConfig;
import org.junit.jupiter.api.Test;


import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Rope2d} against the EVA-02 / Vim formula written out with plain loops, and its use in LocalVim. */
class Rope2dTest {

    private static Tensor random(long seed, int... shape) {
        return RandomTensors.gaussian(seed, shape);
    }

    /**
     * VisionRotaryEmbeddingFast(dim = D/2, pt 14, ft s): freqs = 1/10000^(arange(0, D/2, 2)/(D/2)),
     * each repeated twice, rows then columns concatenated; out = x·cos + rotate_half(x)·sin with
     * rotate_half(x)[2q] = −x[2q+1], [2q+1] = x[2q].
     */
    private static double[] reference(double[] x, int b, int s, int d) {
        double[] freqs = new double[d / 4];
        for (int m = 0; m < d / 4; m++) freqs[m] = 1 / Math.pow(10000, (2.0 * m) / (d / 2.0));
        double[] out = new double[x.length];
        for (int bb = 0; bb < b; bb++) {
            for (int i = 0; i < s; i++) {
                for (int j = 0; j < s; j++) {
                    int base = ((bb * s + i) * s + j) * d;
                    for (int ch = 0; ch < d; ch++) {
                        double[] repeated = new double[d];
                        for (int c2 = 0; c2 < d / 2; c2++) repeated[c2] = i * 14.0 / s * freqs[c2 / 2];
                        for (int c2 = d / 2; c2 < d; c2++) repeated[c2] = j * 14.0 / s * freqs[(c2 - d / 2) / 2];
                        double rot = ch % 2 == 0 ? -x[base + ch + 1] : x[base + ch - 1];
                        out[base + ch] = x[base + ch] * Math.cos(repeated[ch]) + rot * Math.sin(repeated[ch]);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void matchesTheFormulaOnTheBuiltGrid() {
        int b = 2, s = 5, d = 16;
        Rope2d rope = new Rope2d(d, TokenLayout.plain(s, s));
        Tensor x = random(3, b, s * s, d);
        Var xv = Var.of(x);
        Tensor got = rope.apply(xv, rope.tables(TokenLayout.plain(s, s), xv)).value();
        double[] want = reference(x.toDoubleArray(), b, s, d);
        double[] g = got.toDoubleArray();
        // float64 on both sides, same formula: only rounding differs
        for (int i = 0; i < g.length; i++) assertEquals(want[i], g[i], 1e-12, "element " + i);
        // a rotation: every channel pair keeps its length
        double[] xs = x.toDoubleArray();
        for (int i = 0; i < g.length; i += 2) {
            assertEquals(Math.hypot(xs[i], xs[i + 1]), Math.hypot(g[i], g[i + 1]), 1e-12);
        }
    }

    @Test
    void anotherGridResizesTheTablesLikePosEmbed() {
        int d = 8;
        Rope2d rope = new Rope2d(d, TokenLayout.plain(4, 4));
        Var x = Var.of(random(4, 1, 6 * 6, d));
        Rope2d.Tables t = rope.tables(TokenLayout.plain(6, 6), x);
        Tensor cos4 = new Rope2d(d, TokenLayout.plain(4, 4)).tables(TokenLayout.plain(4, 4), x).cos().value();
        Tensor expected = PosEmbeds.resample(cos4, TokenLayout.plain(4, 4), TokenLayout.plain(6, 6));
        assertEquals(0.0, t.cos().value().maxAbsDiff(expected), 0.0);
        // the official forward resizes the tables; it does not rebuild them for the new grid
        Tensor rebuilt = new Rope2d(d, TokenLayout.plain(6, 6)).tables(TokenLayout.plain(6, 6), x).cos().value();
        assertTrue(t.cos().value().maxAbsDiff(rebuilt) > 1e-3);
    }

    @Test
    void badInputIsNamed() {
        assertThrows(IllegalArgumentException.class, () -> new Rope2d(6, TokenLayout.plain(3, 3)));
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Rope2d(8, TokenLayout.plain(3, 3)).tables(TokenLayout.middleCls(3, 3), Var.of(Tensor.zeros(1, 10, 8))));
        assertTrue(e.getMessage().contains("RoPE"), e.getMessage());
    }

    @Test
    void localVimUsesItAndItChangesTheOutput() {
        Backbone with = Backbones.create("localmamba-nano", 10, 28, 1, 5L);
        Backbone without = ((LocalVimConfig) Backbones.config("localmamba-nano")).withRope(false).build(new ModelSpec(10, 28, 1, 5L));
        assertTrue(((IsotropicNet) with).usesRotaryEmbedding());
        assertFalse(((IsotropicNet) without).usesRotaryEmbedding());
        assertEquals(with.numParameters(), without.numParameters(), "RoPE has no parameters");
        without.loadStateDict(with.stateDict(), true);
        with.to(DType.F64);
        without.to(DType.F64);
        Var images = Var.of(random(6, 2, 1, 28, 28));
        double diff = with.forward(images).value().maxAbsDiff(without.forward(images).value());
        assertTrue(diff > 1e-6, "RoPE on/off gave the same logits (diff " + diff + ")");
    }
}
