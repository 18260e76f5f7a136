package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Checks;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import java.util.Arrays;

/**
 * The gated layer norm y = (x̂ · weight + bias) · silu(z) over the last dim and its backward ({@code Backend.layerNormGated},
 * {@code norm_gated.cu}, which explains both layouts): float32 rows of at most {@value #MAX_WARP_CHANNELS} channels take
 * one warp per row, float64 and wider rows one block per row. The backward's weight and bias sums are per-block
 * partials added by {@link NormKernels#columnSum} in a fixed order over a grid that depends on the row count only.
 * BF16 x (autocast's activations) reads x and z as bf16 and writes y as bf16 with everything else float32 (the warp
 * kernels' {@code _bf16} forms); rows wider than {@value #MAX_WARP_CHANNELS} then run the float32 kernels on float32
 * copies.
 */
final class GatedNormKernels extends Launcher {
    static final String SOURCE = "norm_gated.cu";

    /** Warps per block of the warp kernels (256 threads). */
    static final int WARPS = THREADS / 32;
    /** Widest float32 row of the warp kernels: the backward keeps 2·c doubles per warp in shared memory (192 KiB at 1536). */
    static final int MAX_WARP_CHANNELS = 1536;
    /**
     * Narrowest float32 row whose backward takes layer_norm_gated_backward_rows_f32 (threads own channels, sums in
     * registers) instead of the warp kernel, whose 2·c doubles of shared memory per warp leave one or two blocks per SM
     * from here on; {@code -Djmamba.norm.gatedRows=false} keeps the warp kernel.
     */
    static final int ROWS_KERNEL_MIN_CHANNELS = 512;
    static final boolean ROWS_KERNEL = !"false".equals(System.getProperty("jmamba.norm.gatedRows"));
    /**
     * The warp kernels with the row in registers (norm_gated.cu's {@code _regs_} kernels: one load of the row instead of
     * two passes, the same bits): the forward up to {@value #MAX_WARP_CHANNELS} channels, the backward up to
     * {@value #MAX_REGISTER_BACKWARD_CHANNELS}; {@code -Djmamba.norm.gatedRegisters=false} keeps the two-pass kernels.
     */
    static final boolean REGISTER_ROWS = !"false".equals(System.getProperty("jmamba.norm.gatedRegisters"));
    /** Widest row of the register backward (24 values per lane; its warp sums take 2·c doubles per warp, 96 KiB at 768). */
    static final int MAX_REGISTER_BACKWARD_CHANNELS = 768;
    /** Values per lane the register kernels are compiled for (each holds rows of up to 32 · N channels). */
    private static final int[] REGISTER_WIDTHS = {8, 16, 24, 48};
    /** Most blocks of the warp forward (grid-stride over rows). */
    static final int FORWARD_BLOCKS = 4096;
    private static final int DEFAULT_SHARED_BYTES = 48 * 1024;

