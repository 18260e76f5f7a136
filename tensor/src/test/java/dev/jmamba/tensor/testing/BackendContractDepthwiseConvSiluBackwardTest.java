package dev.jmamba.tensor.testing;

import static dev.jmamba.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Conformance suite for the whole backward of the fused depthwise conv + bias + SiLU
 * ({@code Backend.depthwiseConv2dSiluBackward}: gx, gw, gbias) and for bf16 x (autocast's activations) in both
 * directions, against float64 loops of the unfused composition. Inputs uniform in [-1, 1); bf16 inputs are the
 * bf16-rounded values, which the loops then use exactly.
 *
 * <p>Shapes cover the CUDA kernels' cases: planes of 7×7 and 14×14 (eight planes per block, with a partial last
 * block), 28×28 (four per block), 56×56 (one per block), a non-square plane, a stride-2 conv and an 80×80 plane
 * (both the composition).
 *
 * <p>Tolerances. gx (9 float products of gpre, itself float: ~1e-6 relative) 1e-5 absolute and relative as the
 * forward suite. gw and gbias add count = N·H'·W' terms |gpre·x| ≤ 1.1: float products and float partial sums of
 * at most ~100 terms per thread (then double): ≤ ~1e-5 · Σ|terms|, the bound asserted per weight. F64: 1e-12 times
 * the same sums. bf16 y: rounded once to 8 significant bits, so 2⁻⁸ relative (twice the half-ulp) plus 1e-5.
 */
public abstract class BackendContractDepthwiseConvSiluBackwardTest {
    protected abstract Device device();

    private final RandomTensors rnd = new RandomTensors(96);

    /** (N, C, H, W, stride, pad): the kernel cases listed in the class comment; 3×3 kernels throughout. */
    private static final int[][] CASES = {{3, 5, 7, 7, 1, 1}, {2, 3, 14, 14, 1, 1}, {2, 4, 28, 28, 1, 1}, {1, 2, 56, 56, 1, 1},
                                          {2, 3, 5, 9, 1, 1}, {1, 4, 9, 9, 2, 1}, {1, 2, 80, 80, 1, 1}};

    private static double sigmoid(double v) { return 1 / (1 + Math.exp(-v)); }

