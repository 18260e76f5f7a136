package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link DenseConvCpu} (float32, one group, one GEMM over the batch, channels-last) against {@link ConvCpu}'s
 * im2col + GEMM per image run in float64 on the same values (the reference): forward with and without bias, input
 * gradient and weight gradient, on seeded random data — VMamba-nano's stride-2 3×3 convolutions (C 1 → 16, 16 → 32,
 * 64 → 128 on 4×4), a 1×4 filter with dilation 2 and asymmetric padding, a 1×1 filter — with x and gy contiguous
 * (channels-first), as channels-last views and as offset, non-dense views; and the same bits on 1, 2 and 3 threads
 * and for every layout.
 *
 * <p>Tolerance, per element, from the float32 rounding of a sum of T products (Higham's bound γ_T ≈ T·u, u = 2⁻²⁴):
 * |fast − exact| ≤ (T + 2)·u·Σ|terms|, where Σ|terms| is the same convolution (or gradient) of the absolute values,
 * computed by the reference. T = C·kh·kw + 1 for the forward (taps and bias), O·kh·kw for the input gradient
 * (the GEMM's O terms, then up to kh·kw of those added in col2im) and N·OH·OW for the weight gradient.
 */
class DenseConvCpuTest {
    private record Case(int n, int c, int h, int w, int o, int kh, int kw, ConvParams p) {}

    @Test
    void forwardAndGradientsMatchTheFloat64ReferenceInEveryLayoutAndThreadCount() {
        Case[] cases = {
                new Case(3, 1, 12, 12, 16, 3, 3, ConvParams.of(2, 1, 1, 1)),
                new Case(2, 16, 14, 14, 32, 3, 3, ConvParams.of(2, 1, 1, 1)),
                new Case(3, 64, 4, 4, 128, 3, 3, ConvParams.of(2, 1, 1, 1)),
                new Case(2, 5, 5, 9, 7, 1, 4, new ConvParams(1, 1, 0, 2, 1, 2, 1)),
                new Case(2, 6, 3, 5, 4, 1, 1, ConvParams.of(1, 0, 1, 1))};
        int before = Parallel.threads();
        long seed = 300;
        try {
            for (Case k : cases) {
                Tensor x = Tensor.randn(seed++, k.n, k.c, k.h, k.w), w = Tensor.randn(seed++, k.o, k.c, k.kh, k.kw);
                Tensor bias = Tensor.randn(seed++, k.o);
                int oh = ConvParams.outSize(k.h, k.kh, k.p.strideH(), k.p.padH(), k.p.dilationH());
                int ow = ConvParams.outSize(k.w, k.kw, k.p.strideW(), k.p.padW(), k.p.dilationW());
                Tensor gy = Tensor.randn(seed++, k.n, k.o, oh, ow);
                assertTrue(DenseConvCpu.applies(DType.F32, DType.F32, k.p), "fast path applies to " + k);
                int taps = k.kh * k.kw;
                Tensor[] want = new Tensor[4], mag = new Tensor[4];
                want[0] = ConvCpu.reference(f64(x), f64(w), null, k.p);
                mag[0] = ConvCpu.reference(f64(x).abs(), f64(w).abs(), null, k.p);
                want[1] = ConvCpu.reference(f64(x), f64(w), f64(bias), k.p);
                mag[1] = ConvCpu.reference(f64(x).abs(), f64(w).abs(), f64(bias).abs(), k.p);
                want[2] = ConvCpu.inputGradReference(f64(gy), f64(w), x.shape(), k.p);
                mag[2] = ConvCpu.inputGradReference(f64(gy).abs(), f64(w).abs(), x.shape(), k.p);
                want[3] = ConvCpu.weightGradReference(f64(gy), f64(x), w.shape(), k.p);
                mag[3] = ConvCpu.weightGradReference(f64(gy).abs(), f64(x).abs(), w.shape(), k.p);
                int[] terms = {k.c * taps + 1, k.c * taps + 1, k.o * taps, k.n * oh * ow};
                float[][] first = null;
                for (int threads : new int[] {1, 2, 3}) {
                    Parallel.setThreads(threads);
                    for (int layout = 0; layout < 3; layout++) {
                        Tensor xl = inLayout(x, layout), gl = inLayout(gy, layout);
                        Tensor[] got = {
                                DenseConvCpu.forward(xl, w, null, k.p),
                                DenseConvCpu.forward(xl, w, bias, k.p),
                                DenseConvCpu.inputGrad(gl, w, x.shape(), k.p),
                                DenseConvCpu.weightGrad(gl, xl, w.shape(), k.p)};
                        String[] names = {"forward", "forward + bias", "input grad", "weight grad"};
                        float[][] bits = new float[4][];
                        for (int i = 0; i < 4; i++) {
                            String what = names[i] + " " + k + ", layout " + layout + ", " + threads + " threads";
                            DepthwiseConvCpuTest.check(what, want[i], mag[i], terms[i] + 1, got[i]);   // bound (T + 2)·u·Σ|terms|
                            bits[i] = got[i].toFloatArray();
                            if (first != null) assertArrayEquals(first[i], bits[i], what + ": bits differ from 1 thread, layout 0");
                        }
                        if (first == null) first = bits;
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** The backend's conv2d and its gradients reach this path for float32 single-group shapes (channels-last results). */
    @Test
    void theBackendUsesTheBatchGemmForFloat32SingleGroupConvolutions() {
        ConvParams p = ConvParams.of(2, 1, 1, 1);
        Tensor x = Tensor.randn(1, 2, 8, 6, 6), w = Tensor.randn(2, 16, 8, 3, 3), b = Tensor.randn(4, 16), gy = Tensor.randn(3, 2, 16, 3, 3);
        Tensor y = x.backend().conv2d(x, w, b, p);
        assertArrayEquals(new int[] {16 * 9, 1, 3 * 16, 16}, y.strides(), "channels-last output");
        assertArrayEquals(DenseConvCpu.forward(x, w, b, p).toFloatArray(), y.toFloatArray());
        assertArrayEquals(DenseConvCpu.inputGrad(gy, w, x.shape(), p).toFloatArray(),
                x.backend().conv2dInputGrad(gy, w, x.shape(), p).toFloatArray());
        assertArrayEquals(DenseConvCpu.weightGrad(gy, x, w.shape(), p).toFloatArray(),
                x.backend().conv2dWeightGrad(gy, x, w.shape(), p).toFloatArray());
    }

    /** 0: contiguous (channels-first); 1: a channels-last view; 2: an offset view inside a larger tensor (no dense layout). */
    private static Tensor inLayout(Tensor t, int layout) {
        int n = t.size(0), c = t.size(1), h = t.size(2), w = t.size(3);
        return switch (layout) {
            case 0 -> t;
            case 1 -> t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
            default -> {
                Tensor big = Tensor.zeros(n, c + 2, h, w + 3).narrow(1, 1, c).narrow(3, 2, w);
                big.copyFrom(t);
                yield big;
            }
        };
    }

    private static Tensor f64(Tensor t) { return t.to(DType.F64); }
}
