package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;

/**
 * Float32 depthwise 2-D convolution (groups = C = O: one kh×kw filter per channel) as direct loops
 * over each (image, channel) plane, instead of {@link ConvCpu}'s im2col + GEMM per plane, which for
 * a 3×3 filter is a (1, 9) × (9, H'·W') product plus a gathered copy and an array per plane (VMamba's
 * SS2D conv: thousands of 7×7 planes per call). Forward, input gradient and weight gradient; every
 * sum runs in a fixed order (taps ky, kx; images n in order for the weight gradient), so results do
 * not depend on the thread count. {@link ConvCpu} stays the reference the tests compare with. With the Vector API,
 * "same"-size stride-1 planes run as masked plane shifts ({@link DepthwiseConvSimd}, the same bits as the loops).
 */
final class DepthwiseConvCpu {
    private DepthwiseConvCpu() {}

    /** Whether the fast loops apply: float32, one filter per channel. */
    static boolean applies(DType dtype, int[] xShape, int[] wShape, ConvParams p) {
        return dtype == DType.F32 && p.groups() == xShape[1] && wShape[0] == xShape[1] && wShape[1] == 1;
    }

    /** Output side of one axis. */
    private static int out(int in, int k, int stride, int pad, int dilation) { return ConvParams.outSize(in, k, stride, pad, dilation); }

    /**
     * The first output index o of one axis whose input index o·stride − pad + k·dilation is ≥ 0, and the end
     * (exclusive) of those below {@code in}: the taps' valid ranges, so the inner loops need no bounds tests.
     */
    private static int first(int k, int stride, int pad, int dilation, int outSize) {
        return Math.min(outSize, Math.max(0, Math.ceilDiv(pad - k * dilation, stride)));
    }

    private static int end(int in, int k, int stride, int pad, int dilation, int outSize) {
        return Math.max(0, Math.min(outSize, Math.ceilDiv(in + pad - k * dilation, stride)));
    }

    /**
     * y = conv(x, w) + bias, optionally followed by SiLU (the backend's element-wise SiLU on the result). Each output
     * starts at the bias and adds its taps in (ky, kx) order.
     *
     * @param x    (N, C, H, W)
     * @param w    (C, 1, kh, kw)
     * @param bias (C) or null
     * @return (N, C, H', W')
     */
    static Tensor forward(Tensor x, Tensor w, Tensor bias, ConvParams p, boolean silu) {
        return forward(x, w, bias, p, silu, SimdSupport.ENABLED);
    }

