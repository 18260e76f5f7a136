package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.Updates.AdamwFactors;
import dev.jmamba.tensor.Updates.SgdFactors;
import java.util.List;

/**
 * Launches {@code optim.cu}: the fused in-place AdamW and SGD updates, one grid-stride kernel
 * per parameter over contiguous F32 or F64 tensors (checked by the factor records). The
 * kernels round exactly as the CPU backend does, so both give the same bits. The {@code _dev}
 * variants read their per-step factors from a small F64 device tensor instead of by-value
 * arguments, so that a captured CUDA graph can replay them with new learning rates and bias
 * corrections written there before each replay.
 */
final class OptimKernels extends Launcher {
    static final String SOURCE = "optim.cu";
    /** Flag bits of sgd_update (JM_SGD_* in optim.cu). */
    static final int SGD_DECAYED = 1, SGD_NESTEROV = 2, SGD_FIRST = 4;

    // (p, g, m, v, n, decay, beta1, 1-beta1, beta2, 1-beta2, 1/sqrt(bc2), eps, lr/bc1)
    private final KernelArgs adamwArgs = new KernelArgs(8, 8, 8, 8, 4, 8, 8, 8, 8, 8, 8, 8, 8);
    // (p, g, buf or 0, n, lr, momentum, 1-dampening, weight decay, flags)
    private final KernelArgs sgdArgs = new KernelArgs(8, 8, 8, 4, 8, 8, 8, 8, 4);
    // (p, g, m, v, n, factors pointer)
    private final KernelArgs adamwDeviceArgs = new KernelArgs(8, 8, 8, 8, 4, 8);
    // (p, g, buf or 0, n, factors pointer, flags)
    private final KernelArgs sgdDeviceArgs = new KernelArgs(8, 8, 8, 4, 8, 4);
    /** Tensors per sum_squares_list launch (JM_SUMSQ_LIST in optim.cu) and the by-value list's layout. */
    static final int SUM_SQUARES_LIST = 64;
    private static final long LIST_N = 8L * SUM_SQUARES_LIST, LIST_F64 = LIST_N + 4L * SUM_SQUARES_LIST;
    /** Bytes of the by-value JmSumSqList. */
    static final long SUM_SQUARES_LIST_BYTES = LIST_F64 + 4L * SUM_SQUARES_LIST;
    // (list by value, out, base)
    private final KernelArgs sumSquaresArgs = new KernelArgs(SUM_SQUARES_LIST_BYTES, 8, 4);
    /** Threads of each block (one block per tensor) of a sum_squares_list launch. */
    static final int SUM_SQUARES_THREADS = 512;

    /** Tensors and host factor sets per adamw_update_list launch (JM_ADAMW_LIST, JM_ADAMW_SETS in optim.cu) and the list's layout. */
    static final int ADAMW_LIST = 64, ADAMW_SETS = 8;
    private static final long LIST_P = 0, LIST_G = 8L * ADAMW_LIST, LIST_M = 16L * ADAMW_LIST, LIST_V = 24L * ADAMW_LIST,
            LIST_F = 32L * ADAMW_LIST, LIST_COUNT = 40L * ADAMW_LIST, LIST_SET = 44L * ADAMW_LIST, LIST_IS_F64 = 48L * ADAMW_LIST,
            LIST_SETS = 52L * ADAMW_LIST;
    /** Bytes of the by-value JmAdamwList. */
    static final long ADAMW_LIST_BYTES = LIST_SETS + 8L * AdamwFactors.COUNT * ADAMW_SETS;
    // (list by value, on_device)
    private final KernelArgs adamwListArgs = new KernelArgs(ADAMW_LIST_BYTES, 4);
    /** Threads per block and most x blocks per tensor of an adamw_update_list launch. */
    private static final int ADAMW_LIST_THREADS = 256, ADAMW_LIST_MAX_BLOCKS = 256;

    OptimKernels(CudaContext context) {
        super(context, SOURCE);
    }

