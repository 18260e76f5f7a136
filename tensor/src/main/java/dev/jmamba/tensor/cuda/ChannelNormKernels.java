package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Checks;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;

/**
 * Layer norm over the channels of a channels-first (N, C, M) tensor with its optional scale and skip term, forward
 * and backward ({@code norm_channels.cu}, which explains the tiling): a grid of (N, parts) blocks of 32 columns ×
 * {@value #ROWS} channel lanes. The weight, bias and skip-weight gradients are per-block partial sums added by
 * {@link NormKernels#columnSum} in a fixed order; the number of parts depends on the shape only, so results do not
 * depend on the device. F64 inputs compute in F64, everything else in F32. Float32 and bf16 x take
 * {@link ChannelNormVectorKernels}' kernels (four columns per thread) where they fit, unless switched off.
 */
final class ChannelNormKernels extends Launcher {
    static final String SOURCE = "norm_channels.cu";

    /** Channel lanes per block (JM_LNC_ROWS): a block is 32 × ROWS threads. */
    static final int ROWS = 8;
    /** Blocks the grid aims at: parts per row = ceil(TARGET_BLOCKS / N), at most the row's tiles. */
    static final int TARGET_BLOCKS = 2048;
    /** The default dynamic shared memory of a block; more needs an opt-in. */
    private static final int DEFAULT_SHARED_BYTES = 48 * 1024;
    /** The most shared memory (static + dynamic) a block may opt into here: within sm_80's 163 KiB (227 KiB on Hopper). */
    static final int MAX_SHARED_BYTES = 160 * 1024;
    /**
     * The backward kernel's static shared memory: norm_channels.cu's {@code double buf[2][JM_LNC_ROWS][32]}
     * (ChannelNormKernelsLayoutTest checks it against the compiled PTX).
     */
    static final int STATIC_SHARED_BYTES = 2 * ROWS * 32 * Double.BYTES;

