package dev.jmamba.tensor.cpu;

import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;

/**
 * Float32 2-D convolution with one group as a single GEMM over the whole batch, channels-last:
 * <pre>
 *   cols (N·OH·OW, kh·kw·C)   row (n, oy, ox), column (ky, kx, c) = x[n, c, oy·s − p + ky·d, ox·s − p + kx·d]
 *   y    (N·OH·OW, O)         = cols @ Wᵀ,  W = w permuted to (O, kh, kw, C)
 *   dW   (O, kh·kw·C)         = gyᵀ @ cols                      (then permuted back to (O, C, kh, kw))
 *   dcols (N·OH·OW, kh·kw·C)  = gy @ W,  dx = col2im(dcols)     (each image's rows in order)
 * </pre>
 * {@link ConvCpu#reference} does one small GEMM per image ((O, C·kh·kw) by (C·kh·kw, OH·OW): for
 * VMamba-nano's last downsample an N of 4), which leaves most of the machine idle; here the product
 * has N·OH·OW rows and runs on every thread. The output and the input gradient are channels-last
 * tensors (strides (OH·OW·O, 1, OW·O, O)), the layout the channels-last models permute to next, and
 * x and gy are read in whatever layout they come (a channel stride of 1 makes each tap one contiguous
 * copy). Every sum has a fixed order (the GEMM's K order; col2im over an image's rows and taps in
 * order), so the bits depend neither on the thread count nor on the operands' layouts.
 */
final class DenseConvCpu {
    private DenseConvCpu() {}

    /** Whether this path applies: float32 operands, one group. */
    static boolean applies(DType x, DType w, ConvParams p) { return x == DType.F32 && w == DType.F32 && p.groups() == 1; }

    /** Sizes of one convolution. */
    private record Dims(int n, int c, int h, int w, int o, int kh, int kw, int oh, int ow, ConvParams p) {
        int rows() { return n * oh * ow; }
        int k() { return kh * kw * c; }

        static Dims of(int[] xShape, int[] wShape, ConvParams p) {
            int oh = ConvParams.outSize(xShape[2], wShape[2], p.strideH(), p.padH(), p.dilationH());
            int ow = ConvParams.outSize(xShape[3], wShape[3], p.strideW(), p.padW(), p.dilationW());
            return new Dims(xShape[0], xShape[1], xShape[2], xShape[3], wShape[0], wShape[2], wShape[3], oh, ow, p);
        }
    }

    /**
     * y = conv(x, w) + bias.
     *
     * @param x    (N, C, H, W), any strides
     * @param w    (O, C, kh, kw)
     * @param bias (O) or null
     * @return (N, O, OH, OW) with channels-last strides
     */
    static Tensor forward(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        Dims d = Dims.of(x.shape(), w.shape(), p);
        float[] cols = im2col(x, d);
        float[] wp = permutedWeight(w);                                       // (O, kh·kw·C)
        CpuStorage ys = CpuStorage.allocate(DType.F32, d.rows() * d.o);
        float[] y = (float[]) ys.array();
        float beta = 0f;
        if (bias != null) {                                                   // rows start at the bias: y = cols·Wᵀ + y
            Tensor bc = bias.contiguous();
            float[] b = (float[]) ElementwiseCpu.arr(bc);
            int bo = bc.offset();
            Parallel.forBlocks(d.rows(), Math.max(1, 16384 / d.o), (r0, r1) -> {
                for (int r = r0; r < r1; r++) System.arraycopy(b, bo, y, r * d.o, d.o);
            });
            beta = 1f;
        }
        if (d.rows() > 0 && d.o > 0) {
            Sgemm.sgemm(false, true, d.rows(), d.o, d.k(), 1f, cols, 0, d.k(), wp, 0, d.k(), beta, y, 0, d.o);
        }
        return channelsLast(ys, d.n, d.o, d.oh, d.ow);
    }

    /**
     * dx of {@link #forward}.
     *
     * @param gy (N, O, OH, OW), any strides
     * @param w  (O, C, kh, kw)
     * @return (N, C, H, W) with channels-last strides
     */
    static Tensor inputGrad(Tensor gy, Tensor w, int[] xShape, ConvParams p) {
        Dims d = Dims.of(xShape, w.shape(), p);
        Tensor g = gyRows(gy);                                                // (N, OH, OW, O) = (N·OH·OW, O) rows
        float[] wp = permutedWeight(w);
        int k = d.k();
        float[] dcols = new float[d.rows() * k];
        if (d.rows() > 0 && k > 0 && d.o > 0) {
            Sgemm.sgemm(false, false, d.rows(), k, d.o, 1f, (float[]) ElementwiseCpu.arr(g), g.offset(), d.o, wp, 0, k, 0f, dcols, 0, k);
        }
        CpuStorage dxs = CpuStorage.allocate(DType.F32, d.n * d.h * d.w * d.c);
        float[] dx = (float[]) dxs.array();
        int ohw = d.oh * d.ow;
        Parallel.forRange(d.n, Math.max(1, 16384 / Math.max(1, ohw * k)), n -> {
            for (int oy = 0; oy < d.oh; oy++) {
                for (int ox = 0; ox < d.ow; ox++) {
                    int row = (n * d.oh + oy) * d.ow + ox;
                    for (int ky = 0; ky < d.kh; ky++) {
                        int iy = oy * p.strideH() - p.padH() + ky * p.dilationH();
                        if (iy < 0 || iy >= d.h) continue;
                        for (int kx = 0; kx < d.kw; kx++) {
                            int ix = ox * p.strideW() - p.padW() + kx * p.dilationW();
                            if (ix < 0 || ix >= d.w) continue;
                            int from = row * k + (ky * d.kw + kx) * d.c, to = ((n * d.h + iy) * d.w + ix) * d.c;
                            for (int ci = 0; ci < d.c; ci++) dx[to + ci] += dcols[from + ci];
                        }
                    }
                }
            }
        });
        return channelsLast(dxs, d.n, d.c, d.h, d.w);
    }

