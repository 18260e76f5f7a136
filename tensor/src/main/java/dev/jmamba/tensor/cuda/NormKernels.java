package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Checks;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import java.util.Arrays;

/**
 * Layer norm {y, mean, rstd}, RMS norm {y, rstd} and residual add + RMS norm {y, sum, rstd} with
 * its backward over the last dim ({@code norm.cu}): one block per row (the backward: per block
 * of rows), statistics in double. F64 inputs compute in F64, everything else in F32.
 */
final class NormKernels extends Launcher {
    static final String SOURCE = "norm.cu";

    private final StridedKernels strided;
    // (x, weight, bias, y, mean, rstd, rows, c, eps)
    private final KernelArgs layerArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 4, 4, 8);
    // (x, weight, y, rstd, rows, c, eps)
    private final KernelArgs rmsArgs = new KernelArgs(8, 8, 8, 8, 4, 4, 8);

    // (x, residual, weight, y, sum, rstd, rows, c, eps)
    private final KernelArgs addRmsArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 4, 4, 8);
    // (gy, gsum, sum, rstd, weight, gx, partial, rows, c, rows_per_block, use_shared)
    private final KernelArgs addRmsBackwardArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4);
    // (partial, out, blocks, c)
    private final KernelArgs columnSumArgs = new KernelArgs(8, 8, 4, 4);
    /** layer_norm_backward(gy, x, mean, rstd, weight, gx, partial, rows, c, rows_per_block, use_shared). */
    private final KernelArgs layerBackwardArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4);

    /** layer_norm_backward_warpV_f32(gy, x, mean, rstd, weight, gx, partial, rows, c, rows_per_warp). */
    private final KernelArgs layerBackwardWarpArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 4, 4, 4);
    /** layer_norm_bf16_backward_warpV(gy, xhat, rstd, weight, gx, partial, rows, c, rows_per_warp). */
    private final KernelArgs bf16BackwardWarpArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 4, 4, 4);
    /** layer_norm_affine_bf16(xhat, weight, bias, y, n, c, vec). */
    private final KernelArgs affineArgs = new KernelArgs(8, 8, 8, 8, 8, 4, 4);
    /** layer_norm_bf16_backward(gy, xhat, rstd, weight, gx, partial, rows, c, rows_per_block, use_shared). */
    private final KernelArgs bf16BackwardArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 4, 4, 4, 4);
    /** Register counts (values per lane) of the warp-per-row kernels: layer_norm_warpV_f32 and layer_norm_backward_warpV_f32. */
    static final int[] WARP_FORWARD_VALUES = {4, 8, 16, 32}, WARP_BACKWARD_VALUES = {4, 8};
    /** Most blocks of the warp-per-row forward (grid-stride), and warps of its backward (the weight-gradient partials per column). */
    static final int WARP_BLOCKS = 4096, WARP_BACKWARD_WARPS = 8192;

    /** The values per lane of the warp-per-row kernel for rows of c float32 channels, or 0 (block-per-row kernels). */
    static int warpValues(int c, DType dt, int[] sizes) {
        if (dt != DType.F32) return 0;
        for (int v : sizes) if (c <= 32 * v) return v;
        return 0;
    }

    /** Most blocks of the add + RMS norm backward: the number of weight-gradient partial sums per column. */
    static final int MAX_BACKWARD_BLOCKS = 1024;
    /** Widest row whose weight-gradient partials stay in shared memory (c doubles; 32 KiB). */
    static final int MAX_SHARED_PARTIAL_COLUMNS = 4096;
    /** Threads per column of column_sum (JM_COLUMN_SUM_ROWS). */
    static final int COLUMN_SUM_ROWS = 16;

    NormKernels(CudaContext context, StridedKernels strided) {
        super(context, SOURCE);
        this.strided = strided;
    }

    /** A (c) parameter as a contiguous tensor of dtype dt, or null. */
    Tensor vector(Tensor t, int c, DType dt, String op) {
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
            int vals = warpValues(c, dt, WARP_FORWARD_VALUES);
            if (vals > 0) {   // one warp per row (norm.cu explains), 8 warps per block, grid-stride over rows
                int blocks = (int) Math.min(Math.ceilDiv((long) rows, 8), WARP_BLOCKS);
                CudaDriver.launchKernel(function("layer_norm_warp" + vals + "_f32"), blocks, 1, 1, THREADS, 1, 1, 0,
                        context.stream(), layerArgs);
            } else {
                launchRows("layer_norm_" + suffix(dt), rows, rowThreads(c), layerArgs);
            }
        }
        return new Tensor[] {y, mean, rstd};
    }

    /** Whether layer_norm_bf16's warp-per-row kernels take rows of c channels (c ≤ 32 · 32); wider rows take Backend's composite. */
    static boolean bf16WarpFits(int c) { return warpValues(c, DType.F32, WARP_FORWARD_VALUES) > 0; }

    /** Backend.layerNormBf16 (operands checked, c fits the warp kernels): {y, x̂ or null, rstd}, one pass. */
    synchronized Tensor[] layerNormBf16(Tensor x, Tensor weight, Tensor bias, double eps, boolean keepNormalized) {
        int c = x.size(-1);
        Tensor xc = strided.contiguous(x);
        Tensor w = vector(weight, c, DType.F32, "layerNormBf16"), b = vector(bias, c, DType.F32, "layerNormBf16");
        int rows = c == 0 ? 0 : xc.numel() / c;
        Tensor y = strided.empty(DType.BF16, x.shape()), xhat = keepNormalized ? strided.empty(DType.BF16, x.shape()) : null;
        Tensor rstd = strided.empty(DType.F32, Arrays.copyOf(x.shape(), x.rank() - 1));
        if (rows > 0) {
            layerArgs.setLong(0, address(xc)).setLong(1, pointerOrNull(w)).setLong(2, pointerOrNull(b)).setLong(3, address(y))
                    .setLong(4, pointerOrNull(xhat)).setLong(5, address(rstd)).setInt(6, rows).setInt(7, c);
            setDouble(layerArgs, 8, eps);
            int blocks = (int) Math.min(Math.ceilDiv((long) rows, 8), WARP_BLOCKS);
            String kernel = "layer_norm_bf16_warp" + warpValues(c, DType.F32, WARP_FORWARD_VALUES) + "_" + suffix(x.dtype());
            CudaDriver.launchKernel(function(kernel), blocks, 1, 1, THREADS, 1, 1, 0, context.stream(), layerArgs);
        }
        return new Tensor[] {y, xhat, rstd};
    }

    /** Backend.layerNormAffineBf16 (operands checked): bf16 y = x̂ · w + b with layer_norm_warp's operations. */
    synchronized Tensor layerNormAffineBf16(Tensor xhat, Tensor weight, Tensor bias) {
        int c = xhat.size(-1);
        Tensor xc = strided.contiguous(xhat);
        Tensor w = vector(weight, c, DType.F32, "layerNormAffineBf16"), b = vector(bias, c, DType.F32, "layerNormAffineBf16");
        Tensor y = strided.empty(DType.BF16, xhat.shape());
        long n = xc.numel();
        if (n > 0) {
            boolean vec = c % 8 == 0 && address(xc) % 16 == 0 && address(y) % 16 == 0;
            affineArgs.setLong(0, address(xc)).setLong(1, pointerOrNull(w)).setLong(2, pointerOrNull(b)).setLong(3, address(y))
                    .setLong(4, n).setInt(5, c).setInt(6, vec ? 1 : 0);
            int blocks = (int) Math.min(Math.ceilDiv(vec ? n / 8 : n, THREADS), WARP_BLOCKS);
            CudaDriver.launchKernel(function("layer_norm_affine_bf16"), blocks, 1, 1, THREADS, 1, 1, 0, context.stream(), affineArgs);
        }
        return y;
    }

    /** Backend.layerNormBf16Backward (operands checked): gx and the parameter sums in float32 from the bf16 x̂. */
    synchronized Tensor[] layerNormBf16Backward(Tensor gy, Tensor xhat, Tensor rstd, Tensor weight, boolean inputGrad, boolean paramGrads) {
        int c = xhat.size(-1);
        Tensor xc = strided.contiguous(xhat), gyc = strided.contiguous(gy, DType.F32), rc = strided.contiguous(rstd, DType.F32);
        Tensor w = vector(weight, c, DType.F32, "layerNormBf16Backward");
        int rows = c == 0 ? 0 : xc.numel() / c;
        Tensor gx = inputGrad ? strided.empty(DType.F32, xhat.shape()) : null;
        if (rows == 0) {
            Tensor zeros = paramGrads ? strided.zeros(DType.F32, c) : null;
            return new Tensor[] {gx, zeros, zeros == null ? null : strided.zeros(DType.F32, c)};
        }
        int vals = warpValues(c, DType.F32, WARP_BACKWARD_VALUES);
        if (vals > 0) {   // one warp per run of rows, as layerNormBackward
            int perWarp = Math.max(1, Math.ceilDiv(rows, WARP_BACKWARD_WARPS)), warps = Math.ceilDiv(rows, perWarp);
            Tensor partial = paramGrads ? strided.empty(DType.F64, warps, 2 * c) : null;   // (warps, 2C)
            bf16BackwardWarpArgs.setLong(0, address(gyc)).setLong(1, address(xc)).setLong(2, address(rc)).setLong(3, pointerOrNull(w))
                    .setLong(4, pointerOrNull(gx)).setLong(5, pointerOrNull(partial)).setInt(6, rows).setInt(7, c).setInt(8, perWarp);
            CudaDriver.launchKernel(function("layer_norm_bf16_backward_warp" + vals), Math.ceilDiv(warps, 8), 1, 1, THREADS, 1, 1,
                    0, context.stream(), bf16BackwardWarpArgs);
            return paramSums(gx, partial, warps, c, DType.F32);
        }
        int perBlock = rowsPerBackwardBlock(rows), blocks = Math.ceilDiv(rows, perBlock);
        Tensor partial = paramGrads ? strided.empty(DType.F64, blocks, 2 * c) : null;   // (blocks, 2C)
        boolean shared = paramGrads && 2 * c <= MAX_SHARED_PARTIAL_COLUMNS;
        bf16BackwardArgs.setLong(0, address(gyc)).setLong(1, address(xc)).setLong(2, address(rc)).setLong(3, pointerOrNull(w))
                .setLong(4, pointerOrNull(gx)).setLong(5, pointerOrNull(partial)).setInt(6, rows).setInt(7, c).setInt(8, perBlock)
                .setInt(9, shared ? 1 : 0);
        CudaDriver.launchKernel(function("layer_norm_bf16_backward"), blocks, 1, 1, rowThreads(c), 1, 1,
                shared ? 2 * c * Double.BYTES : 0, context.stream(), bf16BackwardArgs);
        return paramSums(gx, partial, blocks, c, DType.F32);
    }

    /**
     * {gx, gWeight, gBias}: the (count, 2C) float64 partial sums of a layer-norm backward added column by column in a
     * fixed order (column_sum) and released; partial null: no parameter gradients.
     */
    private Tensor[] paramSums(Tensor gx, Tensor partial, int count, int c, DType dt) {
        if (partial == null) return new Tensor[] {gx, null, null};
        Tensor sums = strided.empty(dt, 2 * c);   // (gWeight, gBias); column_sum writes all
        columnSum(address(partial), address(sums), count, 2 * c, dt);
        partial.storage().release();   // stream-ordered: the next user of the block runs after column_sum
        return new Tensor[] {gx, sums.narrow(0, 0, c), sums.narrow(0, c, c)};
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

    synchronized Tensor[] addRmsNorm(Tensor x, Tensor residual, Tensor weight, double eps) {
        DType dt = Checks.addRmsNorm(x, residual, weight);
        int c = x.size(-1);
        Tensor xc = strided.contiguous(x, dt), rc = residual == null ? null : strided.contiguous(residual, dt);
        Tensor w = vector(weight, c, dt, "addRmsNorm");
        int rows = c == 0 ? 0 : xc.numel() / c;
        Tensor y = strided.empty(dt, x.shape()), sum = strided.empty(dt, x.shape());
        Tensor rstd = strided.empty(dt, Arrays.copyOf(x.shape(), x.rank() - 1));
        if (rows > 0) {
            addRmsArgs.setLong(0, address(xc)).setLong(1, pointerOrNull(rc)).setLong(2, pointerOrNull(w)).setLong(3, address(y))
                    .setLong(4, address(sum)).setLong(5, address(rstd)).setInt(6, rows).setInt(7, c);
            setDouble(addRmsArgs, 8, eps);
            launchRows("add_rms_norm_" + suffix(dt), rows, rowThreads(c), addRmsArgs);
        }
        return new Tensor[] {y, sum, rstd};
    }

    /**
     * One backward kernel over blocks of {@link #rowsPerBackwardBlock} rows, then (for the weight
     * gradient) column_sum over the blocks' partial sums: a fixed grid and a fixed summation
     * order, so the result is the same on every run and every device.
     */
    synchronized Tensor[] addRmsNormBackward(Tensor gy, Tensor gSum, Tensor sum, Tensor rstd, Tensor weight, boolean weightGrad) {
        Checks.addRmsNormBackward(gy, gSum, sum, rstd, weight);
        DType dt = sum.dtype();
        int c = sum.size(-1);
        Tensor sc = strided.contiguous(sum, dt), gyc = strided.contiguous(gy, dt);
        Tensor gsc = gSum == null ? null : strided.contiguous(gSum, dt), rc = strided.contiguous(rstd, dt);
        Tensor w = vector(weight, c, dt, "addRmsNormBackward");
        int rows = c == 0 ? 0 : sc.numel() / c;
        Tensor gx = strided.empty(dt, sum.shape());
        boolean wantWeight = weightGrad && weight != null;
        if (rows == 0) return new Tensor[] {gx, wantWeight ? strided.zeros(dt, c) : null};
        Tensor gw = wantWeight ? strided.empty(dt, c) : null;   // column_sum writes every entry
        int perBlock = rowsPerBackwardBlock(rows), blocks = Math.ceilDiv(rows, perBlock);
        Tensor partial = wantWeight ? strided.empty(DType.F64, blocks, c) : null;   // (blocks, C)
        boolean shared = wantWeight && c <= MAX_SHARED_PARTIAL_COLUMNS;
        addRmsBackwardArgs.setLong(0, address(gyc)).setLong(1, pointerOrNull(gsc)).setLong(2, address(sc)).setLong(3, address(rc))
                .setLong(4, pointerOrNull(w)).setLong(5, address(gx)).setLong(6, pointerOrNull(partial)).setInt(7, rows).setInt(8, c)
                .setInt(9, perBlock).setInt(10, shared ? 1 : 0);
        CudaDriver.launchKernel(function("add_rms_norm_backward_" + suffix(dt)), blocks, 1, 1, rowThreads(c), 1, 1,
                shared ? c * Double.BYTES : 0, context.stream(), addRmsBackwardArgs);
        if (wantWeight) {
            columnSumArgs.setLong(0, address(partial)).setLong(1, address(gw)).setInt(2, blocks).setInt(3, c);
            CudaDriver.launchKernel(function("column_sum_" + suffix(dt)), Math.ceilDiv(c, 32), 1, 1, 32, COLUMN_SUM_ROWS, 1, 0,
                    context.stream(), columnSumArgs);
            partial.storage().release();   // stream-ordered: the next user of the block runs after column_sum
        }
        return new Tensor[] {gx, gw};
    }

    synchronized Tensor[] layerNormBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight,
                                            boolean inputGrad, boolean paramGrads) {
        Checks.layerNormBackward(gy, x, mean, rstd, weight);
        DType dt = x.dtype();
        int c = x.size(-1);
        Tensor xc = strided.contiguous(x, dt), gyc = strided.contiguous(gy, dt);
        Tensor mc = strided.contiguous(mean, dt), rc = strided.contiguous(rstd, dt);
        Tensor w = vector(weight, c, dt, "layerNormBackward");
        int rows = c == 0 ? 0 : xc.numel() / c;
        Tensor gx = inputGrad ? strided.empty(dt, x.shape()) : null;
        if (rows == 0) {
            Tensor zeros = paramGrads ? strided.zeros(dt, c) : null;
            return new Tensor[] {gx, zeros, zeros == null ? null : strided.zeros(dt, c)};
        }
        int vals = warpValues(c, dt, WARP_BACKWARD_VALUES);
        if (vals > 0) {   // one warp per run of rows (norm.cu), partial sums per warp
            int perWarp = Math.max(1, Math.ceilDiv(rows, WARP_BACKWARD_WARPS)), warps = Math.ceilDiv(rows, perWarp);
            Tensor partial = paramGrads ? strided.empty(DType.F64, warps, 2 * c) : null;   // (warps, 2C)
            layerBackwardWarpArgs.setLong(0, address(gyc)).setLong(1, address(xc)).setLong(2, address(mc)).setLong(3, address(rc))
                    .setLong(4, pointerOrNull(w)).setLong(5, pointerOrNull(gx)).setLong(6, pointerOrNull(partial)).setInt(7, rows)
                    .setInt(8, c).setInt(9, perWarp);
            CudaDriver.launchKernel(function("layer_norm_backward_warp" + vals + "_f32"), Math.ceilDiv(warps, 8), 1, 1, THREADS, 1, 1,
                    0, context.stream(), layerBackwardWarpArgs);
            return paramSums(gx, partial, warps, c, dt);
        }
        int perBlock = rowsPerBackwardBlock(rows), blocks = Math.ceilDiv(rows, perBlock);
        Tensor partial = paramGrads ? strided.empty(DType.F64, blocks, 2 * c) : null;   // (blocks, 2C)
        boolean shared = paramGrads && 2 * c <= MAX_SHARED_PARTIAL_COLUMNS;
        layerBackwardArgs.setLong(0, address(gyc)).setLong(1, address(xc)).setLong(2, address(mc)).setLong(3, address(rc))
                .setLong(4, pointerOrNull(w)).setLong(5, pointerOrNull(gx)).setLong(6, pointerOrNull(partial)).setInt(7, rows)
                .setInt(8, c).setInt(9, perBlock).setInt(10, shared ? 1 : 0);
        CudaDriver.launchKernel(function("layer_norm_backward_" + suffix(dt)), blocks, 1, 1, rowThreads(c), 1, 1,
                shared ? 2 * c * Double.BYTES : 0, context.stream(), layerBackwardArgs);
        return paramSums(gx, partial, blocks, c, dt);
    }

    /**
     * Adds the {@code rows} rows of the (rows, cols) float64 matrix at {@code partial} column by column, in a fixed
     * order, into the {@code cols} values of dtype dt at {@code out} (column_sum; addresses may point into a tensor).
     */
    synchronized void columnSum(long partial, long out, int rows, int cols, DType dt) {
        columnSumArgs.setLong(0, partial).setLong(1, out).setInt(2, rows).setInt(3, cols);
        CudaDriver.launchKernel(function("column_sum_" + suffix(dt)), Math.ceilDiv(cols, 32), 1, 1, 32, COLUMN_SUM_ROWS, 1, 0,
                context.stream(), columnSumArgs);
    }

    /**
     * Rows per block of the backward: as few as keep the grid at most {@link #MAX_BACKWARD_BLOCKS}
     * blocks. Depends on the row count only, never on the device.
     */
    static int rowsPerBackwardBlock(int rows) {
        return Math.max(1, Math.ceilDiv(rows, MAX_BACKWARD_BLOCKS));
    }

    /** Every kernel name this launcher may use. */
    static java.util.List<String> kernelNames() {
        return java.util.List.of("layer_norm_warp4_f32", "layer_norm_warp8_f32", "layer_norm_warp16_f32", "layer_norm_warp32_f32",
                "layer_norm_backward_warp4_f32", "layer_norm_backward_warp8_f32", "layer_norm_f32", "layer_norm_f64", "rms_norm_f32", "rms_norm_f64", "add_rms_norm_f32", "add_rms_norm_f64",
                "add_rms_norm_backward_f32", "add_rms_norm_backward_f64", "layer_norm_backward_f32", "layer_norm_backward_f64",
                "column_sum_f32", "column_sum_f64",
                "layer_norm_bf16_warp4_f32", "layer_norm_bf16_warp8_f32", "layer_norm_bf16_warp16_f32", "layer_norm_bf16_warp32_f32",
                "layer_norm_bf16_warp4_bf16", "layer_norm_bf16_warp8_bf16", "layer_norm_bf16_warp16_bf16", "layer_norm_bf16_warp32_bf16",
                "layer_norm_bf16_backward_warp4", "layer_norm_bf16_backward_warp8", "layer_norm_bf16_backward");
    }
}
