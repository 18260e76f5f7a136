package dev.jmamba.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The channel layer norm with its skip term on bf16 activations (x and skip bf16: FractalMamba's read-out under
 * autocast) against the same op on float32 tensors holding the same values. Reading a bf16 value is exact and the
 * norm computes in double on both paths, so y must be the float32 y rounded to bf16 and every gradient (float32) must
 * be bit-identical — tolerance 0. {@code ChannelLayerNormBf16GpuTest} runs the same check on the CUDA kernels.
 */
class ChannelLayerNormBf16Test {

    @Test void bf16ActivationsGiveTheFloat32ResultRounded() {
        assertBf16MatchesRoundedFloat32(Device.CPU, 6, 24, 37, 3, 1);
        assertBf16MatchesRoundedFloat32(Device.CPU, 4, 9, 70, 2, 2);
    }

    /** x, skip (n, c, m) bf16 casts of float32 leaves, scale (n, m), weight/bias (c), skip weight (groups, c). */
    static void assertBf16MatchesRoundedFloat32(Device device, int n, int c, int m, int groups, long seed) {
        Tensor x = Tensor.randn(seed, n, c, m).mul(3).add(0.5), skip = Tensor.randn(seed + 1, n, c, m);
        Tensor[] params = {Tensor.randn(seed + 2, c), Tensor.randn(seed + 3, c), Tensor.randn(seed + 4, n, m), Tensor.randn(seed + 5, groups, c)};
        Tensor gy = Tensor.randn(seed + 6, n, c, m).to(device);
        Var[] mixed = new Var[6], reference = new Var[6];
        mixed[0] = Var.param(x.to(device));
        mixed[4] = Var.param(skip.to(device));
        reference[0] = Var.param(x.to(DType.BF16).to(DType.F32).to(device));
        reference[4] = Var.param(skip.to(DType.BF16).to(DType.F32).to(device));
        int[] at = {1, 2, 3, 5};
        for (int i = 0; i < 4; i++) {
            mixed[at[i]] = Var.param(params[i].to(device));
            reference[at[i]] = Var.param(params[i].to(device));
        }
        Var y16 = ChannelLayerNorm.apply(mixed[0].to(DType.BF16), mixed[1], mixed[2], mixed[3], mixed[4].to(DType.BF16), mixed[5], 1e-5);
        Var y32 = ChannelLayerNorm.apply(reference[0], reference[1], reference[2], reference[3], reference[4], reference[5], 1e-5);
        String what = device + " (" + n + ", " + c + ", " + m + ") G=" + groups + ": ";
        assertEquals(DType.BF16, y16.dtype(), what + "y keeps x's bf16");
        assertEquals(0, y16.value().to(Device.CPU).maxAbsDiff(y32.value().to(DType.BF16).to(Device.CPU)), what + "y = float32 y rounded");
        y16.backward(gy);
        y32.backward(gy);
        String[] names = {"x", "weight", "bias", "scale", "skip", "skipWeight"};
        for (int i = 0; i < 6; i++) {
            assertEquals(DType.F32, mixed[i].grad().dtype(), what + names[i]);
            assertEquals(0, reference[i].grad().to(Device.CPU).maxAbsDiff(mixed[i].grad().to(Device.CPU)), what + "d" + names[i] + " bit-identical");
        }
    }
}