    /** {y, gx, gw, gb, Σ|gpre·x| per weight, Σ|gpre| per channel} of the composition in plain float64 loops. */
    static double[][] reference(double[] x, double[] w, double[] b, double[] gy, int n, int c, int h, int wd, ConvParams p) {
        int k = 3, oh = ConvParams.outSize(h, k, p.strideH(), p.padH(), 1), ow = ConvParams.outSize(wd, k, p.strideW(), p.padW(), 1);
        double[] y = new double[n * c * oh * ow], gx = new double[x.length], gw = new double[c * 9], gb = new double[c];
        double[] gwAbs = new double[c * 9], gbAbs = new double[c];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double pre = b == null ? 0 : b[ch];
                        for (int t = 0; t < 9; t++) {
                            int iy = oy * p.strideH() - p.padH() + t / 3, ix = ox * p.strideW() - p.padW() + t % 3;
                            if (iy >= 0 && iy < h && ix >= 0 && ix < wd) pre += w[ch * 9 + t] * x[((i * c + ch) * h + iy) * wd + ix];
                        }
                        int e = ((i * c + ch) * oh + oy) * ow + ox;
                        double s = sigmoid(pre), g = gy[e] * s * (1 + pre * (1 - s));
                        y[e] = pre * s;
                        gb[ch] += g;
                        gbAbs[ch] += Math.abs(g);
                        for (int t = 0; t < 9; t++) {
                            int iy = oy * p.strideH() - p.padH() + t / 3, ix = ox * p.strideW() - p.padW() + t % 3;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                            int xi = ((i * c + ch) * h + iy) * wd + ix;
                            gx[xi] += g * w[ch * 9 + t];
                            gw[ch * 9 + t] += g * x[xi];
                            gwAbs[ch * 9 + t] += Math.abs(g * x[xi]);
                        }
                    }
                }
            }
        }
        return new double[][] {y, gx, gw, gb, gwAbs, gbAbs};
    }

    private static double[] round(double[] v, DType dt) {
        Tensor t = Tensor.of(v, v.length).to(dt);
        return t.to(DType.F64).toDoubleArray();
    }

    /** |actual − expected| ≤ rel · scale per element. */
    private static void assertWithin(double[] expected, Tensor actual, double[] scale, double rel, String what) {
        double[] got = actual.to(DType.F64).toDoubleArray();
        assertEquals(expected.length, got.length, what + ": length");
        for (int i = 0; i < got.length; i++) {
            double tol = rel * scale[i] + 1e-12;
            if (!(Math.abs(got[i] - expected[i]) <= tol)) {
                throw new AssertionError(what + "[" + i + "]: " + got[i] + ", expected " + expected[i] + " within " + tol);
            }
        }
    }

    @Test void wholeBackwardMatchesTheFloat64Loops() {
        for (DType xType : new DType[] {DType.F64, DType.F32, DType.BF16}) {
            DType pType = xType == DType.BF16 ? DType.F32 : xType;
            for (int[] cs : CASES) {
                for (boolean withBias : new boolean[] {true, false}) {
                    int n = cs[0], c = cs[1], h = cs[2], wd = cs[3];
                    ConvParams p = ConvParams.of(cs[4], cs[5], 1, c);
                    int oh = ConvParams.outSize(h, 3, cs[4], cs[5], 1), ow = ConvParams.outSize(wd, 3, cs[4], cs[5], 1);
                    String what = "depthwiseConv2dSiluBackward x " + xType + " " + Arrays.toString(cs) + " bias " + withBias;
                    double[] x = round(rnd.values(n, c, h, wd), xType), w = round(rnd.values(c, 1, 3, 3), pType);
                    double[] b = withBias ? round(rnd.values(c), pType) : null, gy = round(rnd.values(n, c, oh, ow), pType);
                    Tensor tx = RandomTensors.tensor(x, xType, device(), n, c, h, wd), tw = RandomTensors.tensor(w, pType, device(), c, 1, 3, 3);
                    Tensor tb = b == null ? null : RandomTensors.tensor(b, pType, device(), c);
                    Tensor tg = RandomTensors.tensor(gy, pType, device(), n, c, oh, ow);
                    double[][] ref = reference(x, w, b, gy, n, c, h, wd, p);
                    double tol = xType == DType.F64 ? 1e-12 : 1e-5;

                    Tensor y = tx.backend().depthwiseConv2dSilu(tx, tw, tb, p);
                    assertEquals(xType, y.dtype(), what + ": y dtype");
                    if (xType == DType.BF16) assertClose(ref[0], new int[] {n, c, oh, ow}, y, 1e-5, 0x1p-8, what + ": y");
                    else assertClose(ref[0], new int[] {n, c, oh, ow}, y, tol, tol, what + ": y");

                    Tensor[] g = tx.backend().depthwiseConv2dSiluBackward(tg, tx, tw, tb, p, true, true, true);
                    assertEquals(pType, g[0].dtype(), what + ": gx dtype");
                    assertClose(ref[1], new int[] {n, c, h, wd}, g[0], tol, tol, what + ": gx");
                    assertWithin(ref[2], g[1], ref[4], tol, what + ": gw");
                    assertEquals(Arrays.toString(new int[] {c, 1, 3, 3}), Arrays.toString(g[1].shape()), what + ": gw shape");
                    if (withBias) assertWithin(ref[3], g[2], ref[5], tol, what + ": gbias");
                    else assertNull(g[2], what + ": no bias, no gbias");
                }
            }
        }
    }

    @Test void onlyTheAskedGradientsAreReturned() {
        int n = 2, c = 3, h = 7, wd = 7;
        ConvParams p = ConvParams.of(1, 1, 1, c);
        Tensor x = rnd.uniform(DType.F32, device(), n, c, h, wd), w = rnd.uniform(DType.F32, device(), c, 1, 3, 3);
        Tensor b = rnd.uniform(DType.F32, device(), c), gy = rnd.uniform(DType.F32, device(), n, c, h, wd);
        Tensor[] all = x.backend().depthwiseConv2dSiluBackward(gy, x, w, b, p, true, true, true);
        Tensor[] gxOnly = x.backend().depthwiseConv2dSiluBackward(gy, x, w, b, p, true, false, false);
        assertNull(gxOnly[1]);
        assertNull(gxOnly[2]);
        assertEquals(0, all[0].maxAbsDiff(gxOnly[0]), 0.0, "gx does not depend on which sums are asked for");
        Tensor[] paramsOnly = x.backend().depthwiseConv2dSiluBackward(gy, x, w, b, p, false, true, true);
        assertNull(paramsOnly[0]);
        assertNotNull(paramsOnly[1]);
        assertEquals(0, all[1].maxAbsDiff(paramsOnly[1]), 0.0, "gw is the same without gx");
        assertEquals(0, all[2].maxAbsDiff(paramsOnly[2]), 0.0, "gbias is the same without gx");
    }
}
