package dev.jmamba.ssm.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.ssm.conv.CausalConv1d;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The causal conv1d with a bf16 x on CUDA (autocast's BF16_IO: causal_conv_fwd_runs_bf16 and causal_conv_row_bwd[_k4]_bf16)
 * against the float32 op on the widened x on the same GPU: the bf16 kernels are the float32 kernels' code with bf16
 * loads and stores, so y must be the float32 y rounded to bf16 and dx (float32), dweight and dbias the float32 op's
 * bits — no tolerance. Cases: K = 4 (the k4 instance) and 8, a row longer than one run with a partial last run,
 * K > L, SiLU on/off, bias or none, a (B, D, L) view of a (D, B·L) matrix, and the reverse direction.
 */
@Tag("gpu")
class CausalConv1dBf16GpuTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeEach void needsGpu() { assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped"); }

    @Test void bf16ActivationsGiveTheFloat32OpsBits() {
        int[][] cases = {{2, 8, 37, 4}, {3, 5, 3, 5}, {24, 6, 197, 4}, {2, 4, 603, 8}};   // (B, D, L, K)
        long seed = 40;
        for (int[] c : cases) {
            int b = c[0], d = c[1], l = c[2], k = c[3];
            for (boolean rowsLayout : new boolean[] {false, true}) {
                for (boolean reverse : new boolean[] {false, true}) {
                    for (boolean silu : new boolean[] {true, false}) {
                        boolean withBias = silu;   // both with and without a bias over the silu cases
                        Tensor xs = Tensor.randn(seed++, rowsLayout ? new int[] {d, b * l} : new int[] {b, d, l}).to(DType.BF16).to(GPU);
                        Tensor w = Tensor.randn(seed++, d, 1, k).mul(0.5).to(GPU), bias = Tensor.randn(seed++, d).to(GPU);
                        Tensor gy = Tensor.randn(seed++, b, d, l).to(GPU);
                        String what = java.util.Arrays.toString(c) + (rowsLayout ? " rows" : "") + (reverse ? " reverse" : "")
                                + (silu ? " silu" : "") + (withBias ? " bias" : "");
                        Var src = Var.param(xs.to(DType.F32)), x32 = Var.param(xs.to(DType.F32));
                        Var x16 = src.to(DType.BF16);                    // a bf16 activation (not a leaf: its gradient is float32)
                        Var w16 = Var.param(w.copy()), w32 = Var.param(w.copy());
                        Var b16 = withBias ? Var.param(bias.copy()) : null, b32 = withBias ? Var.param(bias.copy()) : null;
                        Var y16 = CausalConv1d.apply(view(x16, rowsLayout, b, l), w16, b16, silu, reverse);
                        Var y32 = CausalConv1d.apply(view(x32, rowsLayout, b, l), w32, b32, silu, reverse);
                        assertEquals(DType.BF16, y16.dtype(), what + ": y keeps bf16");
                        assertArrayEquals(y32.value().to(DType.BF16).to(DType.F32).toFloatArray(), y16.value().to(DType.F32).toFloatArray(),
                                what + ": y is the float32 y rounded");
                        y16.backward(gy);
                        y32.backward(gy);
                        assertArrayEquals(x32.grad().toFloatArray(), src.grad().toFloatArray(), what + ": dx");
                        assertArrayEquals(w32.grad().toFloatArray(), w16.grad().toFloatArray(), what + ": dweight");
                        if (withBias) assertArrayEquals(b32.grad().toFloatArray(), b16.grad().toFloatArray(), what + ": dbias");
                    }
                }
            }
        }
    }

    /** x as (B, D, L): itself, or the (B, D, L) view of a (D, B·L) matrix (Vim's channel-major rows). */
    private static Var view(Var x, boolean rowsLayout, int b, int l) {
        return rowsLayout ? x.reshape(x.size(0), b, l).permute(1, 0, 2) : x;
    }

    /** The kernels themselves hand back a float32 dx for a bf16 x (the engine would convert a bf16 one silently). */
    @Test void theKernelsGiveAFloat32Dx() {
        Tensor x = Tensor.randn(7, 2, 3, 50).to(DType.BF16).to(GPU), w = Tensor.randn(8, 3, 1, 4).to(GPU), gy = Tensor.randn(9, 2, 3, 50).to(GPU);
        Tensor[] g = dev.jmamba.ssm.conv.CausalConvKernels.forDevice(GPU).backward(x, w, null, true, gy, false);
        assertEquals(DType.F32, g[0].dtype());
        Tensor[] g32 = dev.jmamba.ssm.conv.CausalConvKernels.forDevice(GPU).backward(x.to(DType.F32), w, null, true, gy, false);
        assertArrayEquals(g32[0].toFloatArray(), g[0].toFloatArray(), "the float32 kernels' dx");
    }
}
