package dev.jmamba.ssm.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.CudaDriver;
import dev.jmamba.tensor.cuda.KernelArgs;
import java.util.List;

/**
 * Launches {@code causal_conv1d.cu} on raw device pointers of one context: the fused causal depthwise
 * conv1d (+ SiLU) forward and its backward. x, y, gy, dx: (B, D, L) in a {@link Rows} layout; w, dw: (D, K);
 * bias, dbias: (D) or 0.
 * Launches are asynchronous on the context's stream. T is float or double ({@code dtype} F32 or F64).
 */
final class CausalConvCuda {
    private static final String SOURCE_NAME = "causal_conv1d.cu";
    /** (b, l) positions summed by one block of the dweight/dbias kernel. */
    private static final int WEIGHT_CHUNK = 4096;

    private final CudaContext context;
    private final KernelFile kernels;
    private final KernelArgs fwdArgs = new KernelArgs(8, 8, 8, 8, 4, 4, 4, 4, 24);     // x, w, bias, y, B, D, K, silu, rows
    private final KernelArgs preArgs = new KernelArgs(8, 8, 8, 8, 8, 4, 4, 4, 24);     // x, w, bias, gy, gs, B, D, K, rows
    private final KernelArgs dxArgs = new KernelArgs(8, 8, 8, 4, 4, 4, 24);            // gs, w, dx, B, D, K, rows
    private final KernelArgs dwArgs = new KernelArgs(8, 8, 8, 8, 4, 4, 4, 4, 24);      // gs, x, dw, dbias, B, D, K, chunk, rows

