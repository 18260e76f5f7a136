package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.InterpolateMode;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import java.lang.foreign.MemorySegment;

/**
 * Average pooling, adaptive average pooling and interpolation (nearest, bilinear, bicubic) with
 * their gradients, through the two kernels of {@code pool.cu}. Each axis is described by a
 * {@code JmAxis} whose taps are those of the CPU's ResampleCpu; forward and backward both gather in
 * double (the backward one thread per input element over the outputs that reach it), so the
 * backward has no atomics and gives the same bits on every run.
 */
final class ResampleKernels extends Launcher {
    static final String SOURCE = "pool.cu";
    /** Bytes of {@code struct JmAxis}: 7 ints. */
    static final long AXIS_BYTES = 28;
    /** JmTapKind codes. */
    static final int NEAREST = 0, BILINEAR = 1, BICUBIC = 2, AVGPOOL = 3, ADAPTIVE = 4;

    private final StridedKernels strided;
    // (in, out, planes, JmAxis y, JmAxis x)
    private final KernelArgs args = new KernelArgs(8, 8, 4, AXIS_BYTES, AXIS_BYTES);

    ResampleKernels(CudaContext context, StridedKernels strided) {
        super(context, SOURCE);
        this.strided = strided;
    }

    /** One axis: kind, input and output sizes, pooling kernel / stride / padding, align_corners. */
    record Axis(int kind, int in, int out, int k, int stride, int pad, boolean alignCorners) {
        void pack(MemorySegment slot) {
            int[] v = {kind, in, out, k, stride, pad, alignCorners ? 1 : 0};
            for (int i = 0; i < v.length; i++) slot.set(JAVA_INT, 4L * i, v[i]);
        }
    }

    static Axis interp(int in, int out, InterpolateMode mode, boolean alignCorners) {
        int kind = switch (mode) {
            case NEAREST -> NEAREST;
            case BILINEAR -> BILINEAR;
            case BICUBIC -> BICUBIC;
        };
        return new Axis(kind, in, out, 0, 1, 0, alignCorners);
    }

    static int poolOut(int in, int k, int stride, int pad) { return (in + 2 * pad - k) / stride + 1; }

    static Axis pool(int in, int out, int k, int stride, int pad) { return new Axis(AVGPOOL, in, out, k, stride, pad, false); }

    static Axis adaptive(int in, int out) { return new Axis(ADAPTIVE, in, out, 0, 1, 0, false); }

    private static DType compute(Tensor t) { return t.dtype() == DType.F64 ? DType.F64 : DType.F32; }

    private synchronized void run(String kernel, Tensor in, Tensor out, int planes, Axis ay, Axis ax, long work) {
        args.setLong(0, address(in)).setLong(1, address(out)).setInt(2, planes);
        ay.pack(args.slot(3));
        ax.pack(args.slot(4));
        launch(kernel, work, args);
    }

    /** x (N, C, ay.in, ax.in) -> (N, C, ay.out, ax.out). */
    Tensor forward(Tensor x, Axis ay, Axis ax) {
        DType dt = compute(x);
        Tensor xc = strided.contiguous(x, dt);
        int[] s = x.shape();
        Tensor y = strided.empty(dt, s[0], s[1], ay.out(), ax.out());
        long work = (long) s[0] * s[1] * ay.out() * ax.out();
        if (work > 0 && ay.in() > 0 && ax.in() > 0) run("resample_forward_" + suffix(dt), xc, y, s[0] * s[1], ay, ax, work);
        else if (work > 0) strided.fill(y, 0);
        return y;
    }

    /** gy (N, C, ay.out, ax.out) -> dx (xShape = (N, C, ay.in, ax.in)). */
    Tensor backward(Tensor gy, int[] xShape, Axis ay, Axis ax) {
        DType dt = compute(gy);
        Tensor gc = strided.contiguous(gy, dt);
        Tensor dx = strided.empty(dt, xShape);
        long work = Shapes.numel(xShape);   // one thread per input element
        if (work > 0 && ay.out() > 0 && ax.out() > 0) run("resample_backward_" + suffix(dt), gc, dx, xShape[0] * xShape[1], ay, ax, work);
        else if (work > 0) strided.fill(dx, 0);
        return dx;
    }

    /** Every kernel name this launcher may use. */
    static java.util.List<String> kernelNames() {
        return java.util.List.of("resample_forward_f32", "resample_forward_f64", "resample_backward_f32", "resample_backward_f64");
    }
}
