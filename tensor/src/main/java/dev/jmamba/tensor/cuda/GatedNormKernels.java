package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Checks;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import java.util.Arrays;

/**
 * The gated layer norm y = (x̂ · weight + bias) · silu(z) over the last dim ({@code Backend.layerNormGated}): float32
 * rows of at most {@value #MAX_WARP_CHANNELS} channels run the warp-per-row kernels of {@code norm_gated.cu} (which
 * explains them); float64 and wider rows keep {@link NormKernels}' block-per-row kernels. The backward's weight and
 * bias sums are per-block partials added by {@link NormKernels#columnSum} in a fixed order over a grid that depends
 * on the row count only.
 */
final class GatedNormKernels extends Launcher {
    static final String SOURCE = "norm_gated.cu";

    /** Warps per block (256 threads). */
    static final int WARPS = THREADS / 32;
    /** Widest float32 row of the warp kernels: the backward keeps 2·c doubles per warp in shared memory (192 KiB at 1536). */
    static final int MAX_WARP_CHANNELS = 1536;
    /** Most blocks of the warp forward (grid-stride over rows). */
    static final int FORWARD_BLOCKS = 4096;
    private static final int DEFAULT_SHARED_BYTES = 48 * 1024;

    private final StridedKernels strided;
    private final NormKernels norm;
    /** layer_norm_gated_warp_f32(x, weight, bias, z, z_row, y, mean, rstd, rows, c, eps). */
    private final KernelArgs forwardArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 8);
    /** layer_norm_gated_backward_warp_f32(gy, x, mean, rstd, weight, bias, z, z_row, gx, gz, partial, rows, c, rows_per_block). */
    private final KernelArgs backwardArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4);

    GatedNormKernels(CudaContext context, StridedKernels strided, NormKernels norm) {
        super(context, SOURCE);
        this.strided = strided;
        this.norm = norm;
    }

    /** Whether rows of c channels of dtype dt take the warp kernels. */
    static boolean warpRows(int c, DType dt) { return dt == DType.F32 && c <= MAX_WARP_CHANNELS; }

    /** Shared memory of the warp backward with weight and bias sums: 2·c doubles per warp. */
    static int backwardSharedBytes(int c) { return WARPS * 2 * c * Double.BYTES; }

    private static long pointerOrNull(Tensor t) { return t == null ? 0 : address(t); }

    /** See {@code Backend.layerNormGated}: {y, mean, rstd}. */
    synchronized Tensor[] forward(Tensor x, Tensor weight, Tensor bias, Tensor z, double eps) {
        Checks.layerNormGated(x, weight, bias, z);
        int c = x.size(-1);
        DType dt = x.dtype();
        if (!warpRows(c, dt)) return norm.layerNormGated(x, weight, bias, z, eps);
        Tensor xc = strided.contiguous(x, dt), zc = norm.gate(z, c, dt);
        Tensor w = norm.vector(weight, c, dt, "layerNormGated"), b = norm.vector(bias, c, dt, "layerNormGated");
        int rows = c == 0 ? 0 : xc.numel() / c;
        int[] statShape = Arrays.copyOf(x.shape(), x.rank() - 1);
        Tensor y = strided.empty(dt, x.shape()), mean = strided.empty(dt, statShape), rstd = strided.empty(dt, statShape);
        if (rows > 0) {
            forwardArgs.setLong(0, address(xc)).setLong(1, pointerOrNull(w)).setLong(2, pointerOrNull(b)).setLong(3, address(zc))
                    .setLong(4, NormKernels.rowStride(zc, c)).setLong(5, address(y)).setLong(6, address(mean)).setLong(7, address(rstd))
                    .setInt(8, rows).setInt(9, c);
            setDouble(forwardArgs, 10, eps);
            int blocks = (int) Math.min(Math.ceilDiv((long) rows, WARPS), FORWARD_BLOCKS);
            CudaDriver.launchKernel(function("layer_norm_gated_warp_f32"), blocks, 1, 1, THREADS, 1, 1, 0, context.stream(), forwardArgs);
        }
        return new Tensor[] {y, mean, rstd};
    }

    /** See {@code Backend.layerNormGatedBackward}: {gx, gWeight, gBias, gz}, each possibly null. */
    synchronized Tensor[] backward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias, Tensor z,
                                   boolean inputGrad, boolean paramGrads, boolean gateGrad) {
        Checks.layerNormGatedBackward(gy, x, mean, rstd, weight, bias, z);
        int c = x.size(-1);
        DType dt = x.dtype();
        if (!warpRows(c, dt)) return norm.layerNormGatedBackward(gy, x, mean, rstd, weight, bias, z, inputGrad, paramGrads, gateGrad);
        Tensor xc = strided.contiguous(x, dt), gyc = strided.contiguous(gy, dt), zc = norm.gate(z, c, dt);
        Tensor mc = strided.contiguous(mean, dt), rc = strided.contiguous(rstd, dt);
        Tensor w = norm.vector(weight, c, dt, "layerNormGatedBackward"), b = norm.vector(bias, c, dt, "layerNormGatedBackward");
        int rows = c == 0 ? 0 : xc.numel() / c;
        Tensor gx = inputGrad ? strided.empty(dt, x.shape()) : null, gz = gateGrad ? strided.empty(dt, x.shape()) : null;
        if (rows == 0) {
            return new Tensor[] {gx, paramGrads ? strided.zeros(dt, c) : null, paramGrads ? strided.zeros(dt, c) : null, gz};
        }
        int perBlock = NormKernels.rowsPerBackwardBlock(rows), blocks = Math.ceilDiv(rows, perBlock);
        Tensor sums = paramGrads ? strided.empty(dt, 2 * c) : null;                      // (gWeight, gBias)
        Tensor partial = paramGrads ? strided.empty(DType.F64, blocks, 2 * c) : null;    // (blocks, 2C)
        int shared = paramGrads ? backwardSharedBytes(c) : 0;
        long function = function("layer_norm_gated_backward_warp_f32");
        if (shared > DEFAULT_SHARED_BYTES) {
            CudaDriver.funcSetAttribute(function, CudaDriver.FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, shared);
        }
        backwardArgs.setLong(0, address(gyc)).setLong(1, address(xc)).setLong(2, address(mc)).setLong(3, address(rc))
                .setLong(4, pointerOrNull(w)).setLong(5, pointerOrNull(b)).setLong(6, address(zc)).setLong(7, NormKernels.rowStride(zc, c))
                .setLong(8, pointerOrNull(gx)).setLong(9, pointerOrNull(gz)).setLong(10, pointerOrNull(partial)).setInt(11, rows)
                .setInt(12, c).setInt(13, perBlock);
        CudaDriver.launchKernel(function, blocks, 1, 1, THREADS, 1, 1, shared, context.stream(), backwardArgs);
        if (!paramGrads) return new Tensor[] {gx, null, null, gz};
        norm.columnSum(address(partial), address(sums), blocks, 2 * c, dt);
        partial.storage().release();   // stream-ordered: the next user of the block runs after column_sum
        return new Tensor[] {gx, sums.narrow(0, 0, c), sums.narrow(0, c, c), gz};
    }

    /** Every kernel name this launcher may use. */
    static java.util.List<String> kernelNames() {
        return java.util.List.of("layer_norm_gated_warp_f32", "layer_norm_gated_backward_warp_f32");
    }
}
