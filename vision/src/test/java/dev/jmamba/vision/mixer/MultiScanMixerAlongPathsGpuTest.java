package dev.jmamba.vision.mixer;

import static dev.jmamba.ssm.testing.BlockTestSupport.randomF64;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link MultiScanMixer} along paths on a CUDA device (the v6 scan reading one map through the (K, L) table) against the
 * same mixer with cross-scan copies on the same device, float32: output, input gradient and every parameter gradient
 * within 1e-4 of each result's largest magnitude (float32 sums in other orders: x_proj's K-sum inside its GEMM, Σ_k D_k
 * first), on a 14×14 map (several scan chunks, d_inner 64 = two channel tiles) for VMamba's four directions and
 * FractalMamba's Hilbert pair with both GrootV extras.
 */
@Tag("gpu")
class MultiScanMixerAlongPathsGpuTest {
    private static final Device GPU = Device.cuda(0);

    private static void samePathAndCopies(ScanOrderSet orders, int k, MultiScanMixer.Extras extras) {
        MultiScanMixer copies = mixer(orders, k, extras), paths = mixer(orders, k, extras);
        copies.alongPaths(false);
        paths.alongPaths(true);
        Tensor x = randomF64(21, 2, 14, 14, 32).to(DType.F32), gy = randomF64(22, 2, 14, 14, 32).to(DType.F32);
        Var xa = Var.param(x.to(GPU)), xb = Var.param(x.to(GPU));
        Var ya = copies.forward(xa), yb = paths.forward(xb);
        String what = extras + ", " + k + " orders: ";
        close(ya.value(), yb.value(), what + "out");
        ya.backward(gy.to(GPU));
        yb.backward(gy.to(GPU));
        close(xa.grad(), xb.grad(), what + "input gradient");
        Map<String, Parameter> pa = copies.namedParameters(), pb = paths.namedParameters();
        for (String name : pa.keySet()) close(pa.get(name).grad(), pb.get(name).grad(), what + name);
    }

    private static MultiScanMixer mixer(ScanOrderSet orders, int k, MultiScanMixer.Extras extras) {
        MultiScanMixer m = new MultiScanMixer(new SS2DConfig(32, 1, 2.0, 2, 3, false, 0.001, 0.1, 1e-4, 5), k, orders, extras);
        m.to(GPU);
        return m;
    }

    private static void close(Tensor want, Tensor got, String what) {
        double scale = 1e-12;
        for (double v : want.to(Device.CPU).toDoubleArray()) scale = Math.max(scale, Math.abs(v));
        double diff = want.to(Device.CPU).maxAbsDiff(got.to(Device.CPU));
        assertTrue(diff <= 1e-4 * scale, what + ": max diff " + diff + " of scale " + scale);
    }

    @Test void vmambaDirectionsAndTheHilbertPairWithBothExtras() {
        assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
        samePathAndCopies(ScanOrderSet.vmamba(), 4, MultiScanMixer.Extras.NONE);
        samePathAndCopies(ScanOrderSet.named(List.of("hilbert", "hilbert-t")), 2, MultiScanMixer.Extras.GROOTV);
    }
}
