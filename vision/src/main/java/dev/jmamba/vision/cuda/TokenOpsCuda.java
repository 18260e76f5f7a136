package dev.jmamba.vision.cuda;

import dev.jmamba.ssm.cuda.KernelFile;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.CudaDriver;
import dev.jmamba.tensor.cuda.KernelArgs;
import java.util.ArrayList;
import java.util.List;

/**
 * Launches {@code token_ops.cu} on raw device pointers of one context: the rotary pair rotation, the token mean of
 * a per-token layer norm (forward and backward) and the per-row scale (forward and backward). All tensors are
 * contiguous; T is float or double ({@code dtype} F32 or F64). Launches are asynchronous on the context's stream.
 */
final class TokenOpsCuda {
    /** This launcher's file in the vision module's kernel folder. */
    static final String SOURCE_NAME = "token_ops.cu";
    /** Threads per block of the one-block-per-(n, b) token mean norm kernels. */
    private static final int NORM_THREADS = 256;
    /** Most dynamic shared memory the backward asks for (C doubles): the default limit of a block. */
    private static final int MAX_SHARED_BYTES = 48 * 1024;
    /** Most blocks of the warp-per-row kernel (the warps loop over the rest). */
    private static final int MAX_ROW_BLOCKS = 1 << 16;

    private final CudaContext context;
    private final KernelFile kernels;
    private final KernelArgs rotaryArgs = new KernelArgs(8, 8, 8, 8, 4, 4, 4, 4);             // x, cos, sin, out, B, L, D, adjoint
    private final KernelArgs normArgs = new KernelArgs(8, 8, 8, 8, 4, 4, 4, 4, 4);            // y, xbar, mean, rstd, N, C, B, L, eps
    private final KernelArgs normBackArgs = new KernelArgs(8, 8, 8, 8, 8, 4, 4, 4, 4);        // gxbar, y, mean, rstd, gy, N, C, B, L
    private final KernelArgs scaleArgs = new KernelArgs(8, 8, 8, 8, 4);                       // x, g, out, R, L
    private final KernelArgs scaleBackArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 4);             // gy, x, g, gx, gg, R, L

    TokenOpsCuda(CudaContext context) {
        this.context = context;
        this.kernels = new KernelFile(context, Scan2dCuda.FOLDER, SOURCE_NAME);
    }

    /** The kernels of token_ops.cu this class launches, with their parameter counts. */
    static List<Object[]> kernelSignatures() {
        List<Object[]> list = new ArrayList<>();
        for (String type : new String[] {"f32", "f64"}) {
            list.add(new Object[] {"rotary_" + type, 8});
            list.add(new Object[] {"token_mean_norm_" + type, 9});
            list.add(new Object[] {"token_mean_norm_backward_" + type, 9});
            list.add(new Object[] {"row_scale_" + type, 5});
            list.add(new Object[] {"row_scale_backward_" + type, 7});
        }
        return list;
    }

    private static String name(String op, DType dtype) { return op + "_" + KernelFile.suffix(dtype, "token op"); }

    /** out = rotary(x) (or its adjoint); x, out (B, L, D); cos, sin (L, D). */
    synchronized void rotary(DType dtype, long x, long cos, long sin, long out, int b, int l, int d, boolean adjoint) {
        rotaryArgs.setLong(0, x).setLong(1, cos).setLong(2, sin).setLong(3, out).setInt(4, b).setInt(5, l).setInt(6, d)
                .setInt(7, adjoint ? 1 : 0);
        kernels.launchFlat(name("rotary", dtype), (long) b * l * (d / 2), rotaryArgs);
    }

    /** y (N, C, B, L) → xbar (N, B, C), mean and rstd (N, B, L). */
    synchronized void tokenMeanNorm(DType dtype, long y, long xbar, long mean, long rstd, int n, int c, int b, int l, double eps) {
        if ((long) n * b == 0) return;
        normArgs.setLong(0, y).setLong(1, xbar).setLong(2, mean).setLong(3, rstd).setInt(4, n).setInt(5, c).setInt(6, b)
                .setInt(7, l).setFloat(8, (float) eps);
        CudaDriver.launchKernel(kernels.function(name("token_mean_norm", dtype)), n * b, 1, 1, NORM_THREADS, 1, 1, 0,
                context.stream(), normArgs);
    }

    /** gxbar (N, B, C), y (N, C, B, L), mean and rstd (N, B, L) → gy (N, C, B, L). */
    synchronized void tokenMeanNormBackward(DType dtype, long gxbar, long y, long mean, long rstd, long gy, int n, int c, int b, int l) {
        if ((long) n * b == 0) return;
        int shared = 8 * c;
        if (shared > MAX_SHARED_BYTES) {
            throw new JmambaException("token mean norm backward on CUDA: supports up to " + MAX_SHARED_BYTES / 8 + " channels, got " + c);
        }
        normBackArgs.setLong(0, gxbar).setLong(1, y).setLong(2, mean).setLong(3, rstd).setLong(4, gy).setInt(5, n).setInt(6, c)
                .setInt(7, b).setInt(8, l);
        CudaDriver.launchKernel(kernels.function(name("token_mean_norm_backward", dtype)), n * b, 1, 1, NORM_THREADS, 1, 1, shared,
                context.stream(), normBackArgs);
    }

    /** out[r, l] = x[r, l]·g[r]; x, out (R, L), g (R). */
    synchronized void rowScale(DType dtype, long x, long g, long out, long rows, int l) {
        scaleArgs.setLong(0, x).setLong(1, g).setLong(2, out).setLong(3, rows).setInt(4, l);
        kernels.launchFlat(name("row_scale", dtype), rows * l, scaleArgs);
    }

    /** gx = gy·g (when gx != 0) and gg[r] = Σ_l gy·x (when gg != 0). */
    synchronized void rowScaleBackward(DType dtype, long gy, long x, long g, long gx, long gg, long rows, int l) {
        if (rows == 0) return;
        scaleBackArgs.setLong(0, gy).setLong(1, x).setLong(2, g).setLong(3, gx).setLong(4, gg).setLong(5, rows).setInt(6, l);
        int warpsPerBlock = KernelFile.THREADS / 32;
        int blocks = (int) Math.min(MAX_ROW_BLOCKS, (rows + warpsPerBlock - 1) / warpsPerBlock);
        CudaDriver.launchKernel(kernels.function(name("row_scale_backward", dtype)), blocks, 1, 1, KernelFile.THREADS, 1, 1, 0,
                context.stream(), scaleBackArgs);
    }
}
