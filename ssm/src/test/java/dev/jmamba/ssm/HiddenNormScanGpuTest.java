package dev.jmamba.ssm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fused CUDA kernels of {@link HiddenNormScan} ({@code scan_hidden_norm.cu}) against its composition (scan with C = 1,
 * then ChannelLayerNorm's skip form) in float64 on the CPU, output and all nine gradients. The same composition run in
 * float32 on CUDA gives the float32 error scale: the fused kernels must stay within 4 times its error (and within 1e-4
 * of each result's largest magnitude, as the scan's own GPU tests), since they add the same terms in other orders.
 * Shapes: groups of 32, 160 (FractalMamba-T stage 1), 384, 704 and 1024 channels (the kernels for up to 640 and 1024
 * channels, shared memory above 48 KiB), and a variant with C in its own tensor, D as a (G, di) view and no gamma, beta; L
 * below, at and across the 16-position tiles, and B, C read from rows of a wider tensor (x_proj's output views).
 */
@Tag("gpu")
class HiddenNormScanGpuTest {
    private static final Device GPU = Device.cuda(0);
    private static final String[] NAMES = {"u", "delta", "A", "B", "C", "D", "deltaBias", "gamma", "beta"};

    /** u, delta (B, G·di, L), A (G·di, 1), x_proj-like (B, G, 3, L) rows holding B (row 1) and C (row 2), D, deltaBias (G·di), gamma, beta (di). */
    private static Tensor[] inputs(long seed, int b, int g, int di, int l) {
        int d = g * di;
        return new Tensor[] {
            Tensor.randn(seed, b, d, l), Tensor.randn(seed + 1, b, d, l).mul(0.5), Tensor.rand(seed + 2, d, 1).mul(-1.5).sub(0.1),
            Tensor.randn(seed + 3, b, g, 3, l), Tensor.randn(seed + 5, d), Tensor.randn(seed + 6, d),
            Tensor.randn(seed + 7, di).mul(0.5).add(1), Tensor.randn(seed + 8, di).mul(0.3)};
    }

    /** Leaves on {@code device} in {@code dtype}: u, delta, A, xDbl, D, deltaBias, gamma, beta. */
    private static Var[] leaves(Tensor[] values, Device device, DType dtype) {
        Var[] v = new Var[values.length];
        for (int i = 0; i < v.length; i++) v[i] = Var.param(values[i].to(dtype).to(device).copy());
        return v;
    }

    /**
     * y and the nine gradients (B and C as the gradient rows of xDbl), in float64 on the CPU. {@code variant} 1: C copied
     * to its own contiguous tensor (B and C with different strides), D passed as a (G, di) view, no gamma and beta.
     */
    private static Tensor[] run(Var[] v, Tensor gy, boolean fused, int variant) {
        boolean before = HiddenNormScan.fused;
        long calls = HiddenNormScan.FUSED_CALLS.get();
        try {
            HiddenNormScan.fused = fused;
            Var[] parts = v[3].split(2, 1, 1, 1);                                       // (B, G, 1, L) each
            int groups = parts[1].size(1);
            Var cs = variant == 1 ? parts[2].mul(1.0) : parts[2];                       // a fresh contiguous C
            Var dSkip = variant == 1 ? v[4].reshape(groups, v[4].size(0) / groups) : v[4];
            Var y = HiddenNormScan.apply(v[0], v[1], v[2], parts[1], cs, dSkip, v[5], variant == 1 ? null : v[6],
                    variant == 1 ? null : v[7], 1e-5);
            assertTrue(!fused || !(v[0].value().device() instanceof Device.Cuda) || HiddenNormScan.FUSED_CALLS.get() == calls + 1,
                    "the fused kernels must have run");
            y.backward(gy.to(y.dtype()).to(y.device()));
            Tensor gx = v[3].grad().to(Device.CPU).to(DType.F64);
            int b = gx.size(0), g = gx.size(1), l = gx.size(3);
            return new Tensor[] {y.value().to(Device.CPU).to(DType.F64), grad(v[0]), grad(v[1]), grad(v[2]),
                gx.narrow(2, 1, 1).contiguous().reshape(b, g, 1, l), gx.narrow(2, 2, 1).contiguous().reshape(b, g, 1, l),
                grad(v[4]), grad(v[5]), v[6].grad() == null ? null : grad(v[6]), v[7].grad() == null ? null : grad(v[7])};
        } finally {
            HiddenNormScan.fused = before;
        }
    }

    @Test void sequencesAndGroupsAboveTheLimitsStayUnfused() {
        assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
        Tensor[] values = inputs(5, 1, 2, 32, 40);
        int before = HiddenNormScan.fusedMaxLength, channelsBefore = HiddenNormScan.fusedMaxChannels;
        boolean wasFused = HiddenNormScan.fused;
        try {
            HiddenNormScan.fused = true;
            HiddenNormScan.fusedMaxLength = 39;
            long calls = HiddenNormScan.FUSED_CALLS.get();
            Var[] v = leaves(values, GPU, DType.F32);
            Var[] parts = v[3].split(2, 1, 1, 1);
            HiddenNormScan.apply(v[0], v[1], v[2], parts[1], parts[2], v[4], v[5], v[6], v[7], 1e-5);
            assertTrue(HiddenNormScan.FUSED_CALLS.get() == calls, "L = 40 above the limit 39 must take the composition");
            HiddenNormScan.fusedMaxLength = 40;
            HiddenNormScan.apply(v[0], v[1], v[2], parts[1], parts[2], v[4], v[5], v[6], v[7], 1e-5);
            assertTrue(HiddenNormScan.FUSED_CALLS.get() == calls + 1, "L = 40 at the limit must take the fused kernels");
            HiddenNormScan.fusedMaxChannels = 31;
            HiddenNormScan.apply(v[0], v[1], v[2], parts[1], parts[2], v[4], v[5], v[6], v[7], 1e-5);
            assertTrue(HiddenNormScan.FUSED_CALLS.get() == calls + 1, "groups of 32 channels above the limit 31 must take the composition");
            HiddenNormScan.fusedMaxChannels = 32;
            HiddenNormScan.apply(v[0], v[1], v[2], parts[1], parts[2], v[4], v[5], v[6], v[7], 1e-5);
            assertTrue(HiddenNormScan.FUSED_CALLS.get() == calls + 2, "groups of 32 channels at the limit must take the fused kernels");
        } finally {
            HiddenNormScan.fusedMaxLength = before;
            HiddenNormScan.fusedMaxChannels = channelsBefore;
            HiddenNormScan.fused = wasFused;
        }
    }

    private static Tensor grad(Var v) { return v.grad().to(Device.CPU).to(DType.F64); }

    @Test void fusedKernelsMatchTheComposition() {
        assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
        // B, G, di, L, variant (see run)
        int[][] cases = {{2, 2, 32, 37, 0}, {3, 2, 160, 100, 0}, {2, 2, 64, 16, 1}, {1, 3, 32, 1, 0}, {2, 1, 384, 50, 0},
            {1, 1, 704, 40, 1}, {1, 2, 1024, 20, 0}, {1, 2, 160, 700, 0}};
        long seed = 900;
        for (int[] c : cases) {
            int b = c[0], g = c[1], di = c[2], l = c[3];
            Tensor[] values = inputs(seed, b, g, di, l);
            Tensor gy = Tensor.randn(seed + 50, b, g * di, l);
            seed += 100;
            Tensor[] want = run(leaves(values, Device.CPU, DType.F64), gy.to(DType.F64), false, c[4]);
            Tensor[] plain = run(leaves(values, GPU, DType.F32), gy, false, c[4]);
            Tensor[] fused = run(leaves(values, GPU, DType.F32), gy, true, c[4]);
            for (int i = 0; i < want.length; i++) {
                if (want[i] == null) {                                                 // no gamma, beta: no gradient either way
                    assertTrue(fused[i] == null, Arrays.toString(c) + " d" + NAMES[i - 1] + " must stay null");
                    continue;
                }
                String what = Arrays.toString(c) + " " + (i == 0 ? "y" : "d" + NAMES[i - 1]);
                assertArrayEquals(want[i].shape(), fused[i].shape(), what + " shape");
                double scale = Math.max(1, want[i].maxAbsDiff(want[i].mul(0))), errFused = want[i].maxAbsDiff(fused[i]), errPlain = want[i].maxAbsDiff(plain[i]);
                assertTrue(errFused <= 1e-4 * scale, what + ": fused error " + errFused + " of scale " + scale);
                assertTrue(errFused <= 4 * Math.max(errPlain, 1e-6 * scale), what + ": fused error " + errFused + " vs unfused " + errPlain);
            }
        }
    }
}
