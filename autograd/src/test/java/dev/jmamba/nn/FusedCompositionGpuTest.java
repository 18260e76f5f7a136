package dev.jmamba.nn;

import static dev.jmamba.nn.FusedCompositions.assertAgree;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.FusedCompositions.Case;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fused autograd nodes on CUDA device 0 — row, channels-first (scale, skip readout) and gated layer norms,
 * depthwise conv + bias + SiLU, LayerNorm2d on both storages, drop path fused into the residual add — against their
 * compositions of elementary Var ops on the same GPU and against the same fused node on the CPU: the output and the
 * gradient of every input and parameter, float64 and float32, seeded inputs. Tolerances: {@link FusedCompositions}
 * (the GPU kernels sum in other orders and take the sigmoid in float; both within those bounds); the drop-path
 * tolerances are on {@link #dropPathResidualAddIsTheSeparateOpsOnTheGpuAndTheCpusValues}.
 */
@Tag("gpu")
class FusedCompositionGpuTest {
    private static final Device GPU = Device.cuda(0);

    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
    }

    @Test void everyFusedNodeAgreesWithItsCompositionOnTheGpuAndWithTheCpu() {
        long seed = 100;
        for (Case cs : FusedCompositions.cases()) {
            Tensor gy = FusedCompositions.outputGradient(cs, seed++);
            for (DType dt : new DType[] {DType.F64, DType.F32}) {
                Tensor[] fusedGpu = FusedCompositions.run(cs.fused(), FusedCompositions.params(cs, dt, GPU), gy);
                Tensor[] composedGpu = FusedCompositions.run(cs.composed(), FusedCompositions.params(cs, dt, GPU), gy);
                Tensor[] fusedCpu = FusedCompositions.run(cs.fused(), FusedCompositions.params(cs, dt, Device.CPU), gy);
                assertAgree(cs, dt, composedGpu, fusedGpu, cs.name() + ", GPU fused vs GPU composition");
                assertAgree(cs, dt, fusedCpu, fusedGpu, cs.name() + ", GPU fused vs CPU fused");
            }
        }
    }

    @Test void layerNorm2dOnBothStoragesAgreesWithTheCompositionOnTheGpu() { FusedCompositionTest.layerNorm2dAgrees(GPU); }

    @Test void hiddenStateReadoutAgreesWithTheCompositionOnTheGpu() { FusedCompositionTest.readoutAgrees(GPU); }

    /**
     * {@link DropPath#addTo} (the {@code residual_add_f32} kernel) in training with rate 0.5: on the GPU the same bits
     * as the separate ops {@code x + dropPath(y + b)} on the GPU — values and every gradient (the same element-wise
     * roundings, and the bias gradient is the same deterministic column sum of the same tensor) — and the CPU's values,
     * dx and dy bit for bit (the mask is drawn from the same counter-based numbers on both devices; each output is one
     * float32 add of one float32 product of one float32 sum, correctly rounded on both). The bias gradient sums
     * B·L float32 terms in another order on the two devices: within 2·B·L·2⁻²⁴·Σ|terms|. Shapes: a vector path
     * (C = 96) and a scalar tail (C = 37).
     */
    @Test void dropPathResidualAddIsTheSeparateOpsOnTheGpuAndTheCpusValues() {
        long seed = 500;
        for (int[] s : new int[][] {{8, 196, 96}, {3, 5, 37}}) {
            int b = s[0], l = s[1], c = s[2];
            Tensor x = Tensor.randn(seed++, b, l, c), y = Tensor.randn(seed++, b, l, c), bias = Tensor.randn(seed++, c);
            Tensor gy = Tensor.randn(seed++, b, l, c);
            String what = "drop path + residual add (" + b + ", " + l + ", " + c + ")";
            Tensor[] fusedGpu = dropPathStep(true, GPU, x, y, bias, gy), plainGpu = dropPathStep(false, GPU, x, y, bias, gy);
            Tensor[] fusedCpu = dropPathStep(true, Device.CPU, x, y, bias, gy);
            String[] names = {"output", "dx", "dbranch", "dbias"};
            for (int i = 0; i < 4; i++) {
                assertArrayEquals(plainGpu[i].toFloatArray(), fusedGpu[i].toFloatArray(), what + ": GPU fused vs GPU separate ops, " + names[i]);
            }
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(fusedCpu[i].toFloatArray(), fusedGpu[i].toFloatArray(), what + ": GPU vs CPU, " + names[i]);
            }
            float[] branch = fusedCpu[2].toFloatArray(), dbCpu = fusedCpu[3].toFloatArray(), dbGpu = fusedGpu[3].toFloatArray();
            for (int ch = 0; ch < c; ch++) {
                double absSum = 0;
                for (int r = 0; r < b * l; r++) absSum += Math.abs(branch[r * c + ch]);
                double tol = 2.0 * b * l * 0x1p-24 * absSum + 1e-30;
                assertTrue(Math.abs(dbCpu[ch] - dbGpu[ch]) <= tol, what + ": dbias " + ch + " CPU " + dbCpu[ch] + " vs GPU " + dbGpu[ch]);
            }
            int dropped = 0;
            for (int sample = 0; sample < b; sample++) {
                boolean zero = true;
                for (int k = 0; k < l * c && zero; k++) zero = branch[sample * l * c + k] == 0;
                if (zero) dropped++;
            }
            assertTrue(dropped > 0 && dropped < b, what + ": seed 77 drops some samples and keeps others, dropped " + dropped);
        }
    }

    /** One training-mode step of residual + dropPath(branch + bias) on a device: {out, dx, dbranch, dbias} on the CPU. */
    private static Tensor[] dropPathStep(boolean fused, Device device, Tensor x0, Tensor y0, Tensor b0, Tensor gy) {
        DropPath dp = new DropPath(0.5, 77);
        dp.train(true);
        Var x = Var.param(x0.to(device)), y = Var.param(y0.to(device)), b = Var.param(b0.to(device));
        Var out = fused ? dp.addTo(x, y, b) : x.add(dp.forward(y.add(b)));
        assertEquals(device, out.device());
        out.backward(gy.to(device));
        return new Tensor[] {out.value().to(Device.CPU), x.grad().to(Device.CPU), y.grad().to(Device.CPU), b.grad().to(Device.CPU)};
    }
}