    /** As {@link #forward(Tensor, Tensor, Tensor, ConvParams, boolean)}; {@code vectorPlanes} false keeps the scalar loops (tests). */
    static Tensor forward(Tensor x, Tensor w, Tensor bias, ConvParams p, boolean silu, boolean vectorPlanes) {
        Tensor xc = x.contiguous(), wc = w.contiguous(), bc = bias == null ? null : bias.contiguous();
        int n = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3), kh = w.size(2), kw = w.size(3);
        int oh = out(h, kh, p.strideH(), p.padH(), p.dilationH()), ow = out(wd, kw, p.strideW(), p.padW(), p.dilationW());
        Tensor y = ElementwiseCpu.newTensor(DType.F32, new int[] {n, c, oh, ow});
        float[] X = (float[]) ElementwiseCpu.arr(xc), Wt = (float[]) ElementwiseCpu.arr(wc), Y = (float[]) ElementwiseCpu.arr(y);
        float[] Bs = bc == null ? null : (float[]) ElementwiseCpu.arr(bc);
        int xo = xc.offset(), wo = wc.offset(), bo = bc == null ? 0 : bc.offset();
        int sh = p.strideH(), sw = p.strideW(), ph = p.padH(), pw = p.padW(), dh = p.dilationH(), dw = p.dilationW();
        if (vectorPlanes && DepthwiseConvSimd.applies(h, wd, kh, kw, p)) {
            Parallel.forBlocks(n * c, grain(oh * ow * kh * kw), (first, end) ->
                    DepthwiseConvSimd.forward(X, xo, Wt, wo, Bs, bo, Y, first, end, c, h, wd, kh, kw, ph, pw));
            return silu ? y.silu() : y;
        }
        Parallel.forRange(n * c, grain(oh * ow * kh * kw), plane -> {
            int ch = plane % c, xBase = xo + plane * h * wd, yBase = plane * oh * ow, wBase = wo + ch * kh * kw;
            java.util.Arrays.fill(Y, yBase, yBase + oh * ow, Bs == null ? 0f : Bs[bo + ch]);
            for (int oy = 0; oy < oh; oy++) {
                int yRow = yBase + oy * ow;
                for (int ky = 0; ky < kh; ky++) {
                    int iy = oy * sh - ph + ky * dh;
                    if (iy < 0 || iy >= h) continue;
                    int xRow = xBase + iy * wd - pw;
                    for (int kx = 0; kx < kw; kx++) {
                        float wv = Wt[wBase + ky * kw + kx];
                        int x0 = xRow + kx * dw;
                        for (int ox = first(kx, sw, pw, dw, ow), e = end(wd, kx, sw, pw, dw, ow); ox < e; ox++) {
                            Y[yRow + ox] += wv * X[x0 + ox * sw];
                        }
                    }
                }
            }
        });
        return silu ? y.silu() : y;
    }

    /** Planes per task: about 4096 multiply-adds at least. */
    private static int grain(int perPlane) { return Math.max(1, 4096 / Math.max(1, perPlane)); }

    /**
     * dx of y = conv(x, w): every output gradient spread back over the inputs its taps read.
     *
     * @param gy (N, C, H', W')
     * @param w  (C, 1, kh, kw)
     * @return (N, C, H, W) = xShape
     */
    static Tensor inputGrad(Tensor gy, Tensor w, int[] xShape, ConvParams p) {
        return inputGrad(gy, w, xShape, p, SimdSupport.ENABLED);
    }

    /** As {@link #inputGrad(Tensor, Tensor, int[], ConvParams)}; {@code vectorPlanes} false keeps the scalar loops (tests). */
    static Tensor inputGrad(Tensor gy, Tensor w, int[] xShape, ConvParams p, boolean vectorPlanes) {
        Tensor gc = gy.contiguous(), wc = w.contiguous();
        int n = xShape[0], c = xShape[1], h = xShape[2], wd = xShape[3], kh = w.size(2), kw = w.size(3);
        int oh = gy.size(2), ow = gy.size(3);
        Tensor dx = ElementwiseCpu.newTensor(DType.F32, xShape);
        float[] G = (float[]) ElementwiseCpu.arr(gc), Wt = (float[]) ElementwiseCpu.arr(wc), DX = (float[]) ElementwiseCpu.arr(dx);
        int go = gc.offset(), wo = wc.offset();
        int sh = p.strideH(), sw = p.strideW(), ph = p.padH(), pw = p.padW(), dh = p.dilationH(), dw = p.dilationW();
        if (vectorPlanes && DepthwiseConvSimd.applies(h, wd, kh, kw, p)) {
            Parallel.forBlocks(n * c, grain(oh * ow * kh * kw), (first, end) ->
                    DepthwiseConvSimd.inputGrad(G, go, Wt, wo, DX, first, end, c, h, wd, kh, kw, ph, pw));
            return dx;
        }
        Parallel.forRange(n * c, grain(oh * ow * kh * kw), plane -> {
            int ch = plane % c, xBase = plane * h * wd, gBase = go + plane * oh * ow, wBase = wo + ch * kh * kw;
            for (int oy = 0; oy < oh; oy++) {
                int gRow = gBase + oy * ow;
                for (int ky = 0; ky < kh; ky++) {
                    int iy = oy * sh - ph + ky * dh;
                    if (iy < 0 || iy >= h) continue;
                    int xRow = xBase + iy * wd - pw;
                    for (int kx = 0; kx < kw; kx++) {
                        float wv = Wt[wBase + ky * kw + kx];
                        int x0 = xRow + kx * dw;
                        for (int ox = first(kx, sw, pw, dw, ow), e = end(wd, kx, sw, pw, dw, ow); ox < e; ox++) {
                            DX[x0 + ox * sw] += wv * G[gRow + ox];
                        }
                    }
                }
            }
        });
        return dx;
    }

    /**
     * dw of y = conv(x, w): per channel and tap, Σ over images (in order) and output positions of gy · x; each
     * image's sum in float, added into a double.
     *
     * @param gy (N, C, H', W')
     * @param x  (N, C, H, W)
     * @return (C, 1, kh, kw) = wShape
     */
    static Tensor weightGrad(Tensor gy, Tensor x, int[] wShape, ConvParams p) {
        Tensor gc = gy.contiguous(), xc = x.contiguous();
        int n = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3), kh = wShape[2], kw = wShape[3];
        int oh = gy.size(2), ow = gy.size(3);
        Tensor dwt = ElementwiseCpu.newTensor(DType.F32, wShape);
        float[] G = (float[]) ElementwiseCpu.arr(gc), X = (float[]) ElementwiseCpu.arr(xc), DW = (float[]) ElementwiseCpu.arr(dwt);
        int go = gc.offset(), xo = xc.offset();
        int sh = p.strideH(), sw = p.strideW(), ph = p.padH(), pw = p.padW(), dh = p.dilationH(), dw = p.dilationW();
        Parallel.forRange(c, ch -> {
            double[] acc = new double[kh * kw];
            for (int img = 0; img < n; img++) {
                int plane = img * c + ch, xBase = xo + plane * h * wd, gBase = go + plane * oh * ow;
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        float sum = 0f;
                        int ox0 = first(kx, sw, pw, dw, ow), oxEnd = end(wd, kx, sw, pw, dw, ow);
                        for (int oy = 0; oy < oh; oy++) {
                            int iy = oy * sh - ph + ky * dh;
                            if (iy < 0 || iy >= h) continue;
                            int x0 = xBase + iy * wd - pw + kx * dw, gRow = gBase + oy * ow;
                            for (int ox = ox0; ox < oxEnd; ox++) sum += G[gRow + ox] * X[x0 + ox * sw];
                        }
                        acc[ky * kw + kx] += sum;
                    }
                }
            }
            for (int t = 0; t < kh * kw; t++) DW[ch * kh * kw + t] = (float) acc[t];
        });
        return dwt;
    }
}
