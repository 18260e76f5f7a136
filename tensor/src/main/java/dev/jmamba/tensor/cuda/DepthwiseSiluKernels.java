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
 */
final class DepthwiseSiluKernels extends Launcher {
    static final String SOURCE = "dw_silu.cu";
    /** Whether the 3×3 stride-1 padding-1 case takes dw3_silu_plane (default) rather than dw_silu_plane. */
    static final boolean PLANE3 = !"false".equals(System.getProperty("jmamba.dwconv.plane3"));

    private final StridedKernels strided;
    /** dw_silu[_plane](x, w, bias, gy, out, JmConv). */
    private final KernelArgs args = new KernelArgs(8, 8, 8, 8, 8, ConvKernels.CONV_BYTES);

    DepthwiseSiluKernels(CudaContext context, StridedKernels strided) {
        super(context, SOURCE);
        this.strided = strided;
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
                "dw3_silu_plane_f64");
    }
}