    /** param, grad, m, v: (any) contiguous, one dtype (F32/F64). */
    synchronized void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, AdamwFactors f) {
        int n = param.numel();
        if (n == 0) return;
        adamwArgs.setLong(0, address(param)).setLong(1, address(grad)).setLong(2, address(m)).setLong(3, address(v)).setInt(4, n);
        double[] factors = {f.decay(), f.beta1(), f.oneMinusBeta1(), f.beta2(), f.oneMinusBeta2(), f.invSqrtBias2(), f.eps(), f.stepSize()};
        for (int i = 0; i < factors.length; i++) setDouble(adamwArgs, 5 + i, factors[i]);
        launch("adamw_update_" + suffix(param.dtype()), n, adamwArgs);
    }

    /** param, grad, buf (or null): (any) contiguous, one dtype (F32/F64). */
    synchronized void sgd(Tensor param, Tensor grad, Tensor buf, SgdFactors f) {
        int n = param.numel();
        if (n == 0) return;
        int flags = (f.decayed() ? SGD_DECAYED : 0) | (f.nesterov() ? SGD_NESTEROV : 0) | (f.firstStep() ? SGD_FIRST : 0);
        sgdArgs.setLong(0, address(param)).setLong(1, address(grad)).setLong(2, buf == null ? 0 : address(buf)).setInt(3, n);
        setDouble(sgdArgs, 4, f.lr());
        setDouble(sgdArgs, 5, f.momentum());
        setDouble(sgdArgs, 6, f.oneMinusDampening());
        setDouble(sgdArgs, 7, f.weightDecay());
        sgdArgs.setInt(8, flags);
        launch("sgd_update_" + suffix(param.dtype()), n, sgdArgs);
    }

    /** As {@link #adamw}, the factors read by the kernel from {@code factors}: (8) F64 contiguous, in {@link AdamwFactors} order. */
    synchronized void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, Tensor factors) {
        int n = param.numel();
        if (n == 0) return;
        adamwDeviceArgs.setLong(0, address(param)).setLong(1, address(grad)).setLong(2, address(m)).setLong(3, address(v))
                .setInt(4, n).setLong(5, address(factors));
        launch("adamw_update_dev_" + suffix(param.dtype()), n, adamwDeviceArgs);
    }

    /** As {@link #sgd}, lr, momentum, 1 − dampening and weight decay read by the kernel from {@code factors}: (4) F64 contiguous. */
    synchronized void sgd(Tensor param, Tensor grad, Tensor buf, Tensor factors, boolean decayed, boolean nesterov, boolean firstStep) {
        int n = param.numel();
        if (n == 0) return;
        int flags = (decayed ? SGD_DECAYED : 0) | (nesterov ? SGD_NESTEROV : 0) | (firstStep ? SGD_FIRST : 0);
        sgdDeviceArgs.setLong(0, address(param)).setLong(1, address(grad)).setLong(2, buf == null ? 0 : address(buf)).setInt(3, n)
                .setLong(4, address(factors)).setInt(5, flags);
        launch("sgd_update_dev_" + suffix(param.dtype()), n, sgdDeviceArgs);
    }

    /**
     * out[i] = Σ xs[i]² in double, {@link #SUM_SQUARES_LIST} tensors per launch; xs: contiguous F32/F64,
     * out (m ≥ xs.size()) contiguous F64 (checked by the caller).
     */
    synchronized void sumSquares(java.util.List<Tensor> xs, Tensor out) {
        java.lang.foreign.MemorySegment list = sumSquaresArgs.slot(0);
        for (int base = 0; base < xs.size(); base += SUM_SQUARES_LIST) {
            int count = Math.min(SUM_SQUARES_LIST, xs.size() - base);
            list.fill((byte) 0);
            for (int t = 0; t < count; t++) {
                Tensor x = xs.get(base + t);
                list.set(java.lang.foreign.ValueLayout.JAVA_LONG, 8L * t, x.numel() == 0 ? 0 : address(x));
                list.set(java.lang.foreign.ValueLayout.JAVA_INT, LIST_N + 4L * t, x.numel());
                list.set(java.lang.foreign.ValueLayout.JAVA_INT, LIST_F64 + 4L * t, x.dtype() == dev.jmamba.tensor.DType.F64 ? 1 : 0);
            }
            sumSquaresArgs.setLong(1, address(out)).setInt(2, base);
            launchRows("sum_squares_list", count, SUM_SQUARES_THREADS, sumSquaresArgs);
        }
    }

    /**
     * Several AdamW steps, {@link #ADAMW_LIST} tensors per launch: {@code updates[i]} = {param, grad, m, v} (contiguous,
     * one dtype per entry, F32 or F64; checked by the caller) with host factors {@code factors[i]}, or — when
     * {@code factorRows} is not null — factors read from {@code factorRows[i]} ((8) F64 on the device). Each tensor is
     * updated exactly as by {@link #adamw}: the same bits.
     */
    synchronized void adamwList(List<Tensor[]> updates, List<AdamwFactors> factors, List<Tensor> factorRows) {
        java.lang.foreign.MemorySegment list = adamwListArgs.slot(0);
        boolean onDevice = factorRows != null;
        int at = 0;
        while (at < updates.size()) {
            list.fill((byte) 0);
            List<AdamwFactors> sets = new java.util.ArrayList<>();
            int count = 0, longest = 0;
            for (; at < updates.size() && count < ADAMW_LIST; at++) {
                Tensor[] u = updates.get(at);
                int n = u[0].numel();
                if (n == 0) continue;
                int set = 0;
                if (!onDevice) {
                    set = sets.indexOf(factors.get(at));
                    if (set < 0) {
                        if (sets.size() == ADAMW_SETS) break;                       // a full launch: the rest go to the next
                        set = sets.size();
                        sets.add(factors.get(at));
                    }
                }
                long slot = 8L * count;
                list.set(java.lang.foreign.ValueLayout.JAVA_LONG, LIST_P + slot, address(u[0]));
                list.set(java.lang.foreign.ValueLayout.JAVA_LONG, LIST_G + slot, address(u[1]));
                list.set(java.lang.foreign.ValueLayout.JAVA_LONG, LIST_M + slot, address(u[2]));
                list.set(java.lang.foreign.ValueLayout.JAVA_LONG, LIST_V + slot, address(u[3]));
                if (onDevice) list.set(java.lang.foreign.ValueLayout.JAVA_LONG, LIST_F + slot, address(factorRows.get(at)));
                list.set(java.lang.foreign.ValueLayout.JAVA_INT, LIST_COUNT + 4L * count, n);
                list.set(java.lang.foreign.ValueLayout.JAVA_INT, LIST_SET + 4L * count, set);
                list.set(java.lang.foreign.ValueLayout.JAVA_INT, LIST_IS_F64 + 4L * count, u[0].dtype() == dev.jmamba.tensor.DType.F64 ? 1 : 0);
                longest = Math.max(longest, n);
                count++;
            }
            for (int s = 0; s < sets.size(); s++) {
                double[] v = sets.get(s).values();
                for (int i = 0; i < v.length; i++) list.set(java.lang.foreign.ValueLayout.JAVA_DOUBLE, LIST_SETS + 8L * (s * AdamwFactors.COUNT + i), v[i]);
            }
            if (count == 0) continue;
            adamwListArgs.setInt(1, onDevice ? 1 : 0);
            int blocks = (int) Math.min(ADAMW_LIST_MAX_BLOCKS, (longest + ADAMW_LIST_THREADS - 1) / ADAMW_LIST_THREADS);
            launchGrid("adamw_update_list", blocks, count, ADAMW_LIST_THREADS, 1, adamwListArgs);
        }
    }

    /** Every kernel name this launcher may use. */
    static List<String> kernelNames() {
        return List.of("adamw_update_f32", "adamw_update_f64", "sgd_update_f32", "sgd_update_f64",
                "adamw_update_dev_f32", "adamw_update_dev_f64", "sgd_update_dev_f32", "sgd_update_dev_f64",
                "sum_squares_list", "adamw_update_list");
    }
}
