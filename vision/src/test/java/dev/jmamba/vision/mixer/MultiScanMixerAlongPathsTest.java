package dev.jmamba.vision.mixer;

import static dev.jmamba.ssm.testing.BlockTestSupport.randomF64;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Parameter;
import dev.jmamba.ssm.testing.BlockTestSupport;
import dev.jmamba.ssm.testing.ModuleGradCheck;
import dev.jmamba.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link MultiScanMixer} scanning its K orders as paths through the one map ({@code jmamba.scan2d.alongPaths}) against the
 * same mixer with cross-scan copies, float64 on the CPU: output, input gradient and every parameter gradient, for
 * VMamba's four directions without extras, FractalMamba's Hilbert pair with the z gate, and with both GrootV extras
 * (hidden norm: the D term added to the merged map once). Both sides do the same arithmetic in another order
 * (the K-sum of x_proj's input gradient inside its GEMM, Σ_k D_k before the product), so 1e-10 relative; and a
 * finite-difference check of the path form with both extras.
 */
class MultiScanMixerAlongPathsTest {

    private static MultiScanMixer mixer(ScanOrderSet orders, int k, MultiScanMixer.Extras extras, long seed) {
        MultiScanMixer m = new MultiScanMixer(new SS2DConfig(6, 1, 2.0, 2, 3, false, 0.001, 0.1, 1e-4, seed), k, orders, extras);
        BlockTestSupport.f64(m);
        return m;
    }

    private static void samePathAndCopies(ScanOrderSet orders, int k, MultiScanMixer.Extras extras) {
        MultiScanMixer copies = mixer(orders, k, extras, 11), paths = mixer(orders, k, extras, 11);
        paths.alongPaths(true);
        copies.alongPaths(false);
        Tensor x = randomF64(12, 2, 3, 5, 6), gy = randomF64(13, 2, 3, 5, 6);
        Var xa = Var.param(x.copy()), xb = Var.param(x.copy());
        Var ya = copies.forward(xa), yb = paths.forward(xb);
        String what = extras + ", " + k + " orders: ";
        assertClose(ya.value(), yb.value(), what + "out");
        ya.backward(gy);
        yb.backward(gy);
        assertClose(xa.grad(), xb.grad(), what + "input gradient");
        Map<String, Parameter> pa = copies.namedParameters(), pb = paths.namedParameters();
        for (String name : pa.keySet()) assertClose(pa.get(name).grad(), pb.get(name).grad(), what + name);
    }

    private static void assertClose(Tensor want, Tensor got, String what) {
        double scale = 1e-12;
        for (double v : want.toDoubleArray()) scale = Math.max(scale, Math.abs(v));
        double diff = want.maxAbsDiff(got);
        assertTrue(diff <= 1e-10 * scale, what + ": max diff " + diff + " of scale " + scale);
    }

    @Test void vmambaDirectionsWithoutExtras() {
        samePathAndCopies(ScanOrderSet.vmamba(), 4, MultiScanMixer.Extras.NONE);
    }

    @Test void hilbertPairWithTheGate() {
        samePathAndCopies(ScanOrderSet.named(List.of("hilbert", "hilbert-t")), 2, new MultiScanMixer.Extras(true, false));
    }

    @Test void hilbertPairWithTheGateAndTheHiddenNorm() {
        samePathAndCopies(ScanOrderSet.named(List.of("hilbert", "hilbert-t")), 2, MultiScanMixer.Extras.GROOTV);
    }

    @Test void finiteDifferencesWithBothExtras() {
        MultiScanMixer m = mixer(ScanOrderSet.named(List.of("hilbert", "hilbert-t")), 2, MultiScanMixer.Extras.GROOTV, 7);
        m.alongPaths(true);
        ModuleGradCheck.check(m, m::forward, randomF64(8, 1, 3, 3, 6));
    }
}
