package dev.jmamba.ssm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.TensorAssert;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@link SelectiveScan#scanAlong} on a CUDA device — the v6 kernels reading and writing through the (G, L) path table,
 * u shared by the groups or not — against the same op on the CPU (gather, scan, scatter): output and all eight
 * gradients, tolerance 2e-4 of each result's largest magnitude as {@link SelectiveScanOpGpuTest} (float32 both, other
 * summation orders). Paths: identity, reverse and seeded random permutations (the worst case for the table reads);
 * N = 16 and 1; D / G not a multiple of 32; L long enough for several segments. bf16 sequences: the float32 op's output
 * rounded and its gradients, bit for bit, as {@code SelectiveScanBf16GpuTest} for the ordinary scan.
 */
@Tag("gpu")
class ScanAlongGpuTest {
    private static final Device GPU = Device.cuda(0);
    private static final String[] NAMES = {"u", "delta", "A", "B", "C", "D", "z", "deltaBias"};

    /** Seeded float32 inputs; u (B, D / G, L) when shared. */
    private static Tensor[] inputs(long seed, int b, int d, int l, int n, int g, boolean shared) {
        return new Tensor[] {
            Tensor.randn(seed, b, shared ? d / g : d, l), Tensor.randn(seed + 1, b, d, l).mul(0.5),
            Tensor.rand(seed + 2, d, n).mul(-1.5).sub(0.1), Tensor.randn(seed + 3, b, g, n, l), Tensor.randn(seed + 4, b, g, n, l),
            Tensor.randn(seed + 5, d), Tensor.randn(seed + 6, b, d, l), Tensor.randn(seed + 7, d)};
    }

    private static Var[] params(Tensor[] values, Device device) {
        Var[] v = new Var[8];
        for (int i = 0; i < 8; i++) v[i] = Var.param(values[i].to(device).copy());
        return v;
    }

    private static Var along(ScanPaths p, Var[] v) {
        return SelectiveScan.scanAlong(p, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], true);
    }

    @Test void pathsAndSharedInputMatchTheCpu() {
        assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
        int[][] cases = {{2, 64, 37, 16, 2, 0}, {3, 80, 300, 1, 2, 1}, {2, 40, 70, 1, 4, 1}, {1, 64, 2000, 1, 2, 1}, {2, 96, 50, 16, 3, 0}};
        long seed = 300;
        for (int[] c : cases) {
            int b = c[0], d = c[1], l = c[2], n = c[3], g = c[4];
            boolean shared = c[5] == 1;
            ScanPaths paths = ScanPaths.of(ScanAlongTest.paths(seed, g, l), shared);
            Tensor[] values = inputs(seed, b, d, l, n, g, shared);
            seed += 10;
            Tensor gout = Tensor.randn(seed++, b, d, l);
            Var[] cpu = params(values, Device.CPU), cuda = params(values, GPU);
            Var yc = along(paths, cpu), yg = along(paths, cuda);
            yc.backward(gout);
            yg.backward(gout.to(GPU));
            String what = java.util.Arrays.toString(c) + ": ";
            check(what + "out", yc.value(), yg.value().to(Device.CPU));
            for (int i = 0; i < 8; i++) check(what + "d" + NAMES[i], cpu[i].grad(), cuda[i].grad().to(Device.CPU));
        }
    }

    @Test void bf16SequencesGiveTheFloat32ResultRounded() {
        assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
        assertBf16MatchesRoundedFloat32(GPU);
    }

    /**
     * scanAlong with bf16 u, delta, z (float32 leaves cast in the graph: a bf16 leaf would store its gradient rounded)
     * against the float32 op on the same bf16-representable values, on {@code device}: out = the float32 out rounded to
     * bf16, every gradient bit for bit; u shared and not. ScanAlongTest runs it on the CPU.
     */
    static void assertBf16MatchesRoundedFloat32(Device device) {
        for (boolean shared : new boolean[] {false, true}) {
            int b = 2, d = 64, l = 200, n = 1, g = 2;
            ScanPaths paths = ScanPaths.of(List.of(ScanAlongTest.paths(7, 3, l).get(2), ScanAlongTest.paths(7, 2, l).get(1)), shared);
            Tensor[] values = inputs(700, b, d, l, n, g, shared);
            for (int i : new int[] {0, 1, 6}) values[i] = values[i].to(DType.BF16).to(DType.F32);   // bf16-representable
            Tensor gout = Tensor.randn(799, b, d, l).to(device);
            Var[] f32 = params(values, device), leaves = params(values, device), b16 = leaves.clone();
            for (int i : new int[] {0, 1, 6}) b16[i] = leaves[i].to(DType.BF16);
            Var y32 = along(paths, f32), y16 = along(paths, b16);
            String what = device + ", shared " + shared + ": ";
            assertEquals(DType.BF16, y16.dtype(), what + "out keeps u's bf16");
            assertEquals(0, y16.value().to(Device.CPU).maxAbsDiff(y32.value().to(DType.BF16).to(Device.CPU)), what + "out");
            y32.backward(gout);
            y16.backward(gout);
            for (int i = 0; i < 8; i++) {
                assertEquals(0, leaves[i].grad().to(Device.CPU).maxAbsDiff(f32[i].grad().to(Device.CPU)), what + "d" + NAMES[i]);
            }
        }
    }

    private static void check(String what, Tensor expected, Tensor actual) {
        double scale = 0;
        for (double v : expected.toDoubleArray()) scale = Math.max(scale, Math.abs(v));
        TensorAssert.assertClose(expected, actual, 2e-4 * Math.max(scale, 1e-6), 0, what);
    }
}
