package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Backend;
import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import java.util.Locale;

/**
 * Device time of the 2-D mixers' bandwidth-bound fused kernels at the b128 stage shapes of FractalMamba-T (d_inner
 * 160/320/640/1280 on 56²/28²/14²/7² grids) and VMamba-T (96/192/384/768): the depthwise 3×3 conv + SiLU forward and
 * whole backward, and the SiLU-gated layer norm forward and backward (and the two-pass warp kernels' times, gln2), each as milliseconds and as a fraction of the
 * bandwidth of a device copy of the same tensor measured in the same run (bytes counted as the passes each kernel must
 * make at least: conv forward 2 (x, y), backward 3 (gy, x, gx); norm forward 3 (x, z, y), backward 5 (gy, x, z, gx,
 * gz)). One JSON line per case. A lab, not a test. Run (packed runtime):
 * {@code .device/run -cp '.device/lib/*' dev.jmamba.tensor.cuda.Ss2dOpsSweep}.
 */
public final class Ss2dOpsSweep {
    private static final Device GPU = GpuLab.GPU;

    private Ss2dOpsSweep() {}

    public static void main(String[] args) {
        CudaBackend backend = GpuLab.backendOrExit();
        CudaContext context = backend.context();
        int batch = 128;
        int[][] stages = {   // {d_inner, side}: FractalMamba-T, then VMamba-T
            {160, 56}, {320, 28}, {640, 14}, {1280, 7}, {96, 56}, {192, 28}, {384, 14}, {768, 7},
        };
        long seed = 1;
        for (int[] s : stages) {
            int c = s[0], side = s[1];
            long elements = (long) batch * c * side * side, bytes = 4 * elements;
            Tensor x = random(seed++, batch, c, side, side), gy = random(seed++, batch, c, side, side);
            Tensor w = random(seed++, c, 1, 3, 3), bias = random(seed++, c);
            Tensor out = Tensor.zeros(DType.F32, GPU, batch, c, side, side);
            double copyMs = DeviceTiming.meanMillis(context, 3, 20, () -> out.copyFrom(x));
            double copyGbps = 2.0 * bytes / copyMs / 1e6;
            ConvParams p = ConvParams.of(1, 1, 1, c);
            Backend be = backend;
            double dwF = DeviceTiming.meanMillis(context, 3, 20, () -> be.depthwiseConv2dSilu(x, w, bias, p).storage().release());
            double dwB = DeviceTiming.meanMillis(context, 3, 20, () -> release(be.depthwiseConv2dSiluBackward(gy, x, w, bias, p, true, true, true)));
            // the gated norm on channels-last rows (B·H·W, C): the same element count
            Tensor xr = x.reshape(batch * side * side, c), zr = gy.reshape(batch * side * side, c), g2 = out.reshape(batch * side * side, c);
            Tensor nw = random(seed++, c), nb = random(seed++, c);
            Tensor[] fwd = be.layerNormGated(xr, nw, nb, zr, 1e-5);
            double lnF = DeviceTiming.meanMillis(context, 3, 20, () -> release(be.layerNormGated(xr, nw, nb, zr, 1e-5)));
            double lnB = DeviceTiming.meanMillis(context, 3, 20,
                    () -> release(be.layerNormGatedBackward(g2, xr, fwd[1], fwd[2], nw, nb, zr, true, true, true)));
            GatedNormKernels gk = backend.gatedNormKernels();   // the two-pass warp kernels, for comparison
            double lnF2 = DeviceTiming.meanMillis(context, 3, 20, () -> release(gk.forward(xr, nw, nb, zr, 1e-5, false)));
            double lnB2 = DeviceTiming.meanMillis(context, 3, 20,
                    () -> release(gk.backward(g2, xr, fwd[1], fwd[2], nw, nb, zr, true, true, true, false)));
            System.out.println(String.format(Locale.ROOT,
                    "{\"case\":\"ss2d_ops\",\"d_inner\":%d,\"side\":%d,\"copy_ms\":%.4f,\"copy_gbps\":%.0f,"
                            + "\"dw_fwd_ms\":%.4f,\"dw_fwd_eff\":%.2f,\"dw_bwd_ms\":%.4f,\"dw_bwd_eff\":%.2f,"
                            + "\"gln_fwd_ms\":%.4f,\"gln_fwd_eff\":%.2f,\"gln_bwd_ms\":%.4f,\"gln_bwd_eff\":%.2f,"
                            + "\"gln2_fwd_ms\":%.4f,\"gln2_bwd_ms\":%.4f}",
                    c, side, copyMs, copyGbps, dwF, copyMs / dwF, dwB, 1.5 * copyMs / dwB, lnF, 1.5 * copyMs / lnF,
                    lnB, 2.5 * copyMs / lnB, lnF2, lnB2));
            release(fwd);
            release(new Tensor[] {x, gy, w, bias, out, nw, nb});
        }
    }

    private static Tensor random(long seed, int... shape) {
        return Tensor.random(RandomKind.UNIFORM, seed, -1, 1, DType.F32, GPU, shape);
    }

    private static void release(Tensor[] ts) {
        for (Tensor t : ts) if (t != null) t.storage().release();
    }
}
