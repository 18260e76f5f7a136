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
    private final KernelArgs dwArgs = new KernelArgs(8, 8, 8, 8, 8, 4, 4, 4, 4, 24);   // gs, x, dw, dbias, part, B, D, K, chunk, rows
    private final KernelArgs sumArgs = new KernelArgs(8, 4, 4, 4, 8, 8);                // part, P, D, K, dw, dbias

    // x, w, bias, gy, dx, dw, dbias, part, B, D, K, silu, rowsPerBlock, rows
    private final KernelArgs rowBwdArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4, 4, 24);
    /** Blocks the backward row kernel aims at (rows per block = B·D / this, at least 1): ~8 waves of 4 blocks per SM on an H100. */
    private static final int ROW_BLOCKS_TARGET = 4096;
    /** Largest K of the row kernels (CONV_ROW_MAX_K of causal_conv1d.cu); longer filters take the general kernels. */
    static final int ROW_MAX_K = 8;
    /** Positions per thread of the forward (CONV_RUN of causal_conv1d.cu). */
    static final int CONV_RUN = 4;
    /** {@code -Djmamba.conv1d.runs=false}: the forward with one position per thread (for timing the runs against it). */
    static volatile boolean runs = !"false".equals(System.getProperty("jmamba.conv1d.runs"));

    /** Threads of a backward block (causal_conv_row_bwd: the block's (row, run) items are spread over them). */
    private static final int BACKWARD_THREADS = 256;

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
        return List.of("causal_conv_fwd_f32", "causal_conv_fwd_runs_f32", "causal_conv_fwd_runs_f64", "causal_conv_grad_pre_f32", "causal_conv_grad_x_f32", "causal_conv_grad_w_f32",
                "causal_conv_fwd_f64", "causal_conv_grad_pre_f64", "causal_conv_grad_x_f64", "causal_conv_grad_w_f64",
                "causal_conv_row_bwd_f32", "causal_conv_row_bwd_f64", "causal_conv_row_bwd_k4_f32", "causal_conv_row_bwd_k4_f64",
                "causal_conv_fwd_runs_bf16", "causal_conv_row_bwd_bf16", "causal_conv_row_bwd_k4_bf16", "causal_conv_wgrad_sum_f32", "causal_conv_wgrad_sum_f64");
    }

    /** Whether x of {@code dtype} with K = {@code k} has kernels here: F32 and F64 always, BF16 on the runs path (K <= 8). */
    static boolean takes(DType dtype, int k) {
        return dtype == DType.F32 || dtype == DType.F64 || (dtype == DType.BF16 && k <= ROW_MAX_K && runs);
    }

    /** The kernel suffix for x and y of {@code dtype} (bf16: x and y bf16, everything else float32), checked by {@link #takes}. */
    private static String storageSuffix(DType dtype, int k) {
        if (!takes(dtype, k)) throw new JmambaException("causal conv1d on CUDA: no kernel for x of dtype " + dtype + " with K = " + k);
        return dtype == DType.BF16 ? "bf16" : KernelFile.suffix(dtype, "causal conv1d");
    }

    /** y = act(bias + causal depthwise conv of x with w); x and y in layout {@code rows}, of dtype (w, bias float32 for BF16). */
    synchronized void forward(DType dtype, long x, long w, long bias, long y, int b, int d, int k, boolean silu, Rows rows) {
        fwdArgs.setLong(0, x).setLong(1, w).setLong(2, bias).setLong(3, y)
                .setInt(4, b).setInt(5, d).setInt(6, k).setInt(7, silu ? 1 : 0);
        setRows(fwdArgs, 8, rows);
        String sfx = storageSuffix(dtype, k);
        if (k <= ROW_MAX_K && runs) {   // CONV_RUN positions per thread (the same bits as one per thread)
            kernels.launchFlat("causal_conv_fwd_runs_" + sfx, (long) b * d * Math.ceilDiv(rows.length(), CONV_RUN), fwdArgs);
        } else {
            kernels.launchFlat("causal_conv_fwd_" + sfx, (long) b * d * rows.length(), fwdArgs);
        }
    }

    /**
     * Backward. {@code gs} is a (B, D, L) scratch buffer for the gradient of the pre-activation (only
     * written with SiLU; without it gy is used directly). Writes dx, dw and dbias (dbias may be 0 when there
     * is no bias). x, gy, gs, dx share the layout {@code rows}.
     *
     * <p>Deterministic: the blocks of one channel write partial sums of dw and dbias to a scratch buffer
     * (P, D, K + 1), which {@code causal_conv_wgrad_sum} adds in a fixed order in float64 (no float atomics), so
     * the same inputs give the same bits on every run.
     */
    synchronized void backward(DType dtype, long x, long w, long bias, long gy, long gs, long dx, long dw, long dbias,
                               int b, int d, int k, boolean silu, Rows rows) {
        String xsfx = storageSuffix(dtype, k);                          // the row kernels read x of dtype
        if (dtype == DType.BF16) dtype = DType.F32;                     // w, gy, dx, dw, dbias and the partial sums
        String sfx = KernelFile.suffix(dtype, "causal conv1d");
        int l = rows.length();
        long n = (long) b * d * l, stream = context.stream();
        if (k <= ROW_MAX_K) {
            if (n == 0) {
                zeroWeightGrads(dtype, dw, dbias, d, k, stream);
                return;
            }
            int threads = BACKWARD_THREADS;
            int rowsPerBlock = (int) Math.max(1, (long) b * d / ROW_BLOCKS_TARGET);
            int groups = Math.ceilDiv(b, rowsPerBlock);
            long part = partials(dtype, groups, d, k, stream);
            rowBwdArgs.setLong(0, x).setLong(1, w).setLong(2, bias).setLong(3, gy).setLong(4, dx).setLong(5, dw).setLong(6, dbias)
                    .setLong(7, part).setInt(8, b).setInt(9, d).setInt(10, k).setInt(11, silu ? 1 : 0).setInt(12, rowsPerBlock);
            setRows(rowBwdArgs, 13, rows);
            CudaDriver.launchKernel(kernels.function("causal_conv_row_bwd_" + (k <= 4 ? "k4_" : "") + xsfx), d * groups, 1, 1, threads, 1, 1, 0, stream, rowBwdArgs);
            sumPartials(sfx, part, groups, d, k, dw, dbias);
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
        long positions = (long) b * l;
        long chunks = (positions + WEIGHT_CHUNK - 1) / WEIGHT_CHUNK;
        if (d == 0) return;
        if (chunks == 0) {
            zeroWeightGrads(dtype, dw, dbias, d, k, stream);
            return;
        }
        if (chunks > 65_535) {
            throw new JmambaException("causal conv1d on CUDA: B·L must be at most " + 65_535L * WEIGHT_CHUNK + ", got " + positions);
        }
        long part = partials(dtype, (int) chunks, d, k, stream);
        dwArgs.setLong(0, preGrad).setLong(1, x).setLong(2, dw).setLong(3, dbias).setLong(4, part)
                .setInt(5, b).setInt(6, d).setInt(7, k).setInt(8, WEIGHT_CHUNK);
        setRows(dwArgs, 9, rows);
        CudaDriver.launchKernel(kernels.function("causal_conv_grad_w_" + sfx), d, (int) chunks, 1, KernelFile.THREADS, 1, 1, 0, stream, dwArgs);
        sumPartials(sfx, part, (int) chunks, d, k, dw, dbias);
    }

    /** dw and dbias are sums over no positions (B·L = 0): zeros. */
    private static void zeroWeightGrads(DType dtype, long dw, long dbias, int d, int k, long stream) {
        CudaDriver.memsetD8Async(dw, (byte) 0, (long) d * k * dtype.bytes(), stream);
        if (dbias != 0) CudaDriver.memsetD8Async(dbias, (byte) 0, (long) d * dtype.bytes(), stream);
    }

    /**
     * Scratch for the (P, D, K + 1) partial sums of dw and dbias when P blocks share a channel, else 0 (the one
     * block writes dw and dbias itself).
     */
    private long partials(DType dtype, int p, int d, int k, long stream) {
        return p == 1 ? 0 : context.allocator().allocate((long) p * d * (k + 1) * dtype.bytes(), stream);
    }

    /** dw, dbias = the P partials added in a fixed order (causal_conv_wgrad_sum); frees the scratch (stream-ordered). */
    private void sumPartials(String sfx, long part, int p, int d, int k, long dw, long dbias) {
        if (part == 0) return;
        sumArgs.setLong(0, part).setInt(1, p).setInt(2, d).setInt(3, k).setLong(4, dw).setLong(5, dbias);
        kernels.launchFlat("causal_conv_wgrad_sum_" + sfx, (long) d * (k + 1), sumArgs);
        context.allocator().free(part);   // stream-ordered: reused only by later work on this stream
    }
}
