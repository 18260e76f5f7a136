package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import java.lang.foreign.MemorySegment;

/**
 * conv2d and its two gradients as im2col / col2im ({@code conv.cu}) plus GEMMs
 * ({@link MatmulKernels#gemm}: cuBLAS for F32), per group and per chunk of images (a chunk's
 * column buffer holds at most {@link #COLS_LIMIT} elements):
 * <ul>
 * <li>forward: {@code y[n, g] (Og, OH·OW) = W_g (Og, R) · cols_n (R, OH·OW)}, one strided-batched
 *     GEMM over the chunk's images (W_g shared, stride 0), columns image-major;</li>
 * <li>input grad: {@code dcols_n (R, OH·OW) = W_gᵀ · gy[n, g]}, batched the same way, then col2im
 *     (a gather, no atomics) writes dx;</li>
 * <li>weight grad: {@code dW_g (Og, R) += G_g (Og, nb·OH·OW) · colsᵀ} with the chunk's columns
 *     laid out row-major (R, nb·OH·OW) and gy's chunk permuted to (O, nb, OH·OW): one GEMM per
 *     group and chunk, accumulated with beta = 1 after the first chunk.</li>
 * </ul>
 * Here R = C/groups · kh · kw.
 */
final class ConvKernels extends Launcher {
    static final String SOURCE = "conv.cu";
    /** Threads per block of the depthwise weight-gradient kernels: JM_DW_WEIGHT_THREADS of conv.cu, the size of their shared trees. */
    static final int DW_WEIGHT_THREADS = 256;
    /** Most elements of one column buffer (256 MiB of F32). */
    static final long COLS_LIMIT = 1L << 26;
    /** The limit in force; tests lower it to exercise several chunks on small inputs. */
    static volatile long colsLimit = COLS_LIMIT;
    /** Bytes of {@code struct JmConv}: 16 ints. */
    static final long CONV_BYTES = 64;

