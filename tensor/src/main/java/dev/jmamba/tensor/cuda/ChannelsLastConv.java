package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;

/**
 * Dense convolutions (groups 1) in channels-last layout: the vision backbones keep activations as
 * (B, H, W, C) and hand their convs (N, C, H, W) views of that storage. Read and written as
 * NCHW, every such conv cost two transposing copies (before and after) plus the LayerNorm's.
 * Here x is read as (N, H, W, C) and y is written as (N, OH, OW, O), returned as its (N, O, OH, OW)
 * view, so the permutes around the conv are free views (PyTorch's channels_last memory format).
 *
 * <p>Columns are rows of output positions, {@code cols (M, K)} with M = (image, oy, ox) of a chunk
 * and K = (ky, kx, c), c fastest ({@code im2col_cl} in {@code conv.cu}); the weight is used as
 * {@code W (O, kh, kw, C)} (a small copy). Then, per chunk of images:
 * <ul>
 * <li>forward: {@code y (M, O) = cols (M, K) · Wᵀ}, already channels-last, bias added on (M, O);</li>
 * <li>input grad: {@code dcols (M, K) = gy (M, O) · W}, then {@code col2im_cl} (a gather in a
 *     fixed order, float64 sums) writes dx (N, H, W, C);</li>
 * <li>weight grad: {@code dW (O, K) += gyᵀ (O, M) · cols (M, K)} with beta = 1 after the first chunk,
 *     permuted back to (O, C, kh, kw).</li>
 * </ul>
 * Operands float32 or bf16 (autocast: bf16 columns and tensor-core GEMMs, float32 results).
 * Reference: the NCHW im2col path of {@link ConvKernels} and the CPU's conv (ConvChannelsLastGpuTest).
 */
final class ChannelsLastConv extends Launcher {
    private final StridedKernels strided;
    private final MatmulKernels matmul;
    /** (src, dst, JmConv, n0, nb) of im2col_cl / col2im_cl. */
    private final KernelArgs colArgs = new KernelArgs(8, 8, ConvKernels.CONV_BYTES, 4, 4);

    ChannelsLastConv(CudaContext context, StridedKernels strided, MatmulKernels matmul) {
        super(context, ConvKernels.SOURCE);
        this.strided = strided;
        this.matmul = matmul;
    }

    /** Whether this path takes a dense conv with operand type dt: float32 or bf16, groups 1, and channels-last data in play. */
    static boolean applies(ConvKernels.Dims d, DType dt, boolean channelsLastData) {
        return channelsLastData && d.groups() == 1 && (dt == DType.F32 || dt == DType.BF16) && d.n() > 0;
    }

    /** y = conv2d(x, w) + bias: x (N, C, H, W) any layout, w (O, C, kh, kw); returns (N, O, OH, OW) over (N, OH, OW, O) storage. */
    Tensor forward(Tensor x, Tensor w, Tensor bias, ConvKernels.Dims d, DType dt) {
        DType yt = dt.computeType();
        Tensor xcl = nhwc(x, dt), wcl = strided.contiguous(w.permute(0, 2, 3, 1), dt);   // (N, H, W, C), (O, kh, kw, C)
        int k = d.rows(), ohw = d.ohw(), nb = chunk(d);
        Tensor y = strided.empty(yt, d.n(), d.oh(), d.ow(), d.o());
        Tensor cols = strided.empty(dt, Math.toIntExact((long) nb * ohw * k));
        for (int n0 = 0; n0 < d.n(); n0 += nb) {
            int count = Math.min(nb, d.n() - n0);
            columns("im2col_cl_" + suffix(dt), xcl, cols, d, n0, count);
            matmul.gemm(dt, false, true, count * ohw, d.o(), k, address(cols), 0, address(wcl), 0, 0,
                    at(address(y), (long) n0 * ohw * d.o(), yt), 0, 1);
        }
        release(cols, xcl, x, wcl, w);
        if (bias != null) {
            Tensor rows = y.reshape(d.n() * ohw, d.o());
            Tensor out = strided.binary(dev.jmamba.tensor.BinaryOp.ADD, rows, strided.convert(bias, yt));
            y.storage().release();
            y = out;
        }
        return channelsFirstView(y, d.n(), d.o(), d.oh(), d.ow());
    }

