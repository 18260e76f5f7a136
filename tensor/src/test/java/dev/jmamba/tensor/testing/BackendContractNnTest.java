package dev.jmamba.tensor.testing;

import static dev.jmamba.tensor.testing.TensorAssert.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.InterpolateMode;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import org.junit.jupiter.api.Test;

/**
 * Conformance suite, part two: matmul, convolution, pooling, interpolation, indexing, norms and
 * scopes. Backward primitives are checked with the adjoint identity
 * {@code <f(x), g> = <x, f^T(g)>} in F64 (exact up to rounding, so rtol 1e-10), which needs no
 * finite differences. F32 matmul/conv compare against float64 references with
 * {@code atol = 1e-5 · sqrt(k)} for inputs in [-1, 1] (k-term dot products of fp32 products).
 */
public abstract class BackendContractNnTest {
    protected abstract Device device();

    protected final RandomTensors rnd = new RandomTensors(77);

    private Tensor t(double[] v, DType dt, int... shape) { return RandomTensors.tensor(v, dt, device(), shape); }

    @Test void matmulAllRankCombinations() {
        for (DType dt : new DType[] {DType.F32, DType.F64}) {
            int m = rnd.between(1, 9), k = rnd.between(1, 40), n = rnd.between(1, 9);
            double[] a = rnd.values(m, k), b = rnd.values(k, n);
            double tol = dt == DType.F64 ? 1e-12 : 1e-5 * Math.sqrt(k);
            Tensor ta = t(a, dt, m, k), tb = t(b, dt, k, n);
            double[] c = Ref.matmul(a, b, m, k, n);
            assertClose(c, new int[] {m, n}, ta.matmul(tb), tol, 0, "2-D " + dt);
            assertClose(c, new int[] {m, n}, RandomTensors.nonContiguous(ta).matmul(RandomTensors.nonContiguous(tb)), tol, 0, "2-D transposed views " + dt);
            double[] bv = rnd.values(k);
            assertClose(Ref.matmul(a, bv, m, k, 1), new int[] {m}, ta.matmul(t(bv, dt, k)), tol, 0, "matrix @ vector");
            double[] av = rnd.values(m);
            double[] vm = Ref.matmul(av, a, 1, m, k);
            assertClose(vm, new int[] {k}, t(av, dt, m).matmul(ta), tol, 0, "vector @ matrix");
            // batched with broadcast batch dims: (2, 1, m, k) @ (3, k, n) -> (2, 3, m, n)
            double[] ab = rnd.values(2, 1, m, k), bb = rnd.values(3, k, n);
            Tensor out = t(ab, dt, 2, 1, m, k).matmul(t(bb, dt, 3, k, n));
            assertArrayEquals(new int[] {2, 3, m, n}, out.shape());
            double[] exp = new double[2 * 3 * m * n];
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 3; j++) {
                    double[] ai = java.util.Arrays.copyOfRange(ab, i * m * k, (i + 1) * m * k);
                    double[] bj = java.util.Arrays.copyOfRange(bb, j * k * n, (j + 1) * k * n);
                    System.arraycopy(Ref.matmul(ai, bj, m, k, n), 0, exp, (i * 3 + j) * m * n, m * n);
                }
            assertClose(exp, new int[] {2, 3, m, n}, out, tol, 0, "batched broadcast " + dt);
            // (2, 3, m, k) @ one (k, n) weight, as given and as a transposed (n, k) view, and as (1, k, n):
            // the rows of a fold into one product on backends that can (same result as per-matrix products)
            double[] a4 = rnd.values(2, 3, m, k), w = rnd.values(n, k);
            double[] wT = new double[k * n];
            for (int i = 0; i < n; i++) for (int j = 0; j < k; j++) wT[j * n + i] = w[i * k + j];
            double[] exp4 = Ref.matmul(a4, wT, 6 * m, k, n);
            Tensor a4t = t(a4, dt, 2, 3, m, k);
            assertClose(exp4, new int[] {2, 3, m, n}, a4t.matmul(t(wT, dt, k, n)), tol, 0, "rank-4 @ 2-D " + dt);
            assertClose(exp4, new int[] {2, 3, m, n}, a4t.matmul(t(w, dt, n, k).transpose(0, 1)), tol, 0, "rank-4 @ transposed 2-D " + dt);
            assertClose(exp4, new int[] {2, 3, m, n}, a4t.matmul(t(wT, dt, 1, k, n)), tol, 0, "rank-4 @ (1, k, n) " + dt);
            assertClose(exp4, new int[] {2, 3, m, n}, RandomTensors.nonContiguous(a4t).matmul(t(wT, dt, k, n)), tol, 0, "non-contiguous rank-4 @ 2-D " + dt);
        }
        assertEquals(0, Tensor.zeros(DType.F32, device(), 0, 3).matmul(Tensor.zeros(DType.F32, device(), 3, 2)).numel());
        assertArrayEquals(new float[] {0, 0, 0, 0}, Tensor.zeros(DType.F32, device(), 2, 0).matmul(Tensor.zeros(DType.F32, device(), 0, 2)).toFloatArray(), "k = 0 gives zeros");
    }

    private static final int[][] CONV_CASES = {
        // n, c, h, w, o, kh, kw, stride, pad, dilation, groups
        {2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1}, {1, 4, 9, 9, 4, 3, 3, 2, 1, 1, 4}, {2, 2, 5, 8, 6, 2, 3, 1, 0, 2, 2},
        {1, 3, 16, 16, 5, 4, 4, 4, 0, 1, 1}, {3, 1, 1, 10, 2, 1, 3, 1, 1, 1, 1},
    };

    @Test void conv2dAndItsGradientsMatchDirectLoops() {
        for (int[] cc : CONV_CASES) {
            int n = cc[0], c = cc[1], h = cc[2], w = cc[3], o = cc[4], kh = cc[5], kw = cc[6];
            ConvParams p = ConvParams.of(cc[7], cc[8], cc[9], cc[10]);
            int[] xs = {n, c, h, w}, ws = {o, c / cc[10], kh, kw};
            double[] x = rnd.values(xs), wt = rnd.values(ws), bias = rnd.values(o);
            int[] ys = new int[4];
            double[] y = Ref.conv2d(x, xs, wt, ws, bias, cc[7], cc[7], cc[8], cc[8], cc[9], cc[9], cc[10], ys);
            String what = "conv " + java.util.Arrays.toString(cc);
            Tensor tx = t(x, DType.F64, xs), tw = t(wt, DType.F64, ws);
            assertClose(y, ys, tx.conv2d(tw, t(bias, DType.F64, o), p), 1e-12, 1e-12, what);
            int k = ws[1] * kh * kw;
            assertClose(y, ys, t(x, DType.F32, xs).conv2d(t(wt, DType.F32, ws), t(bias, DType.F32, o), p), 1e-5 * Math.sqrt(k), 0, what + " F32");
            // adjoint identities for the two gradient primitives
            double[] g = rnd.values(ys);
            Tensor tg = t(g, DType.F64, ys);
            double lhs = Ref.dot(tx.conv2d(tw, null, p).toDoubleArray(), g);
            double rx = Ref.dot(x, tx.backend().conv2dInputGrad(tg, tw, xs, p).toDoubleArray());
            double rw = Ref.dot(wt, tx.backend().conv2dWeightGrad(tg, tx, ws, p).toDoubleArray());
            assertEquals(lhs, rx, 1e-10 * Math.max(1, Math.abs(lhs)), what + " input grad adjoint");
            assertEquals(lhs, rw, 1e-10 * Math.max(1, Math.abs(lhs)), what + " weight grad adjoint");
        }
    }

    /**
     * Depthwise weight gradients element by element against loops: 3×3 (the chunked kernel, several
     * chunks per channel at 3·60·60 outputs), strided, dilated, 1×3, and 5×5 (25 taps: the per-weight
     * kernel). F64: summation order only (1e-12 relative to the sum of |terms|).
     */
    @Test void depthwiseWeightGradientsMatchLoops() {
        int[][] cases = { // n, c, h, w, kh, kw, stride, pad, dilation
            {3, 5, 60, 60, 3, 3, 1, 1, 1}, {2, 4, 17, 13, 3, 3, 2, 1, 1}, {2, 3, 11, 12, 3, 3, 1, 2, 2},
            {1, 6, 9, 31, 1, 3, 1, 1, 1}, {2, 3, 14, 14, 5, 5, 1, 2, 1}, {1, 2, 80, 80, 3, 3, 1, 1, 1},
        };
        for (int[] k : cases) {
            int n = k[0], c = k[1], h = k[2], w = k[3], kh = k[4], kw = k[5], st = k[6], pad = k[7], dil = k[8];
            int oh = (h + 2 * pad - dil * (kh - 1) - 1) / st + 1, ow = (w + 2 * pad - dil * (kw - 1) - 1) / st + 1;
            double[] x = rnd.values(n, c, h, w), gy = rnd.values(n, c, oh, ow);
            double[] want = new double[c * kh * kw], scale = new double[c * kh * kw];
            for (int b = 0; b < n; b++) for (int ch = 0; ch < c; ch++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
                double g = gy[((b * c + ch) * oh + oy) * ow + ox];
                for (int ky = 0; ky < kh; ky++) for (int kx = 0; kx < kw; kx++) {
                    int iy = oy * st - pad + ky * dil, ix = ox * st - pad + kx * dil;
                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                    double term = g * x[((b * c + ch) * h + iy) * w + ix];
                    want[(ch * kh + ky) * kw + kx] += term;
                    scale[(ch * kh + ky) * kw + kx] += Math.abs(term);
                }
            }
            Tensor tx = t(x, DType.F64, n, c, h, w), tg = t(gy, DType.F64, n, c, oh, ow);
            ConvParams p = ConvParams.of(st, pad, dil, c);
            double[] got = tx.backend().conv2dWeightGrad(tg, tx, new int[] {c, 1, kh, kw}, p).toDoubleArray();
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-12 * (1 + scale[i]), "depthwise weight grad " + java.util.Arrays.toString(k) + " entry " + i);
            }
            // forward and input gradient of the same case, element by element (the plane kernels, or the
            // per-output ones where a plane is past 48 KiB: the 80×80 float64 case)
            double[] wt = rnd.values(c, 1, kh, kw);
            double[] y = new double[n * c * oh * ow], dx = new double[n * c * h * w];
            for (int b = 0; b < n; b++) for (int ch = 0; ch < c; ch++) for (int oy = 0; oy < oh; oy++) for (int ox = 0; ox < ow; ox++) {
                int o = ((b * c + ch) * oh + oy) * ow + ox;
                for (int ky = 0; ky < kh; ky++) for (int kx = 0; kx < kw; kx++) {
                    int iy = oy * st - pad + ky * dil, ix = ox * st - pad + kx * dil;
                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                    int in = ((b * c + ch) * h + iy) * w + ix;
                    y[o] += wt[(ch * kh + ky) * kw + kx] * x[in];
                    dx[in] += wt[(ch * kh + ky) * kw + kx] * gy[o];
                }
            }
            Tensor tw = t(wt, DType.F64, c, 1, kh, kw);
            assertClose(y, new int[] {n, c, oh, ow}, tx.conv2d(tw, null, p), 1e-12, 1e-12, "depthwise forward " + java.util.Arrays.toString(k));
            assertClose(dx, new int[] {n, c, h, w}, tx.backend().conv2dInputGrad(tg, tw, new int[] {n, c, h, w}, p), 1e-12, 1e-12,
                    "depthwise input grad " + java.util.Arrays.toString(k));
        }
    }

    /**
     * Float32 depthwise 3×3 (stride 1, padding 1: VMamba's conv) on NCHW tensors and on channels-last
     * views (a permuted (N, H, W, C) tensor), forward with bias, input gradient (also in x's layout via
     * conv2dInputGradLike) and weight gradient, against float64 loops. Sizes leave partial tiles in
     * every dim. Tolerance: a float32 sum of n terms is within n·2⁻²⁴·Σ|term| in any order
     * (n = 9 for the forward and input gradient, N·H·W for the weight gradient).
     */
    @Test void depthwise3x3Float32InBothLayoutsMatchesLoops() {
        int n = 2, c = 40, h = 19, w = 37;
        double[] x = rnd.values(n, c, h, w), gy = rnd.values(n, c, h, w), wt = rnd.values(c, 1, 3, 3), b = rnd.values(c);
        for (int i = 0; i < x.length; i++) { x[i] = (float) x[i]; gy[i] = (float) gy[i]; }
        for (int i = 0; i < wt.length; i++) wt[i] = (float) wt[i];
        for (int i = 0; i < b.length; i++) b[i] = (float) b[i];
        double[] y = new double[x.length], yScale = new double[x.length], dx = new double[x.length], dxScale = new double[x.length];
        double[] dw = new double[c * 9], dwScale = new double[c * 9];
        for (int bi = 0; bi < n; bi++) for (int ch = 0; ch < c; ch++) for (int oy = 0; oy < h; oy++) for (int ox = 0; ox < w; ox++) {
            int o = ((bi * c + ch) * h + oy) * w + ox;
            y[o] += b[ch];
            yScale[o] += Math.abs(b[ch]);
            for (int ky = 0; ky < 3; ky++) for (int kx = 0; kx < 3; kx++) {
                int iy = oy - 1 + ky, ix = ox - 1 + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                int in = ((bi * c + ch) * h + iy) * w + ix;
                double wv = wt[ch * 9 + ky * 3 + kx];
                y[o] += wv * x[in];
                yScale[o] += Math.abs(wv * x[in]);
                dx[in] += wv * gy[o];
                dxScale[in] += Math.abs(wv * gy[o]);
                dw[ch * 9 + ky * 3 + kx] += gy[o] * x[in];
                dwScale[ch * 9 + ky * 3 + kx] += Math.abs(gy[o] * x[in]);
            }
        }
        Tensor tw = t(wt, DType.F32, c, 1, 3, 3), tb = t(b, DType.F32, c);
        ConvParams p = ConvParams.of(1, 1, 1, c);
        Tensor nchw = t(x, DType.F32, n, c, h, w);
        Tensor channelsLast = nchw.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);   // same values, c innermost
        Tensor g = t(gy, DType.F32, n, c, h, w);
        Tensor gLast = g.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
        double e9 = 9 * 0x1p-24, eSum = (double) n * h * w * 0x1p-24;
        for (Tensor in : new Tensor[] {nchw, channelsLast}) {
            String layout = in == nchw ? "NCHW" : "channels-last";
            assertWithin(y, yScale, e9, in.conv2d(tw, tb, p).toDoubleArray(), "forward " + layout);
            assertWithin(dx, dxScale, e9, in.backend().conv2dInputGradLike(g, tw, in, p).toDoubleArray(), "input grad like " + layout);
            for (Tensor grad : new Tensor[] {g, gLast}) {
                assertWithin(dw, dwScale, eSum, in.backend().conv2dWeightGrad(grad, in, new int[] {c, 1, 3, 3}, p).toDoubleArray(),
                        "weight grad " + layout + (grad == g ? ", NCHW gy" : ", channels-last gy"));
            }
        }
        assertWithin(dx, dxScale, e9, nchw.backend().conv2dInputGrad(g, tw, new int[] {n, c, h, w}, p).toDoubleArray(), "input grad");
    }

    private static void assertWithin(double[] want, double[] scale, double rel, double[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], rel * scale[i] + 1e-30, what + " element " + i);
        }
    }

    @Test void conv1dIsConv2dWithHeightOne() {
        double[] x = rnd.values(2, 4, 11), w = rnd.values(4, 1, 4);
        Tensor y = t(x, DType.F64, 2, 4, 11).conv1d(t(w, DType.F64, 4, 1, 4), null, 1, 3, 1, 4);
        assertArrayEquals(new int[] {2, 4, 14}, y.shape());
        // causal depthwise: out[l] (first L outputs) = sum_k w[k] * x[l - 3 + k]
        double[] yv = y.toDoubleArray();
        for (int b = 0; b < 2; b++)
            for (int ch = 0; ch < 4; ch++)
                for (int l = 0; l < 11; l++) {
                    double s = 0;
                    for (int kk = 0; kk < 4; kk++) {
                        int src = l - 3 + kk;
                        if (src >= 0) s += w[ch * 4 + kk] * x[(b * 4 + ch) * 11 + src];
                    }
                    assertEquals(s, yv[(b * 4 + ch) * 14 + l], 1e-12);
                }
    }

    @Test void poolingAndAdjoints() {
        double[] x = rnd.values(2, 3, 7, 9);
        int[] xs = {2, 3, 7, 9};
        Tensor tx = t(x, DType.F64, xs);
        Tensor ap = tx.avgPool2d(3, 2, 1);
        assertArrayEquals(new int[] {2, 3, 4, 5}, ap.shape());
        // element (0,0,1,2): window rows 1..3, cols 3..5, divisor 9
        double s = 0;
        for (int r = 1; r <= 3; r++) for (int c = 3; c <= 5; c++) s += x[r * 9 + c];
        assertEquals(s / 9, ap.toDoubleArray()[1 * 5 + 2], 1e-14);
        double[] g = rnd.values(ap.shape());
        double lhs = Ref.dot(ap.toDoubleArray(), g);
        double rhs = Ref.dot(x, tx.backend().avgPool2dBackward(t(g, DType.F64, ap.shape()), xs, 3, 3, 2, 2, 1, 1).toDoubleArray());
        assertEquals(lhs, rhs, 1e-11, "avgPool adjoint");
        Tensor ad = tx.adaptiveAvgPool2d(3, 4);
        // PyTorch bins along H=7 -> 3: [0,3), [2,5), [4,7)
        double b = 0;
        for (int r = 2; r < 5; r++) for (int c = 0; c < 3; c++) b += x[r * 9 + c];
        assertEquals(b / 9, ad.toDoubleArray()[1 * 4], 1e-14, "adaptive bin (1, 0)");
        double[] g2 = rnd.values(ad.shape());
        assertEquals(Ref.dot(ad.toDoubleArray(), g2),
                Ref.dot(x, tx.backend().adaptiveAvgPool2dBackward(t(g2, DType.F64, ad.shape()), xs).toDoubleArray()), 1e-11, "adaptive adjoint");
        assertClose(tx.mean(true, 2, 3), tx.adaptiveAvgPool2d(1, 1), 1e-14, 1e-13, "global average pool");
    }

    /** Reference resampling written from PyTorch's documented formulas, one output point at a time. */
    private static double interpPoint(double[] img, int h, int w, int oh, int ow, int oy, int ox, InterpolateMode mode, boolean ac) {
        double[] sy = src(h, oh, oy, mode, ac), sx = src(w, ow, ox, mode, ac);
        return switch (mode) {
            case NEAREST -> img[(int) sy[0] * w + (int) sx[0]];
            case BILINEAR -> {
                int y0 = (int) Math.floor(sy[0]), x0 = (int) Math.floor(sx[0]);
                double ly = sy[0] - y0, lx = sx[0] - x0;
                int y1 = Math.min(y0 + 1, h - 1), x1 = Math.min(x0 + 1, w - 1);
                yield (1 - ly) * ((1 - lx) * img[y0 * w + x0] + lx * img[y0 * w + x1]) + ly * ((1 - lx) * img[y1 * w + x0] + lx * img[y1 * w + x1]);
            }
            case BICUBIC -> {
                int y0 = (int) Math.floor(sy[0]), x0 = (int) Math.floor(sx[0]);
                double acc = 0;
                for (int i = -1; i <= 2; i++)
                    for (int j = -1; j <= 2; j++) {
                        double wy = keys(sy[0] - (y0 + i)), wx = keys(sx[0] - (x0 + j));
                        int yy = Math.min(Math.max(y0 + i, 0), h - 1), xx = Math.min(Math.max(x0 + j, 0), w - 1);
                        acc += wy * wx * img[yy * w + xx];
                    }
                yield acc;
            }
        };
    }

    /** Keys' cubic convolution kernel with a = -0.75 evaluated at distance d. */
    private static double keys(double d) {
        double a = -0.75, x = Math.abs(d);
        if (x <= 1) return (a + 2) * x * x * x - (a + 3) * x * x + 1;
        if (x < 2) return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a;
        return 0;
    }

    private static double[] src(int in, int out, int o, InterpolateMode mode, boolean ac) {
        if (mode == InterpolateMode.NEAREST) return new double[] {Math.min(Math.floor(o * (double) in / out), in - 1)};
        double s;
        if (ac) s = out > 1 ? o * (in - 1.0) / (out - 1.0) : 0;
        else {
            s = (o + 0.5) * in / out - 0.5;
            if (mode == InterpolateMode.BILINEAR) s = Math.max(s, 0);
        }
        return new double[] {s};
    }

    @Test void interpolateMatchesFormulasAndItsAdjoint() {
        int[][] sizes = {{5, 7, 9, 4}, {14, 14, 24, 24}, {3, 4, 3, 4}, {6, 6, 1, 1}};
        for (InterpolateMode mode : InterpolateMode.values()) {
            for (boolean ac : new boolean[] {false, true}) {
                if (mode == InterpolateMode.NEAREST && ac) continue;
                for (int[] sz : sizes) {
                    int h = sz[0], w = sz[1], oh = sz[2], ow = sz[3];
                    double[] x = rnd.values(2, 2, h, w);
                    Tensor tx = t(x, DType.F64, 2, 2, h, w);
                    Tensor y = tx.interpolate(oh, ow, mode, ac);
                    double[] e = new double[2 * 2 * oh * ow];
                    for (int pl = 0; pl < 4; pl++) {
                        double[] img = java.util.Arrays.copyOfRange(x, pl * h * w, (pl + 1) * h * w);
                        for (int oy = 0; oy < oh; oy++)
                            for (int ox = 0; ox < ow; ox++) e[(pl * oh + oy) * ow + ox] = interpPoint(img, h, w, oh, ow, oy, ox, mode, ac);
                    }
                    String what = mode + " ac=" + ac + " " + java.util.Arrays.toString(sz);
                    assertClose(e, new int[] {2, 2, oh, ow}, y, 1e-13, 1e-12, what);
                    double[] g = rnd.values(2, 2, oh, ow);
                    double rhs = Ref.dot(x, tx.backend().interpolateBackward(t(g, DType.F64, 2, 2, oh, ow), new int[] {2, 2, h, w}, mode, ac).toDoubleArray());
                    assertEquals(Ref.dot(e, g), rhs, 1e-10, what + " adjoint");
                }
            }
        }
    }

    @Test void gatherScatterIndexSelect() {
        double[] x = rnd.values(3, 4);
        Tensor tx = t(x, DType.F64, 3, 4);
        Tensor idx = Tensor.of(new long[] {2, 0, 1, 1, 0, 2}, 2, 3).to(device());
        Tensor g = tx.gather(0, idx); // out[i][j] = x[idx[i][j]][j]
        double[] gv = g.toDoubleArray();
        long[] iv = idx.toLongArray();
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) assertEquals(x[(int) iv[i * 3 + j] * 4 + j], gv[i * 3 + j]);
        double[] src = rnd.values(2, 3);
        Tensor sc = Tensor.zeros(DType.F64, device(), 3, 4).scatterAdd(0, idx, t(src, DType.F64, 2, 3));
        double[] se = new double[12];
        for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) se[(int) iv[i * 3 + j] * 4 + j] += src[i * 3 + j];
        assertClose(se, new int[] {3, 4}, sc, 0, 1e-15, "scatterAdd");
        // scatter-add is gather's adjoint
        double[] gg = rnd.values(2, 3);
        assertEquals(Ref.dot(gv, gg), Ref.dot(x, Tensor.zeros(DType.F64, device(), 3, 4).scatterAdd(0, idx, t(gg, DType.F64, 2, 3)).toDoubleArray()), 1e-14);
        Tensor is = tx.indexSelect(1, Tensor.of(new int[] {3, 3, 0}, 3).to(device()));
        assertArrayEquals(new double[] {x[3], x[3], x[0], x[7], x[7], x[4], x[11], x[11], x[8]}, is.toDoubleArray());
        Tensor ia = Tensor.zeros(DType.F64, device(), 3, 4).indexAdd(1, Tensor.of(new int[] {3, 3, 0}, 3).to(device()), is);
        assertEquals(2 * x[3], ia.toDoubleArray()[3], 1e-15, "indexAdd accumulates repeated indices");
        var ex = assertThrows(TensorException.class, () -> tx.gather(0, Tensor.of(new long[] {5}, 1, 1).to(device())).toDoubleArray());
        assertTrue(ex.getMessage().contains("gather"), ex.getMessage());
    }

    @Test void layerNormAndRmsNorm() {
        double[] x = rnd.values(3, 5), w = rnd.values(5), b = rnd.values(5);
        Tensor tx = t(x, DType.F64, 3, 5);
        double[] ln = new double[15], rms = new double[15];
        for (int r = 0; r < 3; r++) {
            double m = 0, v = 0, ss = 0;
            for (int c = 0; c < 5; c++) m += x[r * 5 + c] / 5;
            for (int c = 0; c < 5; c++) { v += Math.pow(x[r * 5 + c] - m, 2) / 5; ss += x[r * 5 + c] * x[r * 5 + c] / 5; }
            for (int c = 0; c < 5; c++) {
                ln[r * 5 + c] = (x[r * 5 + c] - m) / Math.sqrt(v + 1e-5) * w[c] + b[c];
                rms[r * 5 + c] = x[r * 5 + c] / Math.sqrt(ss + 1e-6) * w[c];
            }
        }
        assertClose(ln, new int[] {3, 5}, RandomTensors.nonContiguous(tx).layerNorm(t(w, DType.F64, 5), t(b, DType.F64, 5), 1e-5), 1e-13, 1e-12, "layerNorm");
        assertClose(rms, new int[] {3, 5}, tx.rmsNorm(t(w, DType.F64, 5), 1e-6), 1e-13, 1e-12, "rmsNorm");
        Tensor[] stats = tx.backend().layerNorm(tx, null, null, 1e-5);
        assertArrayEquals(new int[] {3}, stats[1].shape());
        assertClose(ln.length == 15 ? tx.mean(false, 1) : null, stats[1], 1e-15, 1e-14, "layerNorm mean");
    }

    @Test void scopesReleaseTheirTensors() {
        Tensor outer = Tensor.zeros(DType.F32, device(), 2);
        Tensor kept;
        Tensor temp;
        try (Scope s = Scope.open()) {
            temp = outer.add(1);
            kept = s.keep(temp.mul(3));
            assertTrue(s.ownedCount() >= 1);
        }
        assertTrue(temp.storage().isReleased(), "temporaries are released when the scope closes");
        assertArrayEquals(new float[] {3, 3}, kept.toFloatArray(), "kept tensors survive");
        var e = assertThrows(TensorException.class, () -> temp.add(1));
        assertTrue(e.getMessage().contains("scope was closed"), e.getMessage());
        assertArrayEquals(new float[] {0, 0}, outer.toFloatArray(), "tensors made outside any scope are untouched");
    }
}
