package dev.jmamba.vision;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parameter counts: exact where the spec derives them from the official code, within a stated tolerance otherwise. */
class ParameterCountTest {

    static List<String> names() { return Backbones.names(); }

    @ParameterizedTest
    @MethodSource("names")
    void builtCountEqualsAnalyticCount(String name) {
        Backbone m = Backbones.create(name, 1000, 224, 3, 1L);
        assertEquals(Backbones.cost(name, 1000, 224, 3).params(), m.numParameters(), name);
    }

    @Test
    void vimTinyIsExact() {
        assertEquals(7_148_008L, Backbones.create("vim-tiny", 1000, 224, 3, 1L).numParameters());
    }

    @Test
    void vimSmallIsExact() {
        assertEquals(25_796_584L, Backbones.cost("vim-small", 1000, 224, 3).params());
    }

    @Test
    void vmambaTinyIsExact() {
        assertEquals(30_249_064L, Backbones.create("vmamba-tiny", 1000, 224, 3, 1L).numParameters());
    }

    /** Reported sizes are rounded to 1M in the papers; we accept 3% around the stated value except where noted. */
    @Test
    void othersAreNearTheReportedSize() {
        assertNear("localmamba-tiny", 8.0e6, 0.03);
        // spec globalmamba.md §2.0: ≈ 6.42M with the unidirectional mixer of the released code (table says "7M").
        assertNear("globalmamba-tiny", 6.42e6, 0.01);
    }

    /**
     * Our reading of FractalMamba-T (GrootV-T skeleton, spec fractalmamba.md §3) with GrootV Tree_SSM's
     * z-gated in_proj and h_norm, K = 2 pathways: 30,456,200 = 26,828,040 (SS2D v05_noz mixers) + 3,609,600
     * (in_proj C → 4C instead of 2C, Σ depth·2C² over the levels) + 18,560 (h_norm, Σ depth·4C). The
     * README reports "30M" (rounded to 1M), so we check the exact value and that it is within 2% of 30M.
     */
    @Test
    void fractalMambaTinyHasGrootVSize() {
        long p = Backbones.cost("fractalmamba-tiny", 1000, 224, 3).params();
        assertEquals(30_456_200L, p);
        assertNear("fractalmamba-tiny", 30e6, 0.02);
        long plain = ((dev.jmamba.vision.fractalmamba.FractalMambaConfig) Backbones.config("fractalmamba-tiny"))
                .withExtras(dev.jmamba.vision.mixer.MultiScanMixer.Extras.NONE).cost(new ModelSpec(1000, 224, 3, 0L)).params();
        assertEquals(26_828_040L, plain, "without z gate and h_norm (SS2D v05_noz mixers)");
    }

    private static void assertNear(String name, double reported, double tol) {
        long p = Backbones.cost(name, 1000, 224, 3).params();
        assertTrue(Math.abs(p - reported) <= tol * reported, name + ": " + p + " vs reported " + reported);
    }
}
