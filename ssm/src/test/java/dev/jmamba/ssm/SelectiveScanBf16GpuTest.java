package dev.jmamba.ssm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The *_bf16 v6 kernels (bf16 u, delta, z read, bf16 out written, float32 inside) against the float32 kernels on
 * the same rounded values, on the GPU: out rounded once, gradients bit-identical (tolerance 0, the reasoning of
 * {@link SelectiveScanBf16Test}). Covers N = 1 with groups (VMamba), N = 16 (Vim), several segments (B·D small, so
 * the summary passes run), (D, B·L) row layouts read in place, reverse scans, and the two-call pair kernels.
 */
@Tag("gpu")
class SelectiveScanBf16GpuTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeEach void needsGpu() {
        assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
    }

    @Test void bf16KernelsGiveTheFloat32ResultRounded() {
        long seed = 500;
        for (int[] c : new int[][] {{2, 64, 70, 1, 4}, {2, 64, 37, 16, 1}, {1, 32, 1100, 16, 1}, {3, 40, 333, 1, 4}}) {
            for (boolean rows : new boolean[] {false, true}) {
                for (boolean reverse : new boolean[] {false, true}) {
                    SelectiveScanBf16Test.assertBf16MatchesRoundedFloat32(GPU, c, rows, reverse, seed);
                    seed += 20;
                }
            }
        }
    }

    /** Vim's two directions in one launch with bf16 sequences: the float32 pair's outputs rounded, its gradients. */
    @Test void bf16PairGivesTheFloat32PairRounded() {
        int b = 3, d = 64, l = 41, n = 16;
        long seed = 900;
        Var[][] mixed = new Var[2][8], reference = new Var[2][8];
        for (int call = 0; call < 2; call++) {
            for (int i = 0; i < 8; i++) {
                int[] shape = i == 2 ? new int[] {d, n} : i == 3 || i == 4 ? new int[] {b, n, l} : i == 5 || i == 7 ? new int[] {d} : new int[] {b, d, l};
                Tensor t = Tensor.randn(seed++, shape);
                if (i == 2) t = t.abs().neg().sub(0.1);
                boolean sequence = i == 0 || i == 1 || i == 6;
                mixed[call][i] = Var.param(t.to(GPU));
                reference[call][i] = Var.param((sequence ? t.to(DType.BF16).to(DType.F32) : t).to(GPU));
            }
        }
        Var[] a16 = mixed[0].clone(), b16 = mixed[1].clone();
        a16[0] = mixed[0][0].to(DType.BF16);
        b16[0] = mixed[1][0].to(DType.BF16);
        Var[] y16 = SelectiveScan.scanPair(a16, false, b16, true, true);
        Var[] y32 = SelectiveScan.scanPair(reference[0], false, reference[1], true, true);
        Tensor ga = Tensor.randn(seed++, b, d, l).to(GPU), gb = Tensor.randn(seed, b, d, l).to(GPU);
        for (int call = 0; call < 2; call++) {
            assertEquals(DType.BF16, y16[call].dtype());
            assertEquals(0, y16[call].value().to(Device.CPU).maxAbsDiff(y32[call].value().to(DType.BF16).to(Device.CPU)), "out " + call);
        }
        y16[0].mul(Var.of(ga)).add(y16[1].mul(Var.of(gb))).sum().backward();
        y32[0].mul(Var.of(ga)).add(y32[1].mul(Var.of(gb))).sum().backward();
        for (int call = 0; call < 2; call++) {
            for (int i = 0; i < 8; i++) {
                Tensor got = mixed[call][i].grad(), want = reference[call][i].grad();
                assertEquals(DType.F32, got.dtype());
                assertEquals(0, want.to(Device.CPU).maxAbsDiff(got.to(Device.CPU)), "call " + call + " grad " + i);
            }
        }
    }
}
