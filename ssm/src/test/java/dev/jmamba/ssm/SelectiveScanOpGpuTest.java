package dev.jmamba.ssm;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.TensorAssert;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The selective-scan autograd op on a CUDA device (CudaScanKernels) against the same op on the CPU:
 * output and all eight input gradients. Both compute in float32 with different summation orders;
 * tolerance 2e-4 of each result's largest magnitude (the per-kernel tests bound each against the
 * float64 reference far tighter; this checks the op plumbing: dtypes, strides, grouping, layouts).
 */
@Tag("gpu")
class SelectiveScanOpGpuTest {

    @Test void gpuOpMatchesCpuOp() {
        Device gpu = Device.cuda(0);
        assumeTrue(Backends.isAvailable(gpu), "no CUDA device: gpu test skipped");
        int b = 2, d = 8, l = 37, n = 16, g = 2;
        Tensor[] values = {
            Tensor.randn(1, b, d, l), Tensor.randn(2, b, d, l).mul(0.5), Tensor.rand(3, d, n).mul(-1.5).sub(0.1),
            Tensor.randn(4, b, g, n, l), Tensor.randn(5, b, g, n, l), Tensor.randn(6, d), Tensor.randn(7, b, d, l), Tensor.randn(8, d),
        };
        Tensor gout = Tensor.randn(9, b, d, l);
        Var[] cpu = new Var[8], cuda = new Var[8];
        for (int i = 0; i < 8; i++) {
            cpu[i] = Var.param(values[i].copy());
            cuda[i] = Var.param(values[i].to(gpu));
        }
        Var yc = SelectiveScan.scan(cpu[0], cpu[1], cpu[2], cpu[3], cpu[4], cpu[5], cpu[6], cpu[7], true);
        Var yg = SelectiveScan.scan(cuda[0], cuda[1], cuda[2], cuda[3], cuda[4], cuda[5], cuda[6], cuda[7], true);
        yc.backward(gout);
        yg.backward(gout.to(gpu));
        check("out", yc.value(), yg.value().to(Device.CPU));
        String[] names = {"u", "delta", "A", "B", "C", "D", "z", "deltaBias"};
        for (int i = 0; i < 8; i++) check("d" + names[i], cpu[i].grad(), cuda[i].grad().to(Device.CPU));
    }

