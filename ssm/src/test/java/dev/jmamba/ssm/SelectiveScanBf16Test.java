package dev.jmamba.ssm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import java.util.Arrays;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The selective scan with bf16 activations (autograd's Autocast policy BF16_IO): a bf16 u makes delta and z bf16
 * too, the scan computes in float32 and returns a bf16 out and float32 gradients.
 *
 * <p>Reference: the same op on float32 inputs holding the same (bf16-rounded) values. Reading a bf16 value is
 * exact and everything after it is the same float32 arithmetic, so the bf16 out must be the float32 out rounded
 * to bf16 (round to nearest even, once) and every gradient must be bit-identical — tolerance 0. The GPU runs the
 * same check on its *_bf16 kernels ({@code SelectiveScanBf16GpuTest}).
 */
class SelectiveScanBf16Test {

    /** (B, D, L, N, G) cases: VMamba-like N = 1 with four groups, Vim-like N = 16, and a short odd one. */
    static final int[][] CASES = {{2, 64, 70, 1, 4}, {2, 64, 37, 16, 1}, {1, 8, 19, 4, 2}};

    @Test void bf16ActivationsGiveTheFloat32ResultRounded() {
        long seed = 10;
        for (int[] c : CASES) {
            for (boolean rows : new boolean[] {false, true}) {
                assertBf16MatchesRoundedFloat32(Device.CPU, c, rows, false, seed);
                seed += 20;
            }
        }
    }

    /**
     * One case on {@code device}: u as a bf16 cast of a float32 leaf, delta and z float32 leaves (rounded by the op),
     * against the float32 op on leaves holding the rounded values. {@code rows}: u, delta, z are (B, D, L) views of
     * (D, B·L) matrices and B, C views of (G·N, B·L) rows (the layout of the Mamba projections).
     */
    static void assertBf16MatchesRoundedFloat32(Device device, int[] c, boolean rows, boolean reverse, long seed) {
        int b = c[0], d = c[1], l = c[2], n = c[3], g = c[4];
        Tensor[] values = {
            Tensor.randn(seed, d, b * l), Tensor.randn(seed + 1, d, b * l).mul(0.5), Tensor.rand(seed + 2, d, n).mul(-1.5).sub(0.1),
            Tensor.randn(seed + 3, g * n, b * l), Tensor.randn(seed + 4, g * n, b * l), Tensor.randn(seed + 5, d),
            Tensor.randn(seed + 6, d, b * l), Tensor.randn(seed + 7, d),
        };
        Tensor gout = Tensor.randn(seed + 8, b, d, l).to(device);
        Var[] mixed = new Var[8], reference = new Var[8];
        for (int i = 0; i < 8; i++) {
            boolean sequence = i == 0 || i == 1 || i == 6;
            mixed[i] = Var.param(values[i].to(device));
            reference[i] = Var.param((sequence ? values[i].to(DType.BF16).to(DType.F32) : values[i]).to(device));
        }
        Function<Var, Var> seq = rows ? m -> m.reshape(d, b, l).permute(1, 0, 2) : m -> m.reshape(d, b, l).permute(1, 0, 2).contiguous();
        Function<Var, Var> bc = rows ? m -> m.reshape(g, n, b, l).permute(2, 0, 1, 3)
                                     : m -> m.reshape(g, n, b, l).permute(2, 0, 1, 3).contiguous();
        Var u16 = seq.apply(mixed[0]).to(DType.BF16);
        Var y16 = SelectiveScan.scan(u16, seq.apply(mixed[1]), mixed[2], bc.apply(mixed[3]), bc.apply(mixed[4]), mixed[5],
                seq.apply(mixed[6]), mixed[7], true, reverse);
        Var y32 = SelectiveScan.scan(seq.apply(reference[0]), seq.apply(reference[1]), reference[2], bc.apply(reference[3]),
                bc.apply(reference[4]), reference[5], seq.apply(reference[6]), reference[7], true, reverse);
        String what = device + " " + Arrays.toString(c) + (rows ? " rows" : "") + (reverse ? " reverse" : "") + ": ";
        assertEquals(DType.BF16, y16.dtype(), what + "out keeps u's bf16");
        assertEquals(0, y16.value().to(Device.CPU).maxAbsDiff(y32.value().to(DType.BF16).to(Device.CPU)),
                what + "out = the float32 out rounded to bf16");
        y16.backward(gout);
        y32.backward(gout);
        String[] names = {"u", "delta", "A", "B", "C", "D", "z", "deltaBias"};
        for (int i = 0; i < 8; i++) {
            Tensor got = mixed[i].grad(), want = reference[i].grad();
            assertEquals(DType.F32, got.dtype(), what + "d" + names[i] + " is float32");
            assertEquals(0, want.to(Device.CPU).maxAbsDiff(got.to(Device.CPU)), what + "d" + names[i] + " bit-identical");
        }
    }
}