    /**
     * dW of {@link #forward}.
     *
     * @param gy (N, O, OH, OW), any strides
     * @param x  (N, C, H, W), any strides
     * @return (O, C, kh, kw), contiguous
     */
    static Tensor weightGrad(Tensor gy, Tensor x, int[] wShape, ConvParams p) {
        Dims d = Dims.of(x.shape(), wShape, p);
        Tensor g = gyRows(gy);
        float[] cols = im2col(x, d);
        int k = d.k();
        float[] dwp = new float[d.o * k];                                     // (O, kh, kw, C)
        if (d.rows() > 0 && k > 0 && d.o > 0) {
            Sgemm.sgemm(true, false, d.o, k, d.rows(), 1f, (float[]) ElementwiseCpu.arr(g), g.offset(), d.o, cols, 0, k, 0f, dwp, 0, k);
        }
        Tensor dw = ElementwiseCpu.newTensor(DType.F32, wShape);
        float[] out = (float[]) ElementwiseCpu.arr(dw);
        for (int o = 0; o < d.o; o++)
            for (int ci = 0; ci < d.c; ci++)
                for (int t = 0; t < d.kh * d.kw; t++) out[(o * d.c + ci) * d.kh * d.kw + t] = dwp[o * k + t * d.c + ci];
        return dw;
    }

    /** A (n, c, h, w) tensor over channels-last storage (n, h, w, c). */
    private static Tensor channelsLast(CpuStorage s, int n, int c, int h, int w) {
        return new Tensor(s, new int[] {n, c, h, w}, new int[] {h * w * c, 1, w * c, c}, 0);
    }

    /** w (O, C, kh, kw) as an (O, kh·kw·C) row-major array. */
    private static float[] permutedWeight(Tensor w) {
        int o = w.size(0), c = w.size(1), kh = w.size(2), kw = w.size(3);
        Tensor wc = w.contiguous();
        float[] src = (float[]) ElementwiseCpu.arr(wc), dst = new float[o * kh * kw * c];
        int off = wc.offset();
        for (int a = 0; a < o; a++)
            for (int ci = 0; ci < c; ci++)
                for (int t = 0; t < kh * kw; t++) dst[(a * kh * kw + t) * c + ci] = src[off + (a * c + ci) * kh * kw + t];
        return dst;
    }

    /** gy (N, O, OH, OW) as a contiguous (N, OH, OW, O) tensor: gy itself when it is channels-last and dense. */
    private static Tensor gyRows(Tensor gy) {
        return gy.permute(0, 2, 3, 1).contiguous();
    }

    /** cols (N·OH·OW, kh·kw·C) of x (N, C, H, W) in any layout; padding reads as 0. */
    private static float[] im2col(Tensor x, Dims d) {
        int k = d.k();
        float[] cols = new float[d.rows() * k];
        float[] src = (float[]) ElementwiseCpu.arr(x);
        int[] st = x.strides();
        int sn = st[0], sc = st[1], sy = st[2], sx = st[3], base = x.offset();
        ConvParams p = d.p();
        int ohw = d.oh * d.ow;
        Parallel.forRange(d.n, Math.max(1, 16384 / Math.max(1, ohw * k)), n -> {
            for (int oy = 0; oy < d.oh; oy++) {
                for (int ox = 0; ox < d.ow; ox++) {
                    int row = ((n * d.oh + oy) * d.ow + ox) * k;
                    for (int ky = 0; ky < d.kh; ky++) {
                        int iy = oy * p.strideH() - p.padH() + ky * p.dilationH();
                        for (int kx = 0; kx < d.kw; kx++) {
                            int ix = ox * p.strideW() - p.padW() + kx * p.dilationW();
                            int dst = row + (ky * d.kw + kx) * d.c;
                            if (iy < 0 || iy >= d.h || ix < 0 || ix >= d.w) continue;   // stays 0
                            int at = base + n * sn + iy * sy + ix * sx;
                            if (sc == 1) System.arraycopy(src, at, cols, dst, d.c);
                            else for (int ci = 0; ci < d.c; ci++) cols[dst + ci] = src[at + ci * sc];
                        }
                    }
                }
            }
        });
        return cols;
    }
}