    /**
     * Channel-major inputs — u, delta, z as (B, D, L) views of (D, B·L) matrices, B and C as views of
     * (G·N, B·L) rows — read in place by the v6 kernels, forwards and reversed, against the CPU op on
     * contiguous copies (whose reverse flips). N = 16 and N = 1 run v6; N = 17 runs v3, which copies and flips.
     */
    @Test void rowLayoutsAndReverseMatchCpu() {
        Device gpu = Device.cuda(0);
        assumeTrue(Backends.isAvailable(gpu), "no CUDA device: gpu test skipped");
        int[][] cases = {{2, 64, 37, 16, 1}, {3, 40, 70, 1, 4}, {2, 8, 19, 17, 1}};   // (B, D, L, N, G)
        long seed = 100;
        for (int[] c : cases) {
            int b = c[0], d = c[1], l = c[2], n = c[3], g = c[4];
            for (boolean reverse : new boolean[] {false, true}) {
                Tensor[] values = {
                    Tensor.randn(seed++, d, b * l), Tensor.randn(seed++, d, b * l).mul(0.5), Tensor.rand(seed++, d, n).mul(-1.5).sub(0.1),
                    Tensor.randn(seed++, g * n, b * l), Tensor.randn(seed++, g * n, b * l), Tensor.randn(seed++, d),
                    Tensor.randn(seed++, d, b * l), Tensor.randn(seed++, d),
                };
                Tensor gout = Tensor.randn(seed++, b, d, l);
                Var[] cpu = new Var[8], cuda = new Var[8];
                for (int i = 0; i < 8; i++) {
                    cpu[i] = Var.param(values[i].copy());
                    cuda[i] = Var.param(values[i].to(gpu));
                }
                Var yc = scanOfRows(cpu, b, l, n, g, reverse), yg = scanOfRows(cuda, b, l, n, g, reverse);
                if (n <= 16) {
                    org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {l, b * l, 1}, yg.value().strides(),
                            "v6 output keeps u's (D, B·L) layout");
                }
                yc.backward(gout);
                yg.backward(gout.to(gpu));
                String what = java.util.Arrays.toString(c) + (reverse ? " reverse" : "") + ": ";
                check(what + "out", yc.value(), yg.value().to(Device.CPU));
                String[] names = {"u", "delta", "A", "B", "C", "D", "z", "deltaBias"};
                for (int i = 0; i < 8; i++) check(what + "d" + names[i], cpu[i].grad(), cuda[i].grad().to(Device.CPU));
            }
        }
    }

    /**
     * scanPair (one launch per pass for both calls, second reversed) against two single scans on the GPU:
     * outputs and all 16 gradients. Same kernels and arithmetic, so equal up to the order of the dA/dB/dC/dD
     * atomics (tolerance as above).
     */
    @Test void pairEqualsTwoSingleScans() {
        Device gpu = Device.cuda(0);
        assumeTrue(Backends.isAvailable(gpu), "no CUDA device: gpu test skipped");
        int b = 3, d = 64, l = 41, n = 16;
        long seed = 900;
        Var[] pa = new Var[8], pb = new Var[8], sa = new Var[8], sb = new Var[8];
        for (int i = 0; i < 8; i++) {
            int[] shape = i == 2 ? new int[] {d, n} : i == 3 || i == 4 ? new int[] {b, n, l} : i == 5 || i == 7 ? new int[] {d} : new int[] {b, d, l};
            Tensor ta = Tensor.randn(seed++, shape), tb = Tensor.randn(seed++, shape);
            if (i == 2) { ta = ta.abs().neg().sub(0.1); tb = tb.abs().neg().sub(0.1); }
            pa[i] = Var.param(ta.to(gpu)); sa[i] = Var.param(ta.to(gpu));
            pb[i] = Var.param(tb.to(gpu)); sb[i] = Var.param(tb.to(gpu));
        }
        Tensor ga = Tensor.randn(seed++, b, d, l).to(gpu), gb = Tensor.randn(seed++, b, d, l).to(gpu);
        Var[] pair = SelectiveScan.scanPair(pa, false, pb, true, true);
        Var ya = SelectiveScan.scan(sa[0], sa[1], sa[2], sa[3], sa[4], sa[5], sa[6], sa[7], true, false);
        Var yb = SelectiveScan.scan(sb[0], sb[1], sb[2], sb[3], sb[4], sb[5], sb[6], sb[7], true, true);
        pair[0].mul(Var.of(ga)).add(pair[1].mul(Var.of(gb))).sum().backward();
        ya.mul(Var.of(ga)).add(yb.mul(Var.of(gb))).sum().backward();
        check("out a", ya.value().to(Device.CPU), pair[0].value().to(Device.CPU));
        check("out b", yb.value().to(Device.CPU), pair[1].value().to(Device.CPU));
        for (int i = 0; i < 8; i++) {
            check("a grad " + i, sa[i].grad().to(Device.CPU), pa[i].grad().to(Device.CPU));
            check("b grad " + i, sb[i].grad().to(Device.CPU), pb[i].grad().to(Device.CPU));
        }
    }

    /** The scan of (D, B·L) / (G·N, B·L) row matrices viewed as (B, D, L) / (B, G, N, L). */
    private static Var scanOfRows(Var[] v, int b, int l, int n, int g, boolean reverse) {
        int d = v[0].size(0);
        java.util.function.Function<Var, Var> seq = m -> m.reshape(d, b, l).permute(1, 0, 2);
        java.util.function.Function<Var, Var> bc = m -> m.reshape(g, n, b, l).permute(2, 0, 1, 3);
        return SelectiveScan.scan(seq.apply(v[0]), seq.apply(v[1]), v[2], bc.apply(v[3]), bc.apply(v[4]), v[5],
                seq.apply(v[6]), v[7], true, reverse);
    }

    private static void check(String what, Tensor expected, Tensor actual) {
        double scale = 0;
        for (double v : expected.toDoubleArray()) scale = Math.max(scale, Math.abs(v));
        TensorAssert.assertClose(expected, actual, 2e-4 * Math.max(scale, 1e-6), 0, what);
    }
}