    private final StridedKernels strided;
    private final NormKernels norm;
    private final ChannelNormVectorKernels vectorKernels;
    /** layer_norm_channels(x, weight, bias, scale, skip, skip_weight, groups, y, mean, rstd, n, c, m, eps). */
    private final KernelArgs forwardArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 4, 8, 8, 8, 4, 4, 4, 8);
    /**
     * layer_norm_channels_backward(gy, x, mean, rstd, weight, bias, scale, skip, skip_weight, groups, gx, gscale, gskip,
     * partial, partial_skip, n, c, m).
     */
    private final KernelArgs backwardArgs = new KernelArgs(8, 8, 8, 8, 8, 8, 8, 8, 8, 4, 8, 8, 8, 8, 8, 4, 4, 4);

    ChannelNormKernels(CudaContext context, StridedKernels strided, NormKernels norm) {
        super(context, SOURCE);
        this.strided = strided;
        this.norm = norm;
        this.vectorKernels = new ChannelNormVectorKernels(context);
    }

    /** Blocks per row n of an (N, C, M) launch of 32-column tiles: depends on the shape only. */
    static int parts(int n, int m) { return parts(n, m, 32); }

    /** Blocks per row n for tiles of {@code tileColumns} columns: ceil(TARGET_BLOCKS / N), at most the row's tiles. */
    static int parts(int n, int m, int tileColumns) {
        int tiles = Math.max(1, Math.ceilDiv(m, tileColumns));
        return Math.max(1, Math.min(tiles, Math.ceilDiv(TARGET_BLOCKS, Math.max(1, n))));
    }

    private static long pointerOrNull(Tensor t) { return t == null ? 0 : address(t); }

    private Tensor contiguousOrNull(Tensor t, DType dt) { return t == null ? null : strided.contiguous(t, dt); }

    /** See {@code Backend.layerNormChannels}: {y (N, C, M), mean (N, M), rstd (N, M)}. */
    Tensor[] forward(Tensor x, Tensor weight, Tensor bias, Tensor scale, Tensor skip, Tensor skipWeight, double eps) {
        return forward(x, weight, bias, scale, skip, skipWeight, eps, ChannelNormVectorKernels.ENABLED);
    }

    /**
     * As above; {@code vectors} allows {@link ChannelNormVectorKernels}' kernels where they fit (false: always
     * norm_channels.cu's).
     */
    synchronized Tensor[] forward(Tensor x, Tensor weight, Tensor bias, Tensor scale, Tensor skip, Tensor skipWeight, double eps,
                                  boolean vectors) {
        Checks.layerNormChannels(x, weight, bias, scale, skip, skipWeight);
        int n = x.size(0), c = x.size(1), m = x.size(2);
        DType dt = x.dtype(), pt = dt.computeType();                                      // x, skip, y in dt; the rest in pt
        Tensor xc = strided.contiguous(x, dt);
        Tensor w = norm.vector(weight, c, pt, "layerNormChannels"), b = norm.vector(bias, c, pt, "layerNormChannels");
        Tensor sc = contiguousOrNull(scale, pt), sk = contiguousOrNull(skip, dt), skw = contiguousOrNull(skipWeight, pt);
        Tensor y = strided.empty(dt, x.shape()), mean = strided.empty(pt, n, m), rstd = strided.empty(pt, n, m);
        if ((long) n * m > 0 && c > 0) {
            forwardArgs.setLong(0, address(xc)).setLong(1, pointerOrNull(w)).setLong(2, pointerOrNull(b)).setLong(3, pointerOrNull(sc))
                    .setLong(4, pointerOrNull(sk)).setLong(5, pointerOrNull(skw)).setInt(6, skw == null ? 1 : skw.size(0))
                    .setLong(7, address(y)).setLong(8, address(mean)).setLong(9, address(rstd)).setInt(10, n).setInt(11, c).setInt(12, m);
            setDouble(forwardArgs, 13, eps);
            if (vectors && ChannelNormVectorKernels.fits(dt, m, xc, sc, sk, y, mean, rstd)) {
                CudaDriver.launchKernel(vectorKernels.forwardFunction(dt), n, ChannelNormVectorKernels.parts(n, m), 1, 32,
                        ChannelNormVectorKernels.ROWS, 1, 0, context.stream(), forwardArgs);
            } else {
                CudaDriver.launchKernel(function("layer_norm_channels_" + kernelSuffix(dt)), n, parts(n, m), 1, 32, ROWS, 1, 0,
                        context.stream(), forwardArgs);
            }
        }
        return new Tensor[] {y, mean, rstd};
    }

    /** See {@code Backend.layerNormChannelsBackward}: {gx, gWeight, gBias, gScale, gSkip, gSkipWeight}, each possibly null. */
    Tensor[] backward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias, Tensor scale, Tensor skip,
                      Tensor skipWeight, boolean inputGrad, boolean paramGrads, boolean scaleGrad, boolean skipGrads) {
        return backward(gy, x, mean, rstd, weight, bias, scale, skip, skipWeight, inputGrad, paramGrads, scaleGrad, skipGrads,
                ChannelNormVectorKernels.ENABLED);
    }

    /** As above; {@code vectors} as in {@link #forward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, double, boolean)}. */
    synchronized Tensor[] backward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias, Tensor scale,
                                   Tensor skip, Tensor skipWeight, boolean inputGrad, boolean paramGrads, boolean scaleGrad,
                                   boolean skipGrads, boolean vectors) {
        Checks.layerNormChannelsBackward(gy, x, mean, rstd, weight, bias, scale, skip, skipWeight);
        int n = x.size(0), c = x.size(1), m = x.size(2);
        DType xt = x.dtype(), dt = xt.computeType();                                   // x, skip in xt; gy, gradients in dt
        boolean wantScale = scaleGrad && scale != null, wantSkip = skipGrads && skip != null;
        int groups = skipWeight == null ? 1 : skipWeight.size(0);
        Tensor gx = inputGrad ? strided.empty(dt, x.shape()) : null, gs = wantScale ? strided.empty(dt, n, m) : null;
        Tensor gskip = wantSkip ? strided.empty(dt, x.shape()) : null;
        Tensor sums = paramGrads ? strided.empty(dt, 2 * c) : null, skipSums = wantSkip ? strided.empty(dt, groups, c) : null;
        if ((long) n * m == 0 || c == 0) {
            return new Tensor[] {gx == null ? null : strided.zeros(dt, x.shape()), paramGrads ? strided.zeros(dt, c) : null,
                    paramGrads ? strided.zeros(dt, c) : null, gs == null ? null : strided.zeros(dt, n, m),
                    gskip == null ? null : strided.zeros(dt, x.shape()), wantSkip ? strided.zeros(dt, groups, c) : null};
        }
        Tensor xc = strided.contiguous(x, xt), gyc = strided.contiguous(gy, dt);
        Tensor mc = strided.contiguous(mean, dt), rc = strided.contiguous(rstd, dt);
        Tensor w = norm.vector(weight, c, dt, "layerNormChannelsBackward"), b = norm.vector(bias, c, dt, "layerNormChannelsBackward");
        Tensor sc = contiguousOrNull(scale, dt), sk = contiguousOrNull(skip, xt), skw = contiguousOrNull(skipWeight, dt);
        boolean useVectors = vectors && ChannelNormVectorKernels.fits(xt, m, gyc, xc, mc, rc, sc, sk, gx, gs, gskip);
        int sharedBytes = ((paramGrads ? 2 * c : 0) + (wantSkip ? c : 0)) * Double.BYTES;
        int staticShared = useVectors ? ChannelNormVectorKernels.STATIC_SHARED_BYTES : STATIC_SHARED_BYTES;
        if (sharedBytes + staticShared > MAX_SHARED_BYTES) {   // the block's per-channel sums live in shared memory
            int perChannel = sharedBytes / c;
            throw new TensorException("layerNormChannelsBackward", "at most " + (MAX_SHARED_BYTES - staticShared) / perChannel
                    + " channels when the weight or skip-weight gradients are wanted on CUDA", c + " channels");
        }
        int parts = useVectors ? ChannelNormVectorKernels.parts(n, m) : parts(n, m), rows = n * parts;
        Tensor partial = paramGrads ? strided.empty(DType.F64, rows, 2 * c) : null;      // (N · parts, 2C): weight, bias
        Tensor partialSkip = wantSkip ? strided.empty(DType.F64, rows, c) : null;       // (N · parts, C), group-major rows
        long function = useVectors ? vectorKernels.backwardFunction(xt) : function("layer_norm_channels_backward_" + kernelSuffix(xt));
        int rowsPerBlock = useVectors ? ChannelNormVectorKernels.ROWS : ROWS;
        // the 48 KiB a block gets without the opt-in covers its static and dynamic shared memory together
        if (sharedBytes + staticShared > DEFAULT_SHARED_BYTES) {
            CudaDriver.funcSetAttribute(function, CudaDriver.FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, sharedBytes);
        }
        backwardArgs.setLong(0, address(gyc)).setLong(1, address(xc)).setLong(2, address(mc)).setLong(3, address(rc))
                .setLong(4, pointerOrNull(w)).setLong(5, pointerOrNull(b)).setLong(6, pointerOrNull(sc)).setLong(7, pointerOrNull(sk))
                .setLong(8, pointerOrNull(skw)).setInt(9, groups).setLong(10, pointerOrNull(gx)).setLong(11, pointerOrNull(gs))
                .setLong(12, pointerOrNull(gskip)).setLong(13, pointerOrNull(partial)).setLong(14, pointerOrNull(partialSkip))
                .setInt(15, n).setInt(16, c).setInt(17, m);
        CudaDriver.launchKernel(function, n, parts, 1, 32, rowsPerBlock, 1, sharedBytes, context.stream(), backwardArgs);
        if (partial != null) {
            norm.columnSum(address(partial), address(sums), rows, 2 * c, dt);
            partial.storage().release();   // stream-ordered: the next user of the block runs after column_sum
        }
        if (partialSkip != null) {
            int groupRows = rows / groups;
            for (int g = 0; g < groups; g++) {
                norm.columnSum(address(partialSkip) + (long) g * groupRows * c * Double.BYTES,
                        address(skipSums) + (long) g * c * dt.bytes(), groupRows, c, dt);
            }
            partialSkip.storage().release();
        }
        return new Tensor[] {gx, paramGrads ? sums.narrow(0, 0, c) : null, paramGrads ? sums.narrow(0, c, c) : null, gs, gskip, skipSums};
    }

    /** Kernel suffix for x of dtype {@code x} (bf16: bf16 x, skip and y with float32 for the rest). */
    static String kernelSuffix(DType x) { return x == DType.BF16 ? "bf16" : suffix(x); }

    /** Every kernel name this launcher may use. */
    static java.util.List<String> kernelNames() {
        return java.util.List.of("layer_norm_channels_f32", "layer_norm_channels_f64", "layer_norm_channels_bf16",
                "layer_norm_channels_backward_f32", "layer_norm_channels_backward_f64", "layer_norm_channels_backward_bf16");
    }
}
