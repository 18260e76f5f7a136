package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;

/**
 * The fused depthwise conv2d + bias + SiLU of SS2D ({@code dw_silu.cu}): {@code gy} null gives y = silu(pre), else the
 * pre-activation gradient gy · silu'(pre) with pre recomputed from x; pre = depthwise conv2d(x, w) + bias. One block
 * per (n, c) plane staged in shared memory where it fits ({@code dw_silu_plane}); the 3×3 stride-1 padding-1 case
 * (VMamba's and FractalMamba's conv) stages the plane with a zero border and keeps the weights in registers
 * ({@code dw3_silu_plane}, the same values; {@code -Djmamba.dwconv.plane3=false} for the general plane kernel).
 *
 * <p>That 3×3 case on float32 or bf16 x takes the grouped kernels when a block's planes fit in shared memory
 * ({@code dw3_planes_forward} / {@code dw3_planes_backward}: several small planes per block, and the whole backward —
 * gpre, gx, the weight and bias sums — in one pass that never writes gpre; {@code -Djmamba.dwconv.planes=false} for
 * the kernels above and the composition). bf16 x (autocast's activations) gives a bf16 y; gradients are float32.
 */
final class DepthwiseSiluKernels extends Launcher {
    static final String SOURCE = "dw_silu.cu";
    /** Whether the 3×3 stride-1 padding-1 case takes dw3_silu_plane (default) rather than dw_silu_plane. */
    static final boolean PLANE3 = !"false".equals(System.getProperty("jmamba.dwconv.plane3"));

    /** Whether the 3×3 stride-1 padding-1 case takes the grouped dw3_planes kernels where they fit (default). */
    static final boolean PLANES = !"false".equals(System.getProperty("jmamba.dwconv.planes"));
    /** Warps per block of the grouped kernels (256 threads). */
    static final int WARPS = 8;