    /** dx (N, C, H, W) over (N, H, W, C) storage from gy (N, O, OH, OW) any layout and w (O, C, kh, kw). */
    Tensor inputGrad(Tensor gy, Tensor w, ConvKernels.Dims d, DType dt) {
        Tensor gcl = nhwc(gy, dt), wcl = strided.contiguous(w.permute(0, 2, 3, 1), dt);   // (N, OH, OW, O), (O, kh, kw, C)
        int k = d.rows(), ohw = d.ohw(), nb = chunk(d);
        Tensor dx = strided.empty(DType.F32, d.n(), d.h(), d.w(), d.c());
        Tensor dcols = strided.empty(DType.F32, Math.toIntExact((long) nb * ohw * k));   // the GEMM's float32 result
        for (int n0 = 0; n0 < d.n(); n0 += nb) {
            int count = Math.min(nb, d.n() - n0);
            matmul.gemm(dt, false, false, count * ohw, k, d.o(), at(address(gcl), (long) n0 * ohw * d.o(), dt), 0,
                    address(wcl), 0, 0, address(dcols), 0, 1);
            columns("col2im_cl_f32", dcols, dx, d, n0, count);
        }
        release(dcols, gcl, gy, wcl, w);
        return channelsFirstView(dx, d.n(), d.c(), d.h(), d.w());
    }

    /** dw (O, C, kh, kw), float32, from gy (N, O, OH, OW) and x (N, C, H, W), any layouts. */
    Tensor weightGrad(Tensor gy, Tensor x, int[] wShape, ConvKernels.Dims d, DType dt) {
        Tensor gcl = nhwc(gy, dt), xcl = nhwc(x, dt);
        int k = d.rows(), ohw = d.ohw(), nb = chunk(d);
        Tensor dwcl = strided.empty(DType.F32, d.o(), d.kh(), d.kw(), d.c());   // (O, kh, kw, C)
        Tensor cols = strided.empty(dt, Math.toIntExact((long) nb * ohw * k));
        for (int n0 = 0; n0 < d.n(); n0 += nb) {
            int count = Math.min(nb, d.n() - n0);
            columns("im2col_cl_" + suffix(dt), xcl, cols, d, n0, count);
            // dW (O, K) (+)= gy_chunk stored (M, O), transposed, times cols (M, K)
            matmul.gemm(dt, true, false, d.o(), k, count * ohw, at(address(gcl), (long) n0 * ohw * d.o(), dt), 0,
                    address(cols), 0, n0 == 0 ? 0 : 1, address(dwcl), 0, 1);
        }
        release(cols, gcl, gy, xcl, x);
        Tensor dw = strided.contiguous(dwcl.permute(0, 3, 1, 2));   // (O, C, kh, kw); a view of dwcl for 1×1 kernels
        if (dw.storage() != dwcl.storage()) dwcl.storage().release();
        return dw;
    }

    /** Images per chunk: the column buffer (M, K) stays within {@link ConvKernels#colsLimit} elements. */
    private static int chunk(ConvKernels.Dims d) {
        return (int) Math.max(1, Math.min(d.n(), ConvKernels.colsLimit / Math.max(1L, (long) d.rows() * d.ohw())));
    }

    /** t (N, C, H, W) as contiguous (N, H, W, C) of dt: a view of t's storage when t is stored so, else a copy. */
    private Tensor nhwc(Tensor t, DType dt) {
        return strided.contiguous(t.permute(0, 2, 3, 1), dt);
    }

    /** The (N, C, H, W) view of a contiguous (N, H, W, C) tensor. */
    private static Tensor channelsFirstView(Tensor nhwc, int n, int c, int h, int w) {
        return new Tensor(nhwc.storage(), new int[] {n, c, h, w}, new int[] {h * w * c, 1, w * c, c}, nhwc.offset());
    }

    /** Releases the temporaries: {@code scratch}, and each made operand whose storage is not its source's. */
    private static void release(Tensor scratch, Tensor madeA, Tensor sourceA, Tensor madeB, Tensor sourceB) {
        scratch.storage().release();   // stream-ordered
        if (madeA.storage() != sourceA.storage()) madeA.storage().release();
        if (madeB.storage() != sourceB.storage()) madeB.storage().release();
    }

    private synchronized void columns(String kernel, Tensor src, Tensor dst, ConvKernels.Dims d, int n0, int nb) {
        colArgs.setLong(0, address(src)).setLong(1, address(dst)).setInt(3, n0).setInt(4, nb);
        d.pack(colArgs.slot(2));
        long work = kernel.startsWith("im2col") ? (long) nb * d.ohw() * d.rows() : (long) nb * d.h() * d.w() * d.c();
        launch(kernel, work, colArgs);
    }

    /** Element address helper: {@code base + elements · dtype size}. */
    private static long at(long base, long elements, DType dt) {
        return base + elements * dt.bytes();
    }
}
