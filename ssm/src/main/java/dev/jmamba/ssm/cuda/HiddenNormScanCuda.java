package dev.jmamba.ssm.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.CudaDriver;
import dev.jmamba.tensor.cuda.CudaStorage;
import dev.jmamba.tensor.cuda.KernelArgs;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The selective scan with the normalised hidden-state read-out fused in ({@code scan_hidden_norm.cu}; d_state 1,
 * float32): {@link dev.jmamba.ssm.HiddenNormScan}'s CUDA path. One block per (batch, group), one thread per channel of
 * the group, so a group has a multiple of 32 channels, at most {@value #MAX_CHANNELS}.
 */
public final class HiddenNormScanCuda {
    private static final String SOURCE_NAME = "scan_hidden_norm.cu";
    /** Positions per tile (TP of the source), except where {@link #mediumTile} says otherwise. */
    static final int TILE = 16;
    /** Most channels of a group (threads of a block). */
    public static final int MAX_CHANNELS = 1024;
    /** Groups of up to 320 / 640 channels take the kernels compiled for at most that many threads (more registers each). */
    static final int SMALL_GROUP = 320, MEDIUM_GROUP = 640;
    /**
     * {@code jmamba.scan.hiddenNormPrefetch}: the most channels of a group whose forward / backward takes the
     * prefetching kernels (the next tile's rows staged with cp.async while the current one computes; same arithmetic,
     * same bits; 0: none). {@code auto} (default): forward up to {@value #MEDIUM_GROUP}, backward up to
     * {@value #SMALL_GROUP} — at 640 channels the backward's staged tiles leave the L1 cache too little room for its
     * register spills (H100, HiddenNormScanSweep: 1.00 → 1.15 ms). {@code on}: both up to {@value #MEDIUM_GROUP};
     * {@code off}: neither. Tests and labs switch the fields.
     */
    static volatile int prefetchForward = prefetchLimit(true), prefetchBackward = prefetchLimit(false);
    /**
     * {@code jmamba.scan.hiddenNormMediumTile}: positions per tile of groups of {@value #SMALL_GROUP} + 1 to
     * {@value #MEDIUM_GROUP} channels, 16 (default) or 8 (the {@code t8} kernels: half the registers for a tile's
     * values, so the backward fits a 640-thread block's 96 registers without spilling, at twice the barriers per
     * position). The forward's saved states follow the tile, so both passes of one call must use the same value.
     * Tests and labs switch the field.
     */
    static volatile int mediumTile = Integer.getInteger("jmamba.scan.hiddenNormMediumTile", TILE);

    private static final Map<Integer, HiddenNormScanCuda> LAUNCHERS = new ConcurrentHashMap<>();

    private final CudaContext context;
    private final KernelFile kernels;
    // u, delta, A, B, C, bBatch, bGroup, cBatch, cGroup, D, bias, gamma, beta, y, mean, rstd, states, G, di, L, eps
    private final KernelArgs fwdArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4, 4);
    // u, delta, A, B, C, bBatch, bGroup, cBatch, cGroup, D, bias, gamma, beta, mean, rstd, states, gy, du, ddelta, dB, dC,
    // part, G, di, L
    private final KernelArgs bwdArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 4, 4, 4);
    /** Kernels whose dynamic shared-memory limit was raised already (cuFuncSetAttribute once per function). */
    private final Map<Long, Integer> optIn = new HashMap<>();
    private final KernelArgs sumArgs = new KernelArgs(8, 4, 4, 8);

    private HiddenNormScanCuda(CudaContext context) {
        this.context = context;
        this.kernels = new KernelFile(context, SOURCE_NAME);
    }

    /** Positions per tile of the kernels for groups of di channels. */
    private static int tile(int di) {
        return di > SMALL_GROUP && di <= MEDIUM_GROUP && mediumTile == 8 ? 8 : TILE;
    }

    private static int prefetchLimit(boolean forward) {
        return switch (System.getProperty("jmamba.scan.hiddenNormPrefetch", "auto")) {
            case "on", "true" -> MEDIUM_GROUP;
            case "off", "false" -> 0;
            default -> forward ? MEDIUM_GROUP : SMALL_GROUP;
        };
    }

    /** The kernels this class launches (for the nvcc check of their parameter counts). */
    static List<String> kernelNames() {
        return List.of("scan_hidden_norm_fwd_w10", "scan_hidden_norm_fwd_w20", "scan_hidden_norm_fwd_w32", "scan_hidden_norm_bwd_w10",
                "scan_hidden_norm_bwd_w20", "scan_hidden_norm_bwd_w32", "scan_hidden_norm_fwd_pw10", "scan_hidden_norm_fwd_pw20",
                "scan_hidden_norm_bwd_pw10", "scan_hidden_norm_bwd_pw20", "scan_hidden_norm_fwd_w20t8", "scan_hidden_norm_bwd_w20t8",
                "scan_hidden_norm_fwd_pw20t8", "scan_hidden_norm_bwd_pw20t8", "scan_hidden_norm_rows_sum");
    }

    /** Whether a call with groups of {@code channels} channels on {@code device} in {@code dtype} has kernels here. */
    public static boolean takes(Device device, DType dtype, int channels) {
        return device instanceof Device.Cuda && CudaContext.available() && dtype == DType.F32
                && channels % 32 == 0 && channels > 0 && channels <= MAX_CHANNELS;
    }

    /**
     * Forward. u, delta (B, G·di, L) contiguous; a, dSkip, deltaBias (G·di) contiguous; bs, cs (B, G, 1, L) with contiguous
     * positions (any batch and group strides, each its own); gamma, beta (di) contiguous or null; all float32 on one CUDA
     * device, di a multiple of 32 up to {@value #MAX_CHANNELS} (checked). Returns {y (B, G·di, L), mean (B, G, L),
     * rstd (B, G, L), states (B, T, G·di)}.
     */
    public static Tensor[] forward(Tensor u, Tensor delta, Tensor a, Tensor bs, Tensor cs, Tensor dSkip, Tensor deltaBias,
                                   Tensor gamma, Tensor beta, double eps) {
        check(u, delta, a, bs, cs, dSkip, deltaBias, gamma, beta, null);
        int b = u.size(0), d = u.size(1), l = u.size(2), g = bs.size(1), di = d / g, t = Math.ceilDiv(l, tile(di));
        Device dev = u.device();
        Tensor y = Tensor.empty(DType.F32, dev, b, d, l), mean = Tensor.empty(DType.F32, dev, b, g, l);
        Tensor rstd = Tensor.empty(DType.F32, dev, b, g, l), states = Tensor.empty(DType.F32, dev, b, t, d);
        HiddenNormScanCuda k = launcher(dev);
        synchronized (k) {
            setInputs(k.fwdArgs, u, delta, a, bs, cs, dSkip, deltaBias, gamma, beta)
                    .setLong(13, ptr(y)).setLong(14, ptr(mean)).setLong(15, ptr(rstd)).setLong(16, ptr(states))
                    .setInt(17, g).setInt(18, di).setInt(19, l).setFloat(20, (float) eps);
            k.launch("scan_hidden_norm_fwd_", b * g, di, di <= prefetchForward, 2, 2, k.fwdArgs);
        }
        return new Tensor[] {y, mean, rstd, states};
    }

    /**
     * Backward from gy (B, G·di, L), with forward's inputs and its saved mean, rstd, states. Returns {du, ddelta
     * (B, G·di, L), dA, dSkip, dDeltaBias (G·di), dB, dC (B, G, L), dGamma, dBeta (di)}.
     */
    public static Tensor[] backward(Tensor u, Tensor delta, Tensor a, Tensor bs, Tensor cs, Tensor dSkip, Tensor deltaBias,
                                    Tensor gamma, Tensor beta, Tensor mean, Tensor rstd, Tensor states, Tensor gy) {
        check(u, delta, a, bs, cs, dSkip, deltaBias, gamma, beta, gy);
        int b = u.size(0), d = u.size(1), l = u.size(2), g = bs.size(1), di = d / g;
        if (states.rank() != 3 || states.size(0) != b || states.size(1) != Math.ceilDiv(l, tile(di)) || states.size(2) != d) {
            throw new JmambaException("hidden-norm scan backward on CUDA: expected states (B, ceil(L / " + tile(di) + "), G·di) = ("
                    + b + ", " + Math.ceilDiv(l, tile(di)) + ", " + d + ") from a forward with the same tile, got "
                    + Arrays.toString(states.shape()));
        }
        Device dev = u.device();
        Tensor du = Tensor.empty(DType.F32, dev, b, d, l), ddelta = Tensor.empty(DType.F32, dev, b, d, l);
        Tensor db = Tensor.empty(DType.F32, dev, b, g, l), dc = Tensor.empty(DType.F32, dev, b, g, l);
        Tensor part = Tensor.empty(DType.F32, dev, b, g, 5, di);                 // each block's parameter sums
        Tensor perChannel = Tensor.empty(DType.F32, dev, g, 5, di);               // summed over the batch
        HiddenNormScanCuda k = launcher(dev);
        synchronized (k) {
            setInputs(k.bwdArgs, u, delta, a, bs, cs, dSkip, deltaBias, gamma, beta)
                    .setLong(13, ptr(mean)).setLong(14, ptr(rstd)).setLong(15, ptr(states)).setLong(16, ptr(gy))
                    .setLong(17, ptr(du)).setLong(18, ptr(ddelta)).setLong(19, ptr(db)).setLong(20, ptr(dc)).setLong(21, ptr(part))
                    .setInt(22, g).setInt(23, di).setInt(24, l);
            k.launch("scan_hidden_norm_bwd_", b * g, di, di <= prefetchBackward, 3, 4, k.bwdArgs);
            // (B, G·5·di) rows summed over B in order: per channel d = g·di + c the sums of dA, dD, dbias, and per
            // (group, c) those of dgamma, dbeta (summed over the groups below)
            k.sumArgs.setLong(0, ptr(part)).setInt(1, b).setInt(2, g * 5 * di).setLong(3, ptr(perChannel));
            k.kernels.launchFlat("scan_hidden_norm_rows_sum", (long) g * 5 * di, k.sumArgs);
        }
        Tensor[] p = new Tensor[5];
        for (int i = 0; i < 5; i++) p[i] = perChannel.narrow(1, i, 1).reshape(g, di);   // (G, di)
        return new Tensor[] {du, ddelta, p[0].reshape(d), p[1].reshape(d), p[2].reshape(d), db, dc,
                p[3].sum(false, 0), p[4].sum(false, 0)};
    }

    /** Slots 0-12, the forward's inputs, which both kernels take first: u, delta, A, B, C, B's and C's strides, D, bias, gamma, beta. */
    private static KernelArgs setInputs(KernelArgs args, Tensor u, Tensor delta, Tensor a, Tensor bs, Tensor cs, Tensor dSkip,
                                        Tensor deltaBias, Tensor gamma, Tensor beta) {
        return args.setLong(0, ptr(u)).setLong(1, ptr(delta)).setLong(2, ptr(a)).setLong(3, ptr(bs)).setLong(4, ptr(cs))
                .setLong(5, bs.strides()[0]).setLong(6, bs.strides()[1]).setLong(7, cs.strides()[0]).setLong(8, cs.strides()[1])
                .setLong(9, ptr(dSkip)).setLong(10, ptr(deltaBias)).setLong(11, ptr(gamma)).setLong(12, ptr(beta));
    }

    /**
     * One block of di threads per (batch, group) row, on the kernels of the smallest register budget that holds di; the
     * prefetching ones ({@code staged}, groups of up to {@value #MEDIUM_GROUP} channels) stage {@code streamed} tensors'
     * tiles per warp and {@code stagedRows} rows twice.
     */
    private void launch(String prefix, int rows, int di, boolean prefetching, int streamed, int stagedRows, KernelArgs args) {
        boolean staged = prefetching && di <= MEDIUM_GROUP;
        int tile = tile(di), warps = di / 32, warpTile = 32 * (tile + 1);
        long function = kernels.function(prefix + (staged ? "p" : "") + (di <= SMALL_GROUP ? "w10" : di <= MEDIUM_GROUP ? "w20" : "w32")
                + (tile == TILE ? "" : "t" + tile));
        int sharedBytes = 4 * (warps * warpTile + warps * tile + 6 * tile + (staged ? warps * streamed * warpTile + 2 * stagedRows * tile : 0));
        if (sharedBytes > 48 * 1024 && optIn.getOrDefault(function, 0) < sharedBytes) {
            CudaDriver.funcSetAttribute(function, CudaDriver.FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, sharedBytes);
            optIn.put(function, sharedBytes);
        }
        if (rows == 0) return;
        CudaDriver.launchKernel(function, rows, 1, 1, di, 1, 1, sharedBytes, context.stream(), args);
    }

    /** The layouts and sizes the kernels assume (the op checks shapes; a direct caller gets the same checks here). */
    private static void check(Tensor u, Tensor delta, Tensor a, Tensor bs, Tensor cs, Tensor dSkip, Tensor deltaBias,
                              Tensor gamma, Tensor beta, Tensor gy) {
        int[] us = u.shape();
        boolean ok = u.rank() == 3 && bs.rank() == 4 && bs.size(0) == us[0] && bs.size(2) == 1 && bs.size(3) == us[2]
                && Arrays.equals(bs.shape(), cs.shape()) && bs.size(1) > 0 && us[1] % bs.size(1) == 0
                && takes(u.device(), DType.F32, us[1] / bs.size(1)) && (bs.size(3) == 1 || bs.strides()[3] == 1)
                && (cs.size(3) == 1 || cs.strides()[3] == 1);
        int di = ok ? us[1] / bs.size(1) : 0;
        for (Tensor t : new Tensor[] {u, delta, gy}) ok &= t == null || (Arrays.equals(t.shape(), us) && t.isContiguous());
        for (Tensor t : new Tensor[] {a, dSkip, deltaBias}) ok &= t.numel() == us[1] && t.isContiguous();
        for (Tensor t : new Tensor[] {gamma, beta}) ok &= t == null || (t.numel() == di && t.isContiguous());
        for (Tensor t : new Tensor[] {u, delta, a, bs, cs, dSkip, deltaBias, gamma, beta, gy}) {
            ok &= t == null || (t.dtype() == DType.F32 && t.device().equals(u.device()));
        }
        if (!ok) {
            throw new JmambaException("hidden-norm scan on CUDA: expected float32 tensors on one device, u, delta, gy (B, G·di, L)"
                    + " contiguous with di a multiple of 32 up to " + MAX_CHANNELS + ", B and C (B, G, 1, L) with contiguous positions,"
                    + " A, D, deltaBias G·di and gamma, beta di contiguous elements; got u " + Arrays.toString(us)
                    + " " + u.dtype() + ", B " + Arrays.toString(bs.shape()) + ", C " + Arrays.toString(cs.shape()));
        }
    }

    private static HiddenNormScanCuda launcher(Device device) {
        int index = ((Device.Cuda) device).index();
        return LAUNCHERS.computeIfAbsent(index, i -> new HiddenNormScanCuda(CudaContext.get(i)));
    }

    /** Device address of element 0 of a tensor, or 0 for null. */
    private static long ptr(Tensor t) {
        return t == null ? 0 : ((CudaStorage) t.storage()).pointer() + (long) t.dtype().bytes() * t.offset();
    }
}