    private final StridedKernels strided;
    private final NormKernels norm;
    /** layer_norm_gated_{f32,f64} and layer_norm_gated_warp_f32(x, weight, bias, z, z_row, y, mean, rstd, rows, c, eps). */
    private final KernelArgs forwardArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 8);
    /** layer_norm_gated_backward_warp_f32(gy, x, mean, rstd, weight, bias, z, z_row, gx, gz, partial, rows, c, rows_per_block). */
    private final KernelArgs warpBackwardArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4);
    /** layer_norm_gated_backward_{f32,f64}: as the warp kernel's, then use_shared. */
    private final KernelArgs blockBackwardArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4);

    GatedNormKernels(CudaContext context, StridedKernels strided, NormKernels norm) {
        super(context, SOURCE);
        this.strided = strided;
        this.norm = norm;
    }

    /** Whether rows of c channels of dtype dt take the warp kernels. */
    static boolean warpRows(int c, DType dt) { return (dt == DType.F32 || dt == DType.BF16) && c <= MAX_WARP_CHANNELS; }

    /** The register kernels' values per lane for rows of c channels: the smallest compiled width holding the row. */
    static int registerWidth(int c) {
        for (int n : REGISTER_WIDTHS) if (32 * n >= c) return n;
        throw new TensorException("layerNormGated", "rows of at most " + 32 * REGISTER_WIDTHS[REGISTER_WIDTHS.length - 1] + " channels for the register kernels", c + " channels");
    }

    /** Shared memory of the warp backward with weight and bias sums: 2·c doubles per warp. */
    static int backwardSharedBytes(int c) { return WARPS * 2 * c * Double.BYTES; }

    private static long pointerOrNull(Tensor t) { return t == null ? 0 : address(t); }

    /**
     * The element distance between consecutive rows of t viewed as (rows, c) when its rows are evenly spaced, do not
     * overlap and have contiguous channels (e.g. a channel slice of a wider channels-last tensor); -1 otherwise.
     */
    static long rowStride(Tensor t, int c) {
        int r = t.rank();
        int[] shape = t.shape(), strides = t.strides();
        if (c > 1 && strides[r - 1] != 1) return -1;
        long row = -1, span = 0;
        for (int i = r - 2; i >= 0; i--) {
            if (shape[i] == 1) continue;
            if (row < 0) {
                row = strides[i];
            } else if (strides[i] != span) {
                return -1;
            }
            span = (long) strides[i] * shape[i];
        }
        if (row < 0) return c;
        return row >= c ? row : -1;
    }

    /** z as the gated kernels read it: itself when in dtype dt with evenly spaced rows, else a contiguous copy. */
    private Tensor gate(Tensor z, int c, DType dt) {
        return z.dtype() == dt && rowStride(z, c) >= 0 ? z : strided.contiguous(z, dt);
    }

    /** See {@code Backend.layerNormGated}: {y, mean, rstd}. */
    Tensor[] forward(Tensor x, Tensor weight, Tensor bias, Tensor z, double eps) { return forward(x, weight, bias, z, eps, REGISTER_ROWS); }

    /** {@link #forward} with the register kernels on or off (tests compare the two). */
    synchronized Tensor[] forward(Tensor x, Tensor weight, Tensor bias, Tensor z, double eps, boolean registerRows) {
        Checks.layerNormGated(x, weight, bias, z);
        int c = x.size(-1);
        DType dt = x.dtype(), pt = dt.computeType();                                   // x, z, y in dt; the rest in pt
        if (dt == DType.BF16 && !warpRows(c, dt)) {                                    // wide bf16 rows: float32 copies
            Tensor x32 = x.to(DType.F32), z32 = z.to(DType.F32);
            Tensor[] r = forward(x32, weight, bias, z32, eps, registerRows);
            Tensor y = r[0].to(DType.BF16);
            x32.storage().release();                                                   // stream-ordered temporaries
            r[0].storage().release();
            if (z32 != z) z32.storage().release();
            return new Tensor[] {y, r[1], r[2]};
        }
        Tensor xc = strided.contiguous(x, dt), zc = gate(z, c, dt);
        Tensor w = norm.vector(weight, c, pt, "layerNormGated"), b = norm.vector(bias, c, pt, "layerNormGated");
        int rows = c == 0 ? 0 : xc.numel() / c;
        int[] statShape = Arrays.copyOf(x.shape(), x.rank() - 1);
        Tensor y = strided.empty(dt, x.shape()), mean = strided.empty(pt, statShape), rstd = strided.empty(pt, statShape);
        if (rows == 0) return new Tensor[] {y, mean, rstd};
        forwardArgs.setLong(0, address(xc)).setLong(1, pointerOrNull(w)).setLong(2, pointerOrNull(b)).setLong(3, address(zc))
                .setLong(4, rowStride(zc, c)).setLong(5, address(y)).setLong(6, address(mean)).setLong(7, address(rstd))
                .setInt(8, rows).setInt(9, c);
        setDouble(forwardArgs, 10, eps);
        if (warpRows(c, dt)) {
            int blocks = (int) Math.min(Math.ceilDiv((long) rows, WARPS), FORWARD_BLOCKS);
            String kernel = registerRows ? "layer_norm_gated_regs_" + suffix(dt) + "_" + registerWidth(c) : "layer_norm_gated_warp_" + suffix(dt);
            CudaDriver.launchKernel(function(kernel), blocks, 1, 1, THREADS, 1, 1, 0, context.stream(), forwardArgs);
        } else {
            launchRows("layer_norm_gated_" + suffix(dt), rows, rowThreads(c), forwardArgs);
        }
        return new Tensor[] {y, mean, rstd};
    }

    /** See {@code Backend.layerNormGatedBackward}: {gx, gWeight, gBias, gz}, each possibly null. */
    Tensor[] backward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias, Tensor z, boolean inputGrad,
                      boolean paramGrads, boolean gateGrad) {
        return backward(gy, x, mean, rstd, weight, bias, z, inputGrad, paramGrads, gateGrad, REGISTER_ROWS);
    }

    /** {@link #backward} with the register kernels on or off (tests compare the two). */
    synchronized Tensor[] backward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias, Tensor z,
                                   boolean inputGrad, boolean paramGrads, boolean gateGrad, boolean registerRows) {
        Checks.layerNormGatedBackward(gy, x, mean, rstd, weight, bias, z);
        int c = x.size(-1);
        DType xt = x.dtype(), dt = xt.computeType();                                   // x, z in xt; gy and gradients in dt
        if (xt == DType.BF16 && !warpRows(c, xt)) {                                    // wide bf16 rows: float32 copies
            Tensor x32 = x.to(DType.F32), z32 = z.to(DType.F32);
            Tensor[] r = backward(gy, x32, mean, rstd, weight, bias, z32, inputGrad, paramGrads, gateGrad, registerRows);
            x32.storage().release();
            if (z32 != z) z32.storage().release();
            return r;
        }
        Tensor xc = strided.contiguous(x, xt), gyc = strided.contiguous(gy, dt), zc = gate(z, c, xt);
        Tensor mc = strided.contiguous(mean, dt), rc = strided.contiguous(rstd, dt);
        Tensor w = norm.vector(weight, c, dt, "layerNormGatedBackward"), b = norm.vector(bias, c, dt, "layerNormGatedBackward");
        int rows = c == 0 ? 0 : xc.numel() / c;
        Tensor gx = inputGrad ? strided.empty(dt, x.shape()) : null, gz = gateGrad ? strided.empty(dt, x.shape()) : null;
        if (rows == 0) {
            return new Tensor[] {gx, paramGrads ? strided.zeros(dt, c) : null, paramGrads ? strided.zeros(dt, c) : null, gz};
        }
        int perBlock = NormKernels.rowsPerBackwardBlock(rows), blocks = Math.ceilDiv(rows, perBlock);
        Tensor sums = paramGrads ? strided.empty(dt, 2 * c) : null;                      // (gWeight, gBias); column_sum writes all
        Tensor partial = paramGrads ? strided.empty(DType.F64, blocks, 2 * c) : null;    // (blocks, 2C)
        boolean warp = warpRows(c, xt), registers = warp && registerRows && c <= MAX_REGISTER_BACKWARD_CHANNELS;
        boolean rowsKernel = warp && !registers && ROWS_KERNEL && c >= ROWS_KERNEL_MIN_CHANNELS;
        // the warp kernel always sums in shared memory; the block kernel when 2C doubles fit the default 48 KiB; the
        // rows kernel in registers
        boolean blockShared = paramGrads && 2 * c <= NormKernels.MAX_SHARED_PARTIAL_COLUMNS;
        int shared = !paramGrads || rowsKernel ? 0 : warp ? backwardSharedBytes(c) : blockShared ? 2 * c * Double.BYTES : 0;
        KernelArgs args = warp ? warpBackwardArgs : blockBackwardArgs;
        args.setLong(0, address(gyc)).setLong(1, address(xc)).setLong(2, address(mc)).setLong(3, address(rc))
                .setLong(4, pointerOrNull(w)).setLong(5, pointerOrNull(b)).setLong(6, address(zc)).setLong(7, rowStride(zc, c))
                .setLong(8, pointerOrNull(gx)).setLong(9, pointerOrNull(gz)).setLong(10, pointerOrNull(partial)).setInt(11, rows)
                .setInt(12, c).setInt(13, perBlock);
        if (!warp) args.setInt(14, blockShared ? 1 : 0);
        long function = function(registers ? "layer_norm_gated_backward_regs_" + suffix(xt) + "_" + registerWidth(c)
                : rowsKernel ? "layer_norm_gated_backward_rows_" + suffix(xt)
                : warp ? "layer_norm_gated_backward_warp_" + suffix(xt) : "layer_norm_gated_backward_" + suffix(dt));
        if (shared > DEFAULT_SHARED_BYTES) {
            CudaDriver.funcSetAttribute(function, CudaDriver.FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, shared);
        }
        CudaDriver.launchKernel(function, blocks, 1, 1, warp ? THREADS : rowThreads(c), 1, 1, shared, context.stream(), args);
        if (!paramGrads) return new Tensor[] {gx, null, null, gz};
        norm.columnSum(address(partial), address(sums), blocks, 2 * c, dt);
        partial.storage().release();   // stream-ordered: the next user of the block runs after column_sum
        return new Tensor[] {gx, sums.narrow(0, 0, c), sums.narrow(0, c, c), gz};
    }

    /** Every kernel name this launcher may use. */
    static java.util.List<String> kernelNames() {
        return java.util.List.of("layer_norm_gated_f32", "layer_norm_gated_f64", "layer_norm_gated_backward_f32",
                "layer_norm_gated_backward_f64", "layer_norm_gated_warp_f32", "layer_norm_gated_backward_warp_f32",
                "layer_norm_gated_backward_rows_f32", "layer_norm_gated_warp_bf16", "layer_norm_gated_backward_warp_bf16",
                "layer_norm_gated_backward_rows_bf16", "layer_norm_gated_regs_f32_8", "layer_norm_gated_regs_f32_16",
                "layer_norm_gated_regs_f32_24", "layer_norm_gated_regs_f32_48", "layer_norm_gated_regs_bf16_8",
                "layer_norm_gated_regs_bf16_16", "layer_norm_gated_regs_bf16_24", "layer_norm_gated_regs_bf16_48",
                "layer_norm_gated_backward_regs_f32_8", "layer_norm_gated_backward_regs_f32_16",
                "layer_norm_gated_backward_regs_f32_24", "layer_norm_gated_backward_regs_bf16_8",
                "layer_norm_gated_backward_regs_bf16_16", "layer_norm_gated_backward_regs_bf16_24");
    }
}