    private final StridedKernels strided;
    private final ConvKernels conv;
    /** dw_silu[_plane](x, w, bias, gy, out, JmConv). */
    private final KernelArgs args = new KernelArgs(8, 8, 8, 8, 8, ConvKernels.CONV_BYTES);
    /** dw3_planes_forward(x, w, bias, y, planes, c, h, w, group). */
    private final KernelArgs planesArgs = new KernelArgs(8, 8, 8, 8, 8, 4, 4, 4, 4);
    /** dw3_planes_backward(gy, x, w, bias, gx, partial, planes, c, h, w, group). */
    private final KernelArgs planesGradArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4);

    DepthwiseSiluKernels(CudaContext context, StridedKernels strided, ConvKernels conv) {
        super(context, SOURCE);
        this.strided = strided;
        this.conv = conv;
    }

    /**
     * Warps per plane of the grouped kernels for (h, w) planes with {@code buffers} bordered float planes each
     * (1 forward, 2 backward): the fewest of 1, 2, 4, 8 whose 8 / group planes fit {@link ConvKernels#DW_PLANE_BYTES}
     * (less the backward's 640-byte reduction buffer); 0 when one plane does not.
     */
    static int group(int h, int w, int buffers) {
        long plane = (long) (h + 2) * (w + 2) * Float.BYTES * buffers;
        for (int g = 1; g <= WARPS; g *= 2) {
            if ((WARPS / g) * plane <= ConvKernels.DW_PLANE_BYTES - 1024) return g;
        }
        return 0;
    }

    /** Whether the grouped kernels take this conv: 3×3 same, float32 weights, float32 or bf16 x, planes that fit. */
    private static boolean grouped(ConvKernels.Dims d, ConvParams p, Tensor x, Tensor w, Tensor bias, int buffers) {
        return PLANES && threeByThreeSame(d, p) && (x.dtype() == DType.F32 || x.dtype() == DType.BF16)
                && w.dtype() == DType.F32 && (bias == null || bias.dtype() == DType.F32) && group(d.h(), d.w(), buffers) > 0
                && (long) d.n() * d.c() > 0 && Math.ceilDiv((long) d.n() * d.c(), WARPS) <= Integer.MAX_VALUE;
    }

    /** y = silu(depthwise conv(x, w) + bias) of x's dtype; x (N, C, H, W) float32 or bf16. */
    synchronized Tensor forward(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        dev.jmamba.tensor.Checks.depthwiseConv(x, w, bias, p);
        ConvKernels.Dims d = ConvKernels.dims(x.shape(), w.shape(), p);
        if (!grouped(d, p, x, w, bias, 1)) {
            if (x.dtype() != DType.BF16) return apply(x, w, bias, null, p);
            Tensor x32 = x.to(DType.F32), y32 = apply(x32, w, bias, null, p), y = y32.to(DType.BF16);
            x32.storage().release();
            y32.storage().release();
            return y;
        }
        Tensor xc = strided.contiguous(x, x.dtype()), wc = strided.contiguous(w, DType.F32);
        Tensor bc = bias == null ? null : strided.contiguous(bias, DType.F32);
        Tensor y = strided.empty(x.dtype(), d.n(), d.c(), d.h(), d.w());
        int group = group(d.h(), d.w(), 1), per = WARPS / group;
        long planes = (long) d.n() * d.c();
        planesArgs.setLong(0, address(xc)).setLong(1, address(wc)).setLong(2, bc == null ? 0 : address(bc)).setLong(3, address(y))
                .setLong(4, planes).setInt(5, d.c()).setInt(6, d.h()).setInt(7, d.w()).setInt(8, group);
        CudaDriver.launchKernel(function("dw3_planes_forward_" + suffix(x.dtype())), (int) Math.ceilDiv(planes, per), 1, 1,
                WARPS * 32, 1, 1, per * (d.h() + 2) * (d.w() + 2) * Float.BYTES, context.stream(), planesArgs);
        return y;
    }

    /**
     * The whole backward of {@link #forward} in one pass: {gx (N, C, H, W) float32, gw (C, 1, 3, 3), gbias (C)}, each
     * null when not wanted; null (the caller composes) when the grouped kernel does not take this conv.
     */
    synchronized Tensor[] backward(Tensor gy, Tensor x, Tensor w, Tensor bias, ConvParams p,
                                   boolean inputGrad, boolean weightGrad, boolean biasGrad) {
        dev.jmamba.tensor.Checks.depthwiseConv(x, w, bias, p);
        ConvKernels.Dims d = ConvKernels.dims(x.shape(), w.shape(), p);
        if (!grouped(d, p, x, w, bias, 2) || gy.dtype() != DType.F32) return null;
        Tensor xc = strided.contiguous(x, x.dtype()), wc = strided.contiguous(w, DType.F32), gc = strided.contiguous(gy, DType.F32);
        Tensor bc = bias == null ? null : strided.contiguous(bias, DType.F32);
        Tensor gx = inputGrad ? strided.empty(DType.F32, d.n(), d.c(), d.h(), d.w()) : null;
        boolean sums = weightGrad || (biasGrad && bias != null);
        Tensor partial = sums ? strided.empty(DType.F64, 10 * d.c(), d.n()) : null;
        int group = group(d.h(), d.w(), 2), per = WARPS / group;
        long planes = (long) d.n() * d.c();
        planesGradArgs.setLong(0, address(gc)).setLong(1, address(xc)).setLong(2, address(wc)).setLong(3, bc == null ? 0 : address(bc))
                .setLong(4, gx == null ? 0 : address(gx)).setLong(5, partial == null ? 0 : address(partial))
                .setLong(6, planes).setInt(7, d.c()).setInt(8, d.h()).setInt(9, d.w()).setInt(10, group);
        CudaDriver.launchKernel(function("dw3_planes_backward_" + suffix(x.dtype())), (int) Math.ceilDiv(planes, per), 1, 1,
                WARPS * 32, 1, 1, 2 * per * (d.h() + 2) * (d.w() + 2) * Float.BYTES, context.stream(), planesGradArgs);
        Tensor gw = null, gb = null;
        if (weightGrad) {
            gw = strided.empty(DType.F32, d.c(), 1, 3, 3);
            conv.tileSum(partial, 0, gw, 9 * d.c(), d.n());
        }
        if (biasGrad && bias != null) {
            gb = strided.empty(DType.F32, d.c());
            conv.tileSum(partial, 9L * d.c() * d.n(), gb, d.c(), d.n());
        }
        if (partial != null) partial.storage().release();   // stream-ordered
        return new Tensor[] {gx, gw, gb};
    }

    /** x (N, C, H, W), w (C, 1, kh, kw), bias (C) or null, gy (N, C, OH, OW) or null → (N, C, OH, OW). */
    synchronized Tensor apply(Tensor x, Tensor w, Tensor bias, Tensor gy, ConvParams p) {
        dev.jmamba.tensor.Checks.depthwiseConv(x, w, bias, p);
        DType dt = ConvKernels.floating("depthwiseConv2dSilu", x.dtype());
        Tensor xc = strided.contiguous(x, dt), wc = strided.contiguous(w, dt);
        Tensor bc = bias == null ? null : strided.contiguous(bias, dt), gc = gy == null ? null : strided.contiguous(gy, dt);
        ConvKernels.Dims d = ConvKernels.dims(x.shape(), w.shape(), p);
        Tensor out = strided.empty(dt, d.n(), d.o(), d.oh(), d.ow());
        if (d.n() == 0 || d.c() == 0 || d.ohw() == 0) return out;
        args.setLong(0, address(xc)).setLong(1, address(wc)).setLong(2, bc == null ? 0 : address(bc))
                .setLong(3, gc == null ? 0 : address(gc)).setLong(4, address(out));
        d.pack(args.slot(5));
        long bytes = (long) d.h() * d.w() * dt.bytes(), bordered = (long) (d.h() + 2) * (d.w() + 2) * dt.bytes();
        boolean planes = (long) d.n() * d.c() <= Integer.MAX_VALUE;
        if (planes && PLANE3 && threeByThreeSame(d, p) && bordered <= ConvKernels.DW_PLANE_BYTES) {
            CudaDriver.launchKernel(function("dw3_silu_plane_" + suffix(dt)), d.n() * d.c(), 1, 1, 256, 1, 1, (int) bordered,
                    context.stream(), args);
        } else if (planes && bytes <= ConvKernels.DW_PLANE_BYTES) {
            CudaDriver.launchKernel(function("dw_silu_plane_" + suffix(dt)), d.n() * d.c(), 1, 1, 256, 1, 1, (int) bytes,
                    context.stream(), args);
        } else {
            launch("dw_silu_" + suffix(dt), (long) d.n() * d.c() * d.ohw(), args);
        }
        return out;
    }

    /** A 3×3 kernel with stride 1, padding 1 and dilation 1: the output plane is the input plane. */
    static boolean threeByThreeSame(ConvKernels.Dims d, ConvParams p) {
        return d.kh() == 3 && d.kw() == 3 && p.strideH() == 1 && p.strideW() == 1 && p.padH() == 1 && p.padW() == 1
                && p.dilationH() == 1 && p.dilationW() == 1;
    }

    /** Every kernel name this launcher may use. */
    static java.util.List<String> kernelNames() {
        return java.util.List.of("dw_silu_f32", "dw_silu_f64", "dw_silu_plane_f32", "dw_silu_plane_f64", "dw3_silu_plane_f32",
                "dw3_silu_plane_f64", "dw3_planes_forward_f32", "dw3_planes_forward_bf16", "dw3_planes_backward_f32",
                "dw3_planes_backward_bf16");
    }
}
