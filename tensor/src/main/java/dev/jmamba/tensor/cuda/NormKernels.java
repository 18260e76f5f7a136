package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import java.util.Arrays;

/**
 * Layer norm {y, mean, rstd} and RMS norm {y, rstd} over the last dim ({@code norm.cu}): one
 * block per row, statistics in double. F64 inputs compute in F64, everything else in F32.
 */
final class NormKernels extends Launcher {
    static final String SOURCE = "norm.cu";

    private final StridedKernels strided;
    // (x, weight, bias, y, mean, rstd, rows, c, eps)
    private final KernelArgs layerArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 4, 4, 8);
    // (x, weight, y, rstd, rows, c, eps)
    private final KernelArgs rmsArgs = new KernelArgs(8, 8, 8, 8, 4, 4, 8);

    NormKernels(CudaContext context, StridedKernels strided) {
        super(context, SOURCE);
        this.strided = strided;
    }

    /** A (c) parameter as a contiguous tensor of dtype dt, or null. */
    private Tensor vector(Tensor t, int c, DType dt, String op) {
        if (t == null) return null;
        if (t.rank() != 1 || t.size(0) != c) throw new TensorException.Shape(op, "a (" + c + ",) parameter", Shapes.str(t.shape()));
        return strided.contiguous(t, dt);
    }

    private static long pointerOrNull(Tensor t) { return t == null ? 0 : address(t); }

    synchronized Tensor[] layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        int c = x.size(-1);
        DType dt = x.dtype() == DType.F64 ? DType.F64 : DType.F32;
        Tensor xc = strided.contiguous(x, dt);
        Tensor w = vector(weight, c, dt, "layerNorm"), b = vector(bias, c, dt, "layerNorm");
        int rows = c == 0 ? 0 : xc.numel() / c;
        int[] statShape = Arrays.copyOf(x.shape(), x.rank() - 1);
        Tensor y = strided.empty(dt, x.shape()), mean = strided.empty(dt, statShape), rstd = strided.empty(dt, statShape);
        if (rows > 0) {
            layerArgs.setLong(0, address(xc)).setLong(1, pointerOrNull(w)).setLong(2, pointerOrNull(b)).setLong(3, address(y))
                    .setLong(4, address(mean)).setLong(5, address(rstd)).setInt(6, rows).setInt(7, c);
            setDouble(layerArgs, 8, eps);
            launchRows("layer_norm_" + suffix(dt), rows, rowThreads(c), layerArgs);
        }
        return new Tensor[] {y, mean, rstd};
    }

    synchronized Tensor[] rmsNorm(Tensor x, Tensor weight, double eps) {
        int c = x.size(-1);
        DType dt = x.dtype() == DType.F64 ? DType.F64 : DType.F32;
        Tensor xc = strided.contiguous(x, dt);
        Tensor w = vector(weight, c, dt, "rmsNorm");
        int rows = c == 0 ? 0 : xc.numel() / c;
        Tensor y = strided.empty(dt, x.shape()), rstd = strided.empty(dt, Arrays.copyOf(x.shape(), x.rank() - 1));
        if (rows > 0) {
            rmsArgs.setLong(0, address(xc)).setLong(1, pointerOrNull(w)).setLong(2, address(y)).setLong(3, address(rstd))
                    .setInt(4, rows).setInt(5, c);
            setDouble(rmsArgs, 6, eps);
            launchRows("rms_norm_" + suffix(dt), rows, rowThreads(c), rmsArgs);
        }
        return new Tensor[] {y, rstd};
    }

    /** Every kernel name this launcher may use. */
    static java.util.List<String> kernelNames() {
        return java.util.List.of("layer_norm_f32", "layer_norm_f64", "rms_norm_f32", "rms_norm_f64");
    }
}