    private final StridedKernels strided;
    private final MatmulKernels matmul;
    private final ChannelsLastConv channelsLastConv;
    // (src, dst, JmConv, n0, nb, group, sb, sr)
    private final KernelArgs colArgs = new KernelArgs(8, 8, CONV_BYTES, 4, 4, 4, 8, 8);
    // (a, b, out, JmConv) of the direct depthwise kernels
    private final KernelArgs dwArgs = new KernelArgs(8, 8, 8, CONV_BYTES);
    /** dw_weight_grad_chunks(gy, x, partial, JmConv, chunks). */
    private final KernelArgs dwChunkArgs = new KernelArgs(8, 8, 8, CONV_BYTES, 4);
    /** dw_tap_sum(partial, dw, weights, kk, chunks). */
    private final KernelArgs dwSumArgs = new KernelArgs(8, 8, 4, 4, 4);
    /** dw3_tiled_f32(x, 4 strides, w, bias, y, 4 strides, C, H, W, flip). */
    private final KernelArgs tiledArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4);
    /** dw3_tile_sum_f32(partial, out, weights, tiles). */
    private final KernelArgs tileSumArgs = new KernelArgs(8, 8, 4, 4);
    /** dw3_tiled_wgrad_f32(gy, 4 strides, x, 4 strides, partial, C, H, W, tiles). */
    private final KernelArgs tiledGradArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4);
    /** Output rows, columns and channels of one dw3_tiled_f32 block (JM_DWT_TH / TW / TC in conv.cu); 16 channels for the weight gradient. */
    static final int DWT_ROWS = 8, DWT_COLS = 32, DWT_CHANNELS = 32, DWT_GRAD_CHANNELS = 16;
    /** Taps the chunked depthwise weight gradient keeps in registers (JM_DW_TAPS in conv.cu). */
    static final int DW_CHUNK_TAPS = 9;
    /** Most bytes of one (n, c) plane the shared-memory depthwise kernels stage (the default 48 KiB per block). */
    static final int DW_PLANE_BYTES = 48 * 1024;
    /** Outputs of one channel per block of the chunked depthwise weight gradient (about). */
    static final int DW_OUTPUTS_PER_BLOCK = 8192;

    ConvKernels(CudaContext context, StridedKernels strided, MatmulKernels matmul) {
        super(context, SOURCE);
        this.strided = strided;
        this.matmul = matmul;
        this.channelsLastConv = new ChannelsLastConv(context, strided, matmul);
    }

    /** Sizes of one convolution. */
    record Dims(int n, int c, int h, int w, int o, int kh, int kw, int oh, int ow, ConvParams p) {
        int groups() { return p.groups(); }
        int cg() { return c / p.groups(); }
        int og() { return o / p.groups(); }
        int rows() { return cg() * kh * kw; }
        int ohw() { return oh * ow; }
        /** Images per chunk. */
        int chunk() { return (int) Math.max(1, Math.min(n, colsLimit / Math.max(1L, (long) rows() * ohw()))); }

        void pack(MemorySegment slot) {
            int[] v = {n, c, h, w, o, kh, kw, oh, ow, p.strideH(), p.strideW(), p.padH(), p.padW(), p.dilationH(), p.dilationW(), p.groups()};
            for (int i = 0; i < v.length; i++) slot.set(JAVA_INT, 4L * i, v[i]);
        }
    }

    static Dims dims(int[] xs, int[] ws, ConvParams p) {
        int oh = ConvParams.outSize(xs[2], ws[2], p.strideH(), p.padH(), p.dilationH());
        int ow = ConvParams.outSize(xs[3], ws[3], p.strideW(), p.padW(), p.dilationW());
        return new Dims(xs[0], xs[1], xs[2], xs[3], ws[0], ws[2], ws[3], oh, ow, p);
    }

    static DType floating(String op, DType t) {
        if (t != DType.F32 && t != DType.F64) throw new TensorException.DType(op, "F32 or F64 tensors on CUDA", t.toString());
        return t;
    }

    /**
     * The operand type of a dense conv or one of its gradients: F32 or F64 as before, or BF16 for
     * autocast's conv (both operands bf16, groups 1): bf16 columns, a tensor-core GEMM with float32
     * accumulation, and a float32 result.
     */
    private static DType operands(String op, Tensor a, Tensor b, ConvParams p) {
        if (a.dtype() != DType.BF16) return floating(op, a.dtype());
        if (b.dtype() != DType.BF16 || p.groups() != 1) {
            throw new TensorException.DType(op, "bf16 operands only as autocast's dense conv (both bf16, groups 1)",
                    a.dtype() + " and " + b.dtype() + ", groups " + p.groups());
        }
        return DType.BF16;
    }

    /** Element address helper: {@code base + elements · dtype size}. */
    private static long at(long base, long elements, DType dt) {
        return base + elements * dt.bytes();
    }

    private synchronized void columns(String kernel, Tensor src, Tensor dst, Dims d, int n0, int nb, int group, long sb, long sr) {
        colArgs.setLong(0, address(src)).setLong(1, address(dst)).setInt(3, n0).setInt(4, nb).setInt(5, group).setLong(6, sb).setLong(7, sr);
        d.pack(colArgs.slot(2));
        long work = kernel.startsWith("im2col") ? (long) nb * d.rows() * d.ohw() : (long) nb * d.cg() * d.h * d.w;
        launch(kernel, work, colArgs);
    }

    /** Depthwise with one filter per channel (groups == c == o): the direct kernels apply. */
    private static boolean depthwise(Dims d) { return d.groups() == d.c && d.o == d.c; }

    /**
     * A depthwise kernel with one (n, c) plane per block staged in shared memory ({@code planeValues}
     * values of dt); false (nothing launched) when the plane does not fit.
     */
    private synchronized boolean depthwisePlaneKernel(String kernel, Tensor a, Tensor b, Tensor out, Dims d, long planeValues, DType dt) {
        long bytes = planeValues * (dt == DType.F64 ? 8 : 4);
        if (bytes > DW_PLANE_BYTES || (long) d.n * d.c > Integer.MAX_VALUE) return false;
        dwArgs.setLong(0, address(a)).setLong(1, address(b)).setLong(2, address(out));
        d.pack(dwArgs.slot(3));
        CudaDriver.launchKernel(function(kernel), d.n * d.c, 1, 1, 256, 1, 1, (int) bytes, context.stream(), dwArgs);
        return true;
    }

    /** A direct depthwise kernel: {@code work} items, or one block per (c, ky, kx) for the weight gradient. */
    private synchronized void depthwiseKernel(String kernel, Tensor a, Tensor b, Tensor out, Dims d, long work, boolean perWeight) {
        dwArgs.setLong(0, address(a)).setLong(1, address(b)).setLong(2, address(out));
        d.pack(dwArgs.slot(3));
        if (perWeight) launchRows(kernel, d.c * d.kh * d.kw, DW_WEIGHT_THREADS, dwArgs);
        else launch(kernel, work, dwArgs);
    }

    /**
     * The depthwise weight gradient in two passes: blocks of (channel, chunk of its outputs) sum every
     * tap at once (each gy and x element read about once), then the chunks are added in order.
     * Chunks per channel depend only on the sizes, so the result is the same on every run and device.
     */
    private synchronized void depthwiseWeightGradChunks(Tensor gy, Tensor x, Tensor dw, Dims d, DType dt) {
        long outputs = (long) d.n * d.ohw();
        int chunks = (int) Math.max(1, Math.min(1024, Math.ceilDiv(outputs, DW_OUTPUTS_PER_BLOCK)));
        int kk = d.kh * d.kw;
        Tensor partial = strided.empty(DType.F64, d.c, chunks, kk);
        dwChunkArgs.setLong(0, address(gy)).setLong(1, address(x)).setLong(2, address(partial));
        d.pack(dwChunkArgs.slot(3));
        dwChunkArgs.setInt(4, chunks);
        launchRows("dw_weight_grad_chunks_" + suffix(dt), d.c * chunks, DW_WEIGHT_THREADS, dwChunkArgs);
        dwSumArgs.setLong(0, address(partial)).setLong(1, address(dw)).setInt(2, d.c * kk).setInt(3, kk).setInt(4, chunks);
        launch("dw_tap_sum_" + suffix(dt), (long) d.c * kk, dwSumArgs);
        partial.storage().release();   // stream-ordered: the next user of the block runs after dw_tap_sum
    }

    /**
     * Whether the tiled depthwise kernels apply: float32, depthwise 3×3 with stride 1, padding 1,
     * dilation 1 (VMamba's and FractalMamba's conv). They read and write any strides, so a
     * channels-last view (VMamba's permuted (B, H, W, C) activations) needs no transposing copy.
     */
    private static boolean tiled(Dims d, DType dt) {
        ConvParams p = d.p;
        return dt == DType.F32 && depthwise(d) && d.kh == 3 && d.kw == 3 && p.strideH() == 1 && p.strideW() == 1
                && p.padH() == 1 && p.padW() == 1 && p.dilationH() == 1 && p.dilationW() == 1 && d.n <= 65535 && d.n > 0;
    }

    /** dw3_tiled_f32: out (N, C, H, W) view of any strides = conv(in, w) (+ bias); flip for the input gradient. */
    private synchronized void tiledConv(Tensor in, Tensor w, Tensor bias, Tensor out, Dims d, boolean flip) {
        int[] xs = in.strides(), ys = out.strides();
        tiledArgs.setLong(0, address(in)).setLong(1, xs[0]).setLong(2, xs[1]).setLong(3, xs[2]).setLong(4, xs[3])
                .setLong(5, address(w)).setLong(6, bias == null ? 0 : address(bias)).setLong(7, address(out))
                .setLong(8, ys[0]).setLong(9, ys[1]).setLong(10, ys[2]).setLong(11, ys[3])
                .setInt(12, d.c).setInt(13, d.h).setInt(14, d.w).setInt(15, flip ? 1 : 0);
        int tiles = Math.ceilDiv(d.h, DWT_ROWS) * Math.ceilDiv(d.w, DWT_COLS);
        CudaDriver.launchKernel(function("dw3_tiled_f32"), tiles, Math.ceilDiv(d.c, DWT_CHANNELS), d.n, THREADS, 1, 1, 0,
                context.stream(), tiledArgs);
    }

    /** dw3_tiled_wgrad_f32 then dw3_tile_sum_f32: dw (C, 1, 3, 3) from gy and x of any strides. */
    private synchronized void tiledWeightGrad(Tensor gy, Tensor x, Tensor dw, Dims d) {
        int tilesHW = Math.ceilDiv(d.h, DWT_ROWS) * Math.ceilDiv(d.w, DWT_COLS);
        int tiles = Math.multiplyExact(tilesHW, d.n);
        Tensor partial = strided.empty(DType.F64, d.c, tiles, 9);
        int[] gs = gy.strides(), xs = x.strides();
        tiledGradArgs.setLong(0, address(gy)).setLong(1, gs[0]).setLong(2, gs[1]).setLong(3, gs[2]).setLong(4, gs[3])
                .setLong(5, address(x)).setLong(6, xs[0]).setLong(7, xs[1]).setLong(8, xs[2]).setLong(9, xs[3])
                .setLong(10, address(partial)).setInt(11, d.c).setInt(12, d.h).setInt(13, d.w).setInt(14, tiles);
        CudaDriver.launchKernel(function("dw3_tiled_wgrad_f32"), tilesHW, Math.ceilDiv(d.c, DWT_GRAD_CHANNELS), d.n, THREADS, 1, 1, 0,
                context.stream(), tiledGradArgs);
        tileSum(partial, 0, dw, d.c * 9, tiles);
        partial.storage().release();   // stream-ordered
    }

    /** dw3_tile_sum_f32: out[i] = Σ_tile partial[first + i · tiles + tile] for i < weights, tiles in order (F64 partial, F32 out). */
    synchronized void tileSum(Tensor partial, long first, Tensor out, int weights, int tiles) {
        tileSumArgs.setLong(0, address(partial) + first * Double.BYTES).setLong(1, address(out)).setInt(2, weights).setInt(3, tiles);
        launchRows("dw3_tile_sum_f32", weights, THREADS, tileSumArgs);
    }

    /** A view of a fresh (N, H, W, C) tensor as (N, C, H, W): the channels-last layout of {@code like} (N, C, H, W). */
    private Tensor channelsLast(DType dt, int[] shape) {
        int n = shape[0], c = shape[1], h = shape[2], w = shape[3];
        Tensor nhwc = strided.empty(dt, n, h, w, c);
        return new Tensor(nhwc.storage(), shape.clone(), new int[] {h * w * c, 1, w * c, c}, 0);
    }

    /** Whether a (N, C, H, W) tensor is stored channels-last (c steps by 1, w by C). */
    static boolean isChannelsLast(int[] shape, int[] strides) {
        return shape.length == 4 && shape[1] > 1 && strides[1] == 1 && (shape[3] == 1 || strides[3] == shape[1]);
    }

    Tensor conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        DType dt = operands("conv2d", x, w, p), yt = dt.computeType();   // yt: the result (float32 for bf16 operands)
        Dims d = dims(x.shape(), w.shape(), p);
        if (tiled(d, dt) && w.dtype() == dt) {   // output NCHW contiguous, bias fused, x read in place
            Tensor y = strided.empty(dt, d.n, d.o, d.oh, d.ow);
            tiledConv(x, strided.contiguous(w, dt), bias == null ? null : strided.contiguous(bias, dt), y, d, false);
            return y;
        }
        // x stored channels-last, or an image (C <= 4: its copy to NHWC is small): channels-last in and out
        if (!depthwise(d) && ChannelsLastConv.applies(d, dt, isChannelsLast(x.shape(), x.strides()) || d.c <= 4)) {
            return channelsLastConv.forward(x, w, bias, d, dt);
        }
        Tensor xc = strided.contiguous(x, dt), wc = strided.contiguous(w, dt);
        Tensor y = strided.empty(yt, d.n, d.o, d.oh, d.ow);
        if (d.n > 0 && depthwise(d) && dt != DType.BF16) {   // (bf16: dense only; a 1-channel conv takes the GEMM path)
            if (!depthwisePlaneKernel("dw_forward_plane_" + suffix(dt), xc, wc, y, d, (long) d.h * d.w, dt)) {
                depthwiseKernel("dw_forward_" + suffix(dt), xc, wc, y, d, (long) d.n * d.c * d.ohw(), false);
            }
        } else if (d.n > 0) {
            int nb = d.chunk();
            long perImage = (long) d.rows() * d.ohw();
            Tensor cols = strided.empty(dt, Math.toIntExact(nb * perImage));
            for (int n0 = 0; n0 < d.n; n0 += nb) {
                int count = Math.min(nb, d.n - n0);
                for (int g = 0; g < d.groups(); g++) {
                    columns("im2col_" + suffix(dt), xc, cols, d, n0, count, g, perImage, d.ohw());
                    matmul.gemm(dt, false, false, d.og(), d.ohw(), d.rows(),
                            at(address(wc), (long) g * d.og() * d.rows(), dt), 0, address(cols), perImage, 0,
                            at(address(y), ((long) n0 * d.o + (long) g * d.og()) * d.ohw(), yt), (long) d.o * d.ohw(), count);
                }
            }
            cols.storage().release();
        }
        if (bias == null) return y;
        Tensor out = strided.binary(dev.jmamba.tensor.BinaryOp.ADD, y, strided.convert(bias, yt).reshape(1, d.o, 1, 1));
        y.storage().release();
        return out;
    }

    Tensor inputGrad(Tensor gy, Tensor w, int[] xShape, ConvParams p) {
        return inputGrad(gy, w, xShape, p, false);
    }

    /** The input gradient; {@code channelsLast}: returned as a (N, C, H, W) view of (N, H, W, C) storage (tiled path only). */
    Tensor inputGrad(Tensor gy, Tensor w, int[] xShape, ConvParams p, boolean channelsLast) {
        DType dt = operands("conv2dInputGrad", gy, w, p), xt = dt.computeType();   // xt: dx's type (float32 for bf16)
        Dims d = dims(xShape, w.shape(), p);
        if (tiled(d, dt) && w.dtype() == dt && Shapes.numel(xShape) > 0) {
            Tensor dx = channelsLast ? channelsLast(dt, xShape) : strided.empty(dt, xShape);
            tiledConv(gy, strided.contiguous(w, dt), null, dx, d, true);
            return dx;
        }
        if (!depthwise(d) && ChannelsLastConv.applies(d, dt, channelsLast || isChannelsLast(gy.shape(), gy.strides()))) {
            return channelsLastConv.inputGrad(gy, w, d, dt);
        }
        Tensor gc = strided.contiguous(gy, dt), wc = strided.contiguous(w, dt);
        Tensor dx = strided.empty(xt, xShape);
        if (d.n == 0 || Shapes.numel(xShape) == 0) return dx;
        if (depthwise(d) && dt != DType.BF16) {
            if (!depthwisePlaneKernel("dw_input_grad_plane_" + suffix(dt), gc, wc, dx, d, (long) d.ohw(), dt)) {
                depthwiseKernel("dw_input_grad_" + suffix(dt), gc, wc, dx, d, (long) d.n * d.c * d.h * d.w, false);
            }
            return dx;
        }
        int nb = d.chunk();
        long perImage = (long) d.rows() * d.ohw();
        Tensor cols = strided.empty(xt, Math.toIntExact(nb * perImage));   // the GEMM's (float32 for bf16) result
        for (int n0 = 0; n0 < d.n; n0 += nb) {
            int count = Math.min(nb, d.n - n0);
            for (int g = 0; g < d.groups(); g++) {
                // dcols_n (R, OHW) = W_g^T (R, Og) @ gy[n, g] (Og, OHW); W_g is stored (Og, R)
                matmul.gemm(dt, true, false, d.rows(), d.ohw(), d.og(),
                        at(address(wc), (long) g * d.og() * d.rows(), dt), 0,
                        at(address(gc), ((long) n0 * d.o + (long) g * d.og()) * d.ohw(), dt), (long) d.o * d.ohw(), 0,
                        address(cols), perImage, count);
                columns("col2im_" + suffix(xt), cols, dx, d, n0, count, g, perImage, d.ohw());
            }
        }
        cols.storage().release();
        return dx;
    }

    Tensor weightGrad(Tensor gy, Tensor x, int[] wShape, ConvParams p) {
        DType dt = operands("conv2dWeightGrad", gy, x, p), wt = dt.computeType();   // wt: dw's type (float32 for bf16)
        Dims d = dims(x.shape(), wShape, p);
        if (tiled(d, dt) && x.dtype() == dt) {
            Tensor dw = strided.empty(dt, wShape);
            tiledWeightGrad(gy, x, dw, d);
            return dw;
        }
        if (!depthwise(d) && ChannelsLastConv.applies(d, dt, isChannelsLast(gy.shape(), gy.strides()) || isChannelsLast(x.shape(), x.strides()))) {
            return channelsLastConv.weightGrad(gy, x, wShape, d, dt);
        }
        Tensor gc = strided.contiguous(gy, dt), xc = strided.contiguous(x, dt);
        if (d.n == 0) return strided.zeros(wt, wShape);
        Tensor dw = strided.empty(wt, wShape);
        if (depthwise(d) && dt != DType.BF16 && d.kh * d.kw <= DW_CHUNK_TAPS) {
            depthwiseWeightGradChunks(gc, xc, dw, d, dt);
            return dw;
        }
        if (depthwise(d) && dt != DType.BF16) {
            depthwiseKernel("dw_weight_grad_" + suffix(dt), gc, xc, dw, d, 0, true);
            return dw;
        }
        int nb = d.chunk();
        int ohw = d.ohw();
        Tensor cols = strided.empty(dt, Math.toIntExact((long) nb * d.rows() * ohw));
        Tensor gbuf = strided.empty(dt, Math.toIntExact((long) d.o * nb * ohw));
        for (int n0 = 0; n0 < d.n; n0 += nb) {
            int count = Math.min(nb, d.n - n0);
            long span = (long) count * ohw;
            // G (O, count, OHW) = gy[n0 : n0 + count] (count, O, OHW) with its first two axes swapped
            Tensor g3 = new Tensor(gbuf.storage(), new int[] {d.o, count, ohw}, new int[] {count * ohw, ohw, 1}, 0);
            Tensor src = gc.narrow(0, n0, count).reshape(count, d.o, ohw).permute(1, 0, 2);
            strided.copy(src, g3);
            for (int g = 0; g < d.groups(); g++) {
                columns("im2col_" + suffix(dt), xc, cols, d, n0, count, g, ohw, span);
                // dW_g (Og, R) (+)= G_g (Og, span) @ cols^T, cols stored (R, span)
                matmul.gemm(dt, false, true, d.og(), d.rows(), Math.toIntExact(span),
                        at(address(gbuf), (long) g * d.og() * span, dt), 0, address(cols), 0, n0 == 0 ? 0 : 1,
                        at(address(dw), (long) g * d.og() * d.rows(), wt), 0, 1);
            }
        }
        cols.storage().release();
        gbuf.storage().release();
        return dw;
    }

    /** Every kernel name this launcher (and {@link MatmulKernels}) may use. */
    static java.util.List<String> kernelNames() {
        return java.util.List.of("im2col_f32", "im2col_f64", "im2col_bf16", "im2col_cl_f32", "im2col_cl_bf16", "col2im_cl_f32", "col2im_f32", "col2im_f64", "gemm_f64",
                "dw_forward_f32", "dw_forward_f64", "dw_input_grad_f32", "dw_input_grad_f64", "dw_weight_grad_f32", "dw_weight_grad_f64",
                "dw_weight_grad_chunks_f32", "dw_weight_grad_chunks_f64", "dw_tap_sum_f32", "dw_tap_sum_f64",
                "dw_forward_plane_f32", "dw_forward_plane_f64", "dw_input_grad_plane_f32", "dw_input_grad_plane_f64",
                "dw3_tiled_f32", "dw3_tiled_wgrad_f32", "dw3_tile_sum_f32");
    }
}