    // x, w, bias, gy, dx, dw, dbias, B, D, K, silu, rowsPerBlock, rows
    private final KernelArgs rowBwdArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4, 4, 24);
    /** Blocks the backward row kernel aims at (rows per block = B·D / this, at least 1): ~8 waves of 4 blocks per SM on an H100. */
    private static final int ROW_BLOCKS_TARGET = 4096;
    /** Largest K of the row kernels (CONV_ROW_MAX_K of causal_conv1d.cu); longer filters take the general kernels. */
    static final int ROW_MAX_K = 8;

    /** Threads per row block: the row length rounded up to whole warps, at most 256. */
    private static int rowThreads(int l) { return Math.min(256, Math.max(32, (l + 31) / 32 * 32)); }

    /**
     * How the (B, D, L) tensors of a call lie: element strides of batch and channel (positions contiguous)
     * and whether logical position l is stored at column L-1-l (struct ConvRows of causal_conv1d.cu).
     */
    record Rows(long batchStride, long channelStride, int length, boolean reverse) {
        static Rows contiguous(int d, int l) { return new Rows((long) d * l, l, l, false); }
    }

    private static void setRows(KernelArgs args, int slot, Rows r) {
        var m = args.slot(slot);
        m.set(java.lang.foreign.ValueLayout.JAVA_LONG, 0, r.batchStride());
        m.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8, r.channelStride());
        m.set(java.lang.foreign.ValueLayout.JAVA_INT, 16, r.length());
        m.set(java.lang.foreign.ValueLayout.JAVA_INT, 20, r.reverse() ? 1 : 0);
    }

    CausalConvCuda(CudaContext context) {
        this.context = context;
        this.kernels = new KernelFile(context, SOURCE_NAME);
    }

    /** The kernels of causal_conv1d.cu this class launches, for each suffix (f32, f64). */
    static List<String> kernelNames() {
        return List.of("causal_conv_fwd_f32", "causal_conv_grad_pre_f32", "causal_conv_grad_x_f32", "causal_conv_grad_w_f32",
                "causal_conv_fwd_f64", "causal_conv_grad_pre_f64", "causal_conv_grad_x_f64", "causal_conv_grad_w_f64",
                "causal_conv_row_bwd_f32", "causal_conv_row_bwd_f64");
    }

    /** y = act(bias + causal depthwise conv of x with w); x and y in layout {@code rows}. */
    synchronized void forward(DType dtype, long x, long w, long bias, long y, int b, int d, int k, boolean silu, Rows rows) {
        fwdArgs.setLong(0, x).setLong(1, w).setLong(2, bias).setLong(3, y)
                .setInt(4, b).setInt(5, d).setInt(6, k).setInt(7, silu ? 1 : 0);
        setRows(fwdArgs, 8, rows);
        kernels.launchFlat("causal_conv_fwd_" + KernelFile.suffix(dtype, "causal conv1d"), (long) b * d * rows.length(), fwdArgs);
    }

    /**
     * Backward. {@code gs} is a (B, D, L) scratch buffer for the gradient of the pre-activation (only
     * written with SiLU; without it gy is used directly). Writes dx; zeroes then accumulates dw and dbias
     * (dbias may be 0 when there is no bias). x, gy, gs, dx share the layout {@code rows}.
     */
    synchronized void backward(DType dtype, long x, long w, long bias, long gy, long gs, long dx, long dw, long dbias,
                               int b, int d, int k, boolean silu, Rows rows) {
        String sfx = KernelFile.suffix(dtype, "causal conv1d");
        int l = rows.length();
        long n = (long) b * d * l, stream = context.stream();
        if (k <= ROW_MAX_K) {
            CudaDriver.memsetD8Async(dw, (byte) 0, (long) d * k * dtype.bytes(), stream);
            if (dbias != 0) CudaDriver.memsetD8Async(dbias, (byte) 0, (long) d * dtype.bytes(), stream);
            if (n == 0) return;
            int threads = rowThreads(l);
            int rowsPerBlock = (int) Math.max(1, (long) b * d / ROW_BLOCKS_TARGET);
            int blocks = d * Math.ceilDiv(b, rowsPerBlock);
            rowBwdArgs.setLong(0, x).setLong(1, w).setLong(2, bias).setLong(3, gy).setLong(4, dx).setLong(5, dw).setLong(6, dbias)
                    .setInt(7, b).setInt(8, d).setInt(9, k).setInt(10, silu ? 1 : 0).setInt(11, rowsPerBlock);
            setRows(rowBwdArgs, 12, rows);
            int smem = (2 * threads + 3 * (k - 1)) * dtype.bytes();
            CudaDriver.launchKernel(kernels.function("causal_conv_row_bwd_" + sfx), blocks, 1, 1, threads, 1, 1, smem, stream, rowBwdArgs);
            return;
        }
        long preGrad = gy;
        if (silu) {
            preArgs.setLong(0, x).setLong(1, w).setLong(2, bias).setLong(3, gy).setLong(4, gs)
                    .setInt(5, b).setInt(6, d).setInt(7, k);
            setRows(preArgs, 8, rows);
            kernels.launchFlat("causal_conv_grad_pre_" + sfx, n, preArgs);
            preGrad = gs;
        }
        dxArgs.setLong(0, preGrad).setLong(1, w).setLong(2, dx).setInt(3, b).setInt(4, d).setInt(5, k);
        setRows(dxArgs, 6, rows);
        kernels.launchFlat("causal_conv_grad_x_" + sfx, n, dxArgs);
        CudaDriver.memsetD8Async(dw, (byte) 0, (long) d * k * dtype.bytes(), stream);
        if (dbias != 0) CudaDriver.memsetD8Async(dbias, (byte) 0, (long) d * dtype.bytes(), stream);
        long positions = (long) b * l;
        long chunks = (positions + WEIGHT_CHUNK - 1) / WEIGHT_CHUNK;
        if (d == 0 || chunks == 0) return;
        if (chunks > 65_535) {
            throw new JmambaException("causal conv1d on CUDA: B·L must be at most " + 65_535L * WEIGHT_CHUNK + ", got " + positions);
        }
        dwArgs.setLong(0, preGrad).setLong(1, x).setLong(2, dw).setLong(3, dbias)
                .setInt(4, b).setInt(5, d).setInt(6, k).setInt(7, WEIGHT_CHUNK);
        setRows(dwArgs, 8, rows);
        CudaDriver.launchKernel(kernels.function("causal_conv_grad_w_" + sfx), d, (int) chunks, 1, KernelFile.THREADS, 1, 1, 0, stream, dwArgs);
    }
}
