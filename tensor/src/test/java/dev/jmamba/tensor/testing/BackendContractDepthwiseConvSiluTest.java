package dev.jmamba.tensor.testing;

import static dev.jmamba.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import org.junit.jupiter.api.Test;

/**
 * Conformance suite for the fused depthwise conv + bias + SiLU ({@code Backend.depthwiseConv2dSilu}) and its
 * pre-activation gradient ({@code depthwiseConv2dSiluGrad}) against float64 loops of the unfused composition
 * (conv, bias, SiLU; gy · silu'(pre)). Inputs uniform in [-1, 1).
 *
 * <p>Tolerances: F64 differs only in the order of the kh·kw products (1e-12). F32: products summed in float
 * (≤ 9 terms of size ≤ 1: ~1e-6 absolute on pre) and the sigmoid in float, so 1e-5 absolute and relative.
 */
public abstract class BackendContractDepthwiseConvSiluTest {
    protected abstract Device device();

    private final RandomTensors rnd = new RandomTensors(95);

    private static double sigmoid(double v) { return 1 / (1 + Math.exp(-v)); }

    /** {y, gpre} in plain loops. */
    static double[][] reference(double[] x, double[] w, double[] b, double[] gy, int n, int c, int h, int wd, int k, ConvParams p) {
        int oh = ConvParams.outSize(h, k, p.strideH(), p.padH(), p.dilationH()), ow = ConvParams.outSize(wd, k, p.strideW(), p.padW(), p.dilationW());
        double[] y = new double[n * c * oh * ow], g = new double[y.length];
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double pre = b == null ? 0 : b[ch];
                        for (int ky = 0; ky < k; ky++) {
                            for (int kx = 0; kx < k; kx++) {
                                int iy = oy * p.strideH() - p.padH() + ky * p.dilationH(), ix = ox * p.strideW() - p.padW() + kx * p.dilationW();
                                if (iy >= 0 && iy < h && ix >= 0 && ix < wd) pre += w[(ch * k + ky) * k + kx] * x[((i * c + ch) * h + iy) * wd + ix];
                            }
                        }
                        int e = ((i * c + ch) * oh + oy) * ow + ox;
                        double s = sigmoid(pre);
                        y[e] = pre * s;
                        g[e] = gy[e] * s * (1 + pre * (1 - s));
                    }
                }
            }
        }
        return new double[][] {y, g};
    }

    @Test void forwardAndPreActivationGradientMatchTheFloat64Loops() {
        // (N, C, H, W, k, stride, pad, dilation): VMamba's 3x3, strided, dilated, a plane past 48 KiB in F64 (global-memory kernel)
        int[][] cases = {{2, 3, 5, 7, 3, 1, 1, 1}, {1, 4, 9, 9, 3, 2, 1, 1}, {2, 2, 6, 5, 3, 1, 2, 2}, {1, 2, 80, 80, 3, 1, 1, 1}};
        for (DType dt : new DType[] {DType.F64, DType.F32}) {
            for (int[] cs : cases) {
                for (boolean withBias : new boolean[] {true, false}) {
                    int n = cs[0], c = cs[1], h = cs[2], wd = cs[3], k = cs[4];
                    ConvParams p = ConvParams.of(cs[5], cs[6], cs[7], c);
                    int oh = ConvParams.outSize(h, k, cs[5], cs[6], cs[7]), ow = ConvParams.outSize(wd, k, cs[5], cs[6], cs[7]);
                    String what = "depthwiseConv2dSilu " + dt + " " + java.util.Arrays.toString(cs) + " bias " + withBias;
                    double[] x = round(rnd.values(n, c, h, wd), dt), w = round(rnd.values(c, 1, k, k), dt);
                    double[] b = withBias ? round(rnd.values(c), dt) : null, gy = round(rnd.values(n, c, oh, ow), dt);
                    Tensor tx = RandomTensors.tensor(x, dt, device(), n, c, h, wd), tw = RandomTensors.tensor(w, dt, device(), c, 1, k, k);
                    Tensor tb = b == null ? null : RandomTensors.tensor(b, dt, device(), c);
                    double[][] ref = reference(x, w, b, gy, n, c, h, wd, k, p);
                    double tol = dt == DType.F64 ? 1e-12 : 1e-5;
                    assertClose(ref[0], new int[] {n, c, oh, ow}, tx.backend().depthwiseConv2dSilu(tx, tw, tb, p), tol, tol, what + ": y");
                    Tensor g = tx.backend().depthwiseConv2dSiluGrad(RandomTensors.tensor(gy, dt, device(), n, c, oh, ow), tx, tw, tb, p);
                    assertClose(ref[1], new int[] {n, c, oh, ow}, g, tol, tol, what + ": gpre");
                }
            }
        }
    }

    private static double[] round(double[] v, DType dt) {
        if (dt == DType.F32) for (int i = 0; i < v.length; i++) v[i] = (float) v[i];
        return v;
    }

    @Test void rejectsNonDepthwiseOperands() {
        Tensor x = rnd.uniform(DType.F32, device(), 1, 4, 5, 5);
        var groups = assertThrows(TensorException.class,
                () -> x.backend().depthwiseConv2dSilu(x, rnd.uniform(DType.F32, device(), 4, 1, 3, 3), null, ConvParams.of(1, 1, 1, 2)));
        assertTrue(groups.getMessage().contains("groups = channels = 4"), groups.getMessage());
        var weight = assertThrows(TensorException.Shape.class,
                () -> x.backend().depthwiseConv2dSilu(x, rnd.uniform(DType.F32, device(), 4, 2, 3, 3), null, ConvParams.of(1, 1, 1, 4)));
        assertTrue(weight.getMessage().contains("w of shape (4, 1, kh, kw)"), weight.getMessage());
    }
}
