package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link DepthwiseConvCpu} (float32 direct loops) against {@link ConvCpu}'s im2col + GEMM path run in float64 on the
 * same values (the reference), for the forward with and without bias, the input gradient and the weight gradient, on
 * seeded random data: 3×3 stride 1 and 2 with padding, a 1×4 filter with dilation 2, planes from 2×2 to 9×11.
 *
 * <p>Tolerance, per element, from the float32 rounding of a sum of T products (Higham's bound γ_T ≈ T·u, u = 2⁻²⁴):
 * |fast − exact| ≤ (T + 1)·u·Σ|terms|, where Σ|terms| is the same convolution (or gradient) of the absolute values,
 * computed by the reference. T = kh·kw + 1 for the forward (taps and bias), kh·kw for the input gradient and H'·W' + 1
 * per image for the weight gradient (a float plane sum added into double).
 */
class DepthwiseConvCpuTest {
    private static final double U = 0x1p-24;

    private record Case(int n, int c, int h, int w, int kh, int kw, ConvParams p) {}

    @Test
    void forwardAndGradientsMatchTheFloat64Reference() {
        Case[] cases = {
                new Case(3, 5, 7, 7, 3, 3, new ConvParams(1, 1, 1, 1, 1, 1, 5)),
                new Case(2, 4, 9, 11, 3, 3, new ConvParams(2, 2, 1, 1, 1, 1, 4)),
                new Case(2, 3, 2, 2, 3, 3, new ConvParams(1, 1, 1, 1, 1, 1, 3)),
                new Case(2, 6, 5, 9, 1, 4, new ConvParams(1, 1, 0, 2, 1, 2, 6))};
        long seed = 100;
        for (Case k : cases) {
            Tensor x = Tensor.randn(seed++, k.n, k.c, k.h, k.w), w = Tensor.randn(seed++, k.c, 1, k.kh, k.kw);
            Tensor bias = Tensor.randn(seed++, k.c);
            int oh = ConvParams.outSize(k.h, k.kh, k.p.strideH(), k.p.padH(), k.p.dilationH());
            int ow = ConvParams.outSize(k.w, k.kw, k.p.strideW(), k.p.padW(), k.p.dilationW());
            Tensor gy = Tensor.randn(seed++, k.n, k.c, oh, ow);
            assertTrue(DepthwiseConvCpu.applies(DType.F32, x.shape(), w.shape(), k.p), "fast path applies to " + k);
            int taps = k.kh * k.kw;
            for (Tensor b : new Tensor[] {null, bias}) {
                Tensor want = ConvCpu.reference(f64(x), f64(w), b == null ? null : f64(b), k.p);
                Tensor mag = ConvCpu.reference(f64(x).abs(), f64(w).abs(), b == null ? null : f64(b).abs(), k.p);
                check("forward " + k + (b == null ? "" : " + bias"), want, mag, taps + 1,
                        DepthwiseConvCpu.forward(x, w, b, k.p, false));
            }
            check("input grad " + k, ConvCpu.inputGradReference(f64(gy), f64(w), x.shape(), k.p),
                    ConvCpu.inputGradReference(f64(gy).abs(), f64(w).abs(), x.shape(), k.p), taps,
                    DepthwiseConvCpu.inputGrad(gy, w, x.shape(), k.p));
            check("weight grad " + k, ConvCpu.weightGradReference(f64(gy), f64(x), w.shape(), k.p),
                    ConvCpu.weightGradReference(f64(gy).abs(), f64(x).abs(), w.shape(), k.p), oh * ow + 1,
                    DepthwiseConvCpu.weightGrad(gy, x, w.shape(), k.p));
        }
    }

    /**
     * {@link DepthwiseConvSimd}'s masked plane shifts ("same"-size stride-1 planes) give the bits of the scalar loops:
     * 7×7, 4×4 and 2×2 planes with a 3×3 filter (VMamba-nano's SS2D conv), a 3×5 filter on 6×9, a 1×1 filter, and an
     * input that starts at an offset inside a larger storage (the first and last planes load across the array's ends).
     */
    @Test
    void vectorPlanesGiveTheBitsOfTheScalarLoops() {
        int[][] shapes = {{3, 5, 7, 7, 3, 3, 1, 1}, {2, 6, 4, 4, 3, 3, 1, 1}, {2, 9, 2, 2, 3, 3, 1, 1}, {2, 3, 6, 9, 3, 5, 1, 2},
                {1, 4, 3, 3, 1, 1, 0, 0}};
        long seed = 500;
        for (int[] s : shapes) {
            int n = s[0], c = s[1], h = s[2], w = s[3], kh = s[4], kw = s[5];
            ConvParams p = new ConvParams(1, 1, s[6], s[7], 1, 1, c);
            assertTrue(DepthwiseConvSimd.applies(h, w, kh, kw, p), java.util.Arrays.toString(s));
            Tensor x = Tensor.randn(seed++, n + 1, c, h, w).narrow(0, 1, n), wt = Tensor.randn(seed++, c, 1, kh, kw);
            Tensor bias = Tensor.randn(seed++, c), gy = Tensor.randn(seed++, n, c, h, w);
            String at = java.util.Arrays.toString(s);
            for (Tensor b : new Tensor[] {null, bias}) {
                assertArrayEquals(DepthwiseConvCpu.forward(x, wt, b, p, false, false).toFloatArray(),
                        DepthwiseConvCpu.forward(x, wt, b, p, false, true).toFloatArray(), "forward " + at + (b == null ? "" : " + bias"));
            }
            assertArrayEquals(DepthwiseConvCpu.inputGrad(gy, wt, x.shape(), p, false).toFloatArray(),
                    DepthwiseConvCpu.inputGrad(gy, wt, x.shape(), p, true).toFloatArray(), "input grad " + at);
        }
    }

    /** The backend's conv2d / conv2dInputGrad / conv2dWeightGrad reach the direct loops for float32 depthwise shapes. */
    @Test
    void theBackendUsesTheDirectLoopsForDepthwiseFloat32() {
        ConvParams p = new ConvParams(1, 1, 1, 1, 1, 1, 4);
        Tensor x = Tensor.randn(1, 2, 4, 6, 6), w = Tensor.randn(2, 4, 1, 3, 3), gy = Tensor.randn(3, 2, 4, 6, 6);
        assertArrayEquals(DepthwiseConvCpu.forward(x, w, null, p, false).toFloatArray(), x.backend().conv2d(x, w, null, p).toFloatArray());
        assertArrayEquals(DepthwiseConvCpu.inputGrad(gy, w, x.shape(), p).toFloatArray(),
                x.backend().conv2dInputGrad(gy, w, x.shape(), p).toFloatArray());
        assertArrayEquals(DepthwiseConvCpu.weightGrad(gy, x, w.shape(), p).toFloatArray(),
                x.backend().conv2dWeightGrad(gy, x, w.shape(), p).toFloatArray());
    }

    private static Tensor f64(Tensor t) { return t.to(DType.F64); }

    /** Every element of {@code got} within (terms + 1)·u·magnitude of {@code want} (shared with DenseConvCpuTest). */
    static void check(String what, Tensor want, Tensor magnitude, int terms, Tensor got) {
        double[] e = want.toDoubleArray(), m = magnitude.toDoubleArray(), g = got.toDoubleArray();
        assertArrayEquals(want.shape(), got.shape(), what + ": shape");
        for (int i = 0; i < e.length; i++) {
            double bound = (terms + 1) * U * m[i] + 1e-30;
            assertTrue(Math.abs(g[i] - e[i]) <= bound, what + " at " + i + ": " + g[i] + " vs " + e[i] + " (bound " + bound + ")");
        }
    }
}
