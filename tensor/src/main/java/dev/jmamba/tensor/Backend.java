package dev.jmamba.tensor;

/**
 * The primitive kernels every device implements. {@link Tensor} composes everything else from
 * these (views, cat, pad, flip, var, ...). Inputs may be arbitrary strided views, including
 * broadcast (stride 0) and negative strides; outputs are new contiguous tensors unless stated.
 * Autograd never looks at the device: it works on {@link Tensor} ops and reaches the gradient
 * primitives (conv2dInputGrad, interpolateBackward, ...) through {@code tensor.backend()}.
 */
public interface Backend {

    Device device();

    /**
     * Waits until all work queued on this device has finished. Backends that run synchronously
     * (the CPU) have nothing to wait for; the {@link Profiler} calls it to time device work.
     */
    default void synchronize() {}

    /** Recorded device work that replays for the cost of about one launch (a CUDA graph); close it to free it. */
    interface Graph extends AutoCloseable {
        /** Queues one replay of the recorded work. */
        void launch();

        @Override void close();
    }

    /** Whether {@link #captureGraph} works on this device. */
    default boolean supportsGraphs() { return false; }

    /**
     * Records what {@code work} queues on this device, without running it, as a replayable {@link Graph}.
     * Only devices with queued work can (CUDA); the others throw. While capturing, the work may not read
     * back to the host or upload; memory freed during the capture is held until the graph is closed.
     */
    default Graph captureGraph(Runnable work) {
        throw new TensorException.Device("captureGraph", "graph capture needs a CUDA device, got " + device());
    }

    /** Bytes held by this device's tensors now and at their peak (see {@link MemoryStats}). */
    MemoryStats memoryStats();

    /** Starts the peaks of {@link #memoryStats()} again from the current values. */
    void resetPeakMemory();

    /**
     * Sets how float32 matrix products round their inputs ({@link MatmulPrecision}); a backend
     * without reduced-precision GEMMs (the CPU) accepts only FP32 and throws for the others.
     */
    default void setMatmulPrecision(MatmulPrecision precision) {
        if (precision != MatmulPrecision.FP32) {
            throw new TensorException("matmul precision", "fp32 on " + device(), precision.toString());
        }
    }

    /** The current {@link #setMatmulPrecision}. */
    default MatmulPrecision matmulPrecision() { return MatmulPrecision.FP32; }

    /** A zero-filled storage of {@code size} elements. */
    Storage allocate(DType dtype, int size);

    /**
     * A storage of {@code size} elements whose contents are unspecified, for results that the caller
     * overwrites completely (a device backend skips the zero fill). Default: {@link #allocate}.
     */
    default Storage allocateUninitialized(DType dtype, int size) { return allocate(dtype, size); }

    /** Copies {@code src} into {@code dst} (same shape; dtype converted). {@code dst} may be a strided view. */
    void copy(Tensor src, Tensor dst);

    /** Sets every element of the view {@code dst} to {@code value}. */
    void fill(Tensor dst, double value);

    /** Fills a contiguous tensor with counter-based random numbers (same numbers on every device). */
    void fillRandom(Tensor dst, RandomKind kind, long seed, double a, double b);

    /**
     * {@link #fillRandom(Tensor, RandomKind, long, double, double)} with the seed read from
     * {@code seeds[index]} (I64 (m), contiguous, on dst's device) when the work runs, not when it is
     * queued: a captured CUDA graph then draws new numbers on each replay once new seeds are written
     * there. Same numbers as the seed passed by value. By default the seed is read on the host
     * (free on the CPU); a GPU backend reads it in the kernel. Checked by {@link Tensor#random(RandomKind, Tensor, int, double, double, DType, Device, int...)}.
     */
    default void fillRandom(Tensor dst, RandomKind kind, Tensor seeds, int index, double a, double b) {
        fillRandom(dst, kind, seeds.narrow(0, index, 1).toLongArray()[0], a, b);
    }

    /** {@code dst[i] = start + i * step} on a contiguous tensor. */
    void arange(Tensor dst, double start, double step);

    /** Element-wise {@code op(x)} with parameters (see {@link UnaryOp}). */
    Tensor unary(UnaryOp op, Tensor x, double p0, double p1);

    /**
     * The backward of an activation in one pass: {@code gy · op'(x)} element-wise
     * ({@link UnaryOp#derivative}; only ops with {@link UnaryOp#hasFusedGradient()}). x and gy have
     * the same shape (any strides); the result is contiguous, of x's dtype, computed in double.
     */
    Tensor unaryGrad(UnaryOp op, Tensor x, Tensor gy, double p0, double p1);

    /**
     * The activation of an autocast MLP in one pass, over rows of x's last dim n: {@code pre = bf16(x + bias)} and
     * {@code act = bf16(op(pre))}, op taken of the rounded pre-activation (PyTorch under autocast: a bf16 Linear
     * output, then its activation). x (..., n) float32 with bias (n) float32; or x the bf16 pre-activation itself
     * with bias null (the backward's recomputation; no pre returned). op has {@link UnaryOp#hasFusedGradient()}.
     *
     * @return {pre (..., n) bf16, or null without bias; act (..., n) bf16}, contiguous
     */
    Tensor[] biasActivationBf16(UnaryOp op, Tensor x, Tensor bias);

    /** {@code gy · op'(pre)} in float32: pre (..., n) bf16, gy (..., n) float32 → contiguous float32. */
    Tensor activationGradBf16(UnaryOp op, Tensor pre, Tensor gy);

    /** Element-wise {@code op(a, b)} with broadcasting; result dtype {@link DType#promote}. */
    Tensor binary(BinaryOp op, Tensor a, Tensor b);

    /**
     * A residual add with a per-sample scale on the branch (drop path) and an optional bias, one pass:
     * {@code out = x + (y + bias) · scale[b]}, b the index along dim 0. x and y (B, ..., C) float32 of one shape,
     * bias (C) or null, scale (B) or null (no scale). The same bits as the three ops it replaces
     * ({@code x.add(y.add(bias).mul(scale viewed (B, 1, ..., 1)))}: each step rounded to float32, no fused multiply-add),
     * which is this default.
     */
    default Tensor residualAdd(Tensor x, Tensor y, Tensor bias, Tensor scale) {
        Checks.residualAdd(x, y, bias, scale);
        Tensor branch = bias == null ? y : y.add(bias);
        if (scale != null) {
            int[] view = new int[y.rank()];
            java.util.Arrays.fill(view, 1);
            view[0] = y.size(0);
            branch = branch.mul(scale.reshape(view));
        }
        return x.add(branch);
    }

    /** {@code cond != 0 ? a : b}, broadcasting all three. */
    Tensor where(Tensor cond, Tensor a, Tensor b);

    /** Reduces the axes flagged in {@code axes} (length = rank). */
    Tensor reduce(ReduceOp op, Tensor x, boolean[] axes, boolean keepdim);

    /** Index (I64) of the max ({@code max}) or min along {@code axis}; first index on ties. */
    Tensor argReduce(boolean max, Tensor x, int axis, boolean keepdim);

    /** Softmax or log-softmax along {@code axis}. */
    Tensor softmax(Tensor x, int axis, boolean log);

    /** (..., m, k) @ (..., k, n) → (..., m, n) with broadcast batch dims; both at least 2-D. */
    Tensor matmul(Tensor a, Tensor b);

    /**
     * {@link #matmul} of bf16 operands (both at least 2-D) with a bf16 result: the float32-accumulated product
     * rounded once to bf16 (autocast's product whose output only bf16-reading ops take). This default rounds
     * matmul's float32 result: the reference of the backends' direct bf16 output.
     */
    default Tensor matmulBf16Result(Tensor a, Tensor b) {
        if (a.dtype() != DType.BF16 || b.dtype() != DType.BF16) {
            throw new TensorException.DType("matmulBf16Result", "BF16 operands", a.dtype() + " and " + b.dtype());
        }
        if (a.rank() < 2 || b.rank() < 2) {
            throw new TensorException.Shape("matmulBf16Result", "operands of at least 2 dims", Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()));
        }
        Tensor y = matmul(a, b);
        Tensor r = y.to(DType.BF16);
        y.storage().release();
        return r;
    }

    /**
     * x (N, C, H, W), w (O, C/groups, kh, kw), bias (O) or null → (N, O, OH, OW). x and w both BF16
     * with groups 1 (autocast's dense conv): float32 accumulation and a float32 result, as for
     * {@link #matmul}; the same holds for the two gradients below.
     */
    Tensor conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p);

    /**
     * Depthwise conv2d (groups = C = out channels) with bias and SiLU fused: {@code silu(conv2d(x, w, bias, p))}.
     * x (N, C, H, W), w (C, 1, kh, kw), bias (C) or null. The pre-activation is not kept (see
     * {@link #depthwiseConv2dSiluGrad}).
     */
    Tensor depthwiseConv2dSilu(Tensor x, Tensor w, Tensor bias, ConvParams p);

    /**
     * The gradient at the pre-activation of {@link #depthwiseConv2dSilu}: {@code gy · silu'(conv2d(x, w, bias, p))},
     * the conv recomputed from x; gy (N, C, H', W'). Feed it to {@link #conv2dInputGrad} / {@link #conv2dWeightGrad}
     * (and sum it over N, H', W' for the bias).
     */
    Tensor depthwiseConv2dSiluGrad(Tensor gy, Tensor x, Tensor w, Tensor bias, ConvParams p);

    /**
     * The whole backward of {@link #depthwiseConv2dSilu}: {gx (N, C, H, W), gw (C, 1, kh, kw), gbias (C)}, each null
     * unless asked for (gbias also when bias is null); gy (N, C, H', W'). x may be bf16 (autocast's activations, with
     * float32 w and bias): the conv then runs in float32 and gx is float32. This default is the composition
     * {@link #depthwiseConv2dSiluGrad}, {@link #conv2dInputGrad}, {@link #conv2dWeightGrad} and a sum over (N, H', W');
     * a backend may do it in one pass (CUDA: the 3×3 stride-1 case).
     */
    default Tensor[] depthwiseConv2dSiluBackward(Tensor gy, Tensor x, Tensor w, Tensor bias, ConvParams p,
                                                 boolean inputGrad, boolean weightGrad, boolean biasGrad) {
        Tensor xc = x.dtype() == DType.BF16 ? x.to(DType.F32) : x;
        Tensor pre = depthwiseConv2dSiluGrad(gy.dtype() == xc.dtype() ? gy : gy.to(xc.dtype()), xc, w, bias, p);   // gy · silu'(pre)
        Tensor gx = inputGrad ? conv2dInputGrad(pre, w, xc.shape(), p) : null;
        Tensor gw = weightGrad ? conv2dWeightGrad(pre, xc, w.shape(), p) : null;
        Tensor gb = biasGrad && bias != null ? pre.sum(false, 0, 2, 3) : null;
        pre.storage().release();
        if (xc != x) xc.storage().release();
        return new Tensor[] {gx, gw, gb};
    }

    /** Gradient of conv2d with respect to its input x of shape {@code xShape}, given gy (N, O, OH, OW). */
    Tensor conv2dInputGrad(Tensor gy, Tensor w, int[] xShape, ConvParams p);

    /** Gradient of conv2d with respect to w of shape {@code wShape}, given gy and x. */
    Tensor conv2dWeightGrad(Tensor gy, Tensor x, int[] wShape, ConvParams p);

    /**
     * As {@link #conv2dInputGrad}, for the input {@code x} (N, C, H, W) whose values are not read: a
     * backend may return the gradient in x's memory layout (e.g. a channels-last view when x is one),
     * so that the gradient flowing back through x's permute needs no transposing copy.
     */
    default Tensor conv2dInputGradLike(Tensor gy, Tensor w, Tensor x, ConvParams p) {
        return conv2dInputGrad(gy, w, x.shape(), p);
    }

    /** Average pooling (count_include_pad = true): x (N, C, H, W) → (N, C, OH, OW). */
    Tensor avgPool2d(Tensor x, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW);

    /** Gradient of {@link #avgPool2d} with respect to x of shape {@code xShape}. */
    Tensor avgPool2dBackward(Tensor gy, int[] xShape, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW);

    /** Adaptive average pooling: x (N, C, H, W) → (N, C, oh, ow) (PyTorch bin edges). */
    Tensor adaptiveAvgPool2d(Tensor x, int oh, int ow);

    /** Gradient of {@link #adaptiveAvgPool2d}. */
    Tensor adaptiveAvgPool2dBackward(Tensor gy, int[] xShape);

    /** out[.., i, ..] = x[.., index[.., i, ..], ..] along {@code axis}; index (I32/I64) has x's rank. */
    Tensor gather(Tensor x, int axis, Tensor index);

    /** A copy of {@code target} with {@code src} added at {@code index} along {@code axis} (scatter-add). */
    Tensor scatterAdd(Tensor target, int axis, Tensor index, Tensor src);

    /** Selects entries of a 1-D index along {@code axis}. */
    Tensor indexSelect(Tensor x, int axis, Tensor index);

    /** A copy of {@code target} with slices of {@code src} added at the 1-D index along {@code axis}. */
    Tensor indexAdd(Tensor target, int axis, Tensor index, Tensor src);

    /** Resamples the last two dims of x (N, C, H, W) to {@code (outH, outW)}. */
    Tensor interpolate(Tensor x, int outH, int outW, InterpolateMode mode, boolean alignCorners);

    /** Gradient of {@link #interpolate} with respect to x of shape {@code xShape}. */
    Tensor interpolateBackward(Tensor gy, int[] xShape, InterpolateMode mode, boolean alignCorners);

    /**
     * Layer norm over the last dim: returns {y, mean, rstd} with mean and rstd of shape x.shape[:-1].
     * weight and bias (C) may be null.
     */
    Tensor[] layerNorm(Tensor x, Tensor weight, Tensor bias, double eps);

    /** RMS norm over the last dim: returns {y, rstd}; weight (C) may be null. */
    Tensor[] rmsNorm(Tensor x, Tensor weight, double eps);

    /**
     * Residual add fused with RMS norm over the last dim (Mamba's {@code fused_add_norm}): with
     * sum = x + residual (residual null: sum = x) rounded to the compute dtype, returns
     * {y, sum, rstd} where y = sum · rstd · weight and rstd = 1 / sqrt(mean(sum²) + eps), of shape
     * x.shape[:-1]. x and residual (..., C) have one shape; weight (C) may be null. F64 inputs
     * compute in F64, everything else in F32; y equals {@code rmsNorm(x.add(residual))} up to the
     * order of the row sum.
     */
    Tensor[] addRmsNorm(Tensor x, Tensor residual, Tensor weight, double eps);

    /**
     * Backward of {@link #addRmsNorm}, one pass over the rows. With x̂ = sum · rstd and
     * g = gy · weight (or gy):
     * <pre>
     *   gSumTotal = rstd · (g − x̂ · mean(g · x̂)) + gSum      (the gradient of both x and residual)
     *   gWeight   = Σ gy · x̂  over every row                   (C)
     * </pre>
     * gy and sum (..., C); gSum (..., C) is the gradient reaching the sum output from elsewhere
     * (null: none); rstd (sum.shape[:-1]) and sum as returned by the forward; weight (C) or null.
     * Returns {gSumTotal, gWeight}; gWeight is null when {@code weightGrad} is false or weight is
     * null. gWeight sums per-block partial sums in a fixed order (no atomics), so it is the same
     * on every run.
     */
    Tensor[] addRmsNormBackward(Tensor gy, Tensor gSum, Tensor sum, Tensor rstd, Tensor weight, boolean weightGrad);

    /**
     * Layer norm for an output that only products read, under autocast with bf16 activations: x (..., C) float32
     * or bf16; returns {y, x̂, rstd} with x̂ = (x − mean) · rstd rounded once to bf16 and y =
     * {@link #layerNormAffineBf16}(x̂) — the affine step reads the rounded x̂, so a product may drop y and rebuild it
     * from x̂ bit for bit (x̂ is null unless {@code keepNormalized}: what {@link #layerNormBf16Backward} reads instead
     * of x, half the bytes of a float32 x), rstd (x.shape[:-1]) float32; statistics as {@link #layerNorm}; weight
     * and bias (C) float32 or null. This default composes {@link #layerNorm} and casts: the reference of the fused kernels.
     */
    default Tensor[] layerNormBf16(Tensor x, Tensor weight, Tensor bias, double eps, boolean keepNormalized) {
        Checks.layerNormBf16(x, weight, bias);
        Tensor xf = x.dtype() == DType.F32 ? x : x.to(DType.F32);
        Tensor[] r = layerNorm(xf, null, null, eps);   // {x̂, mean, rstd} in float32
        Tensor xhat = r[0].to(DType.BF16);
        Tensor y = layerNormAffineBf16(xhat, weight, bias);
        if (xf != x) xf.storage().release();
        r[0].storage().release();
        r[1].storage().release();
        if (!keepNormalized) xhat.storage().release();
        return new Tensor[] {y, keepNormalized ? xhat : null, r[2]};
    }

    /**
     * The affine step of {@link #layerNormBf16} from its bf16 x̂ (..., C): y = x̂ · weight + bias (weight, bias (C)
     * float32 or null), rounded once to bf16 — the same operations as the forward, so the result equals the
     * forward's y bit for bit on one backend (a product's backward rebuilds the norm output it did not keep). This
     * default computes in float32 ops: the reference of the kernels.
     */
    default Tensor layerNormAffineBf16(Tensor xhat, Tensor weight, Tensor bias) {
        Checks.layerNormAffineBf16(xhat, weight, bias);
        Tensor x = xhat.to(DType.F32);
        Tensor scaled = weight == null ? x : x.mul(weight);
        Tensor shifted = bias == null ? scaled : scaled.add(bias);
        Tensor y = shifted.to(DType.BF16);
        for (Tensor t : new Tensor[] {x, scaled, shifted}) if (!t.storage().isReleased()) t.storage().release();   // float32 temporaries
        return y;
    }

    /**
     * Backward of {@link #layerNormBf16} from its bf16 x̂: with g = gy · weight (or gy), gx = rstd · (g − mean(g) −
     * x̂ · mean(g · x̂)) in float32, gWeight = Σ gy · x̂ and gBias = Σ gy (C) float32 — {@link #layerNormBackward}'s
     * formulas with x̂ read instead of recomputed. gy (..., C) float32; xhat, rstd as the forward returned them.
     * Returns {gx or null, gWeight, gBias} (null unless {@code paramGrads}). This default runs layerNormBackward on
     * x̂ with mean 0 and rstd 1, then scales gx by rstd: the reference of the fused kernels.
     */
    default Tensor[] layerNormBf16Backward(Tensor gy, Tensor xhat, Tensor rstd, Tensor weight, boolean inputGrad, boolean paramGrads) {
        Checks.layerNormBf16Backward(gy, xhat, rstd, weight);
        Tensor zero = Tensor.zeros(DType.F32, xhat.device(), rstd.shape()), one = Tensor.full(1, DType.F32, xhat.device(), rstd.shape());
        Tensor[] g = layerNormBackward(gy.dtype() == DType.F32 ? gy : gy.to(DType.F32), xhat.to(DType.F32), zero, one, weight,
                inputGrad, paramGrads);
        if (g[0] != null) g[0] = g[0].mul(rstd.unsqueeze(-1));
        return g;
    }

    /**
     * Backward of {@link #layerNorm}, one pass over the rows. With x̂ = (x − mean) · rstd and
     * g = gy · weight (or gy):
     * <pre>
     *   gx      = rstd · (g − mean(g) − x̂ · mean(g · x̂))      (means over the row)
     *   gWeight = Σ gy · x̂,   gBias = Σ gy                     over every row, (C) each
     * </pre>
     * gy and x (..., C); mean and rstd (x.shape[:-1]) as the forward returned them; weight (C) or
     * null. Returns {gx or null when {@code inputGrad} is false, gWeight, gBias} (both null when
     * {@code paramGrads} is false). The column sums add per-block partial sums in a fixed order.
     */
    Tensor[] layerNormBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, boolean inputGrad, boolean paramGrads);

    /**
     * Layer norm over the channels of a channels-first x (N, C, M) — each of the N·M columns normalised over its
     * C values, without a permute to channels-last — times an optional per-column scale:
     * <pre>
     *   y[n, c, m] = (x̂[n, c, m] · weight[c] + bias[c]) · scale[n, m],   x̂ = (x − mean[n, m]) · rstd[n, m]
     * </pre>
     * Returns {y (N, C, M) contiguous, mean (N, M), rstd (N, M)}; weight, bias (C) and scale (N, M) may be null.
     * Statistics in double; F64 computes in F64, everything else in F32. Equal to permuting to (N, M, C),
     * {@link #layerNorm}, permuting back and multiplying by scale.
     */
    default Tensor[] layerNormChannels(Tensor x, Tensor weight, Tensor bias, Tensor scale, double eps) {
        return layerNormChannels(x, weight, bias, scale, null, null, eps);
    }

    /**
     * {@link #layerNormChannels(Tensor, Tensor, Tensor, Tensor, double)} plus a weighted skip term in the same pass:
     * <pre>
     *   y[n, c, m] = (x̂[n, c, m] · weight[c] + bias[c]) · scale[n, m] + skipWeight[n mod G, c] · skip[n, c, m]
     * </pre>
     * skip (N, C, M) and skipWeight (G, C), G dividing N, both given or both null. (FractalMamba's read-out
     * y = h_norm(h) · C + D · u over n = b · K + k is this with skipWeight = D as (K, d_inner).)
     */
    Tensor[] layerNormChannels(Tensor x, Tensor weight, Tensor bias, Tensor scale, Tensor skip, Tensor skipWeight, double eps);

    /**
     * Backward of {@link #layerNormChannels}. With x̂ = (x − mean) · rstd, s = scale (or 1) and
     * g = gy · s · weight (or gy · s):
     * <pre>
     *   gx[n, c, m]  = rstd · (g − mean_C(g) − x̂ · mean_C(g · x̂))
     *   gWeight[c]   = Σ_{n,m} gy · s · x̂,   gBias[c] = Σ_{n,m} gy · s
     *   gScale[n, m] = Σ_c gy · (x̂ · weight + bias)
     * </pre>
     * gy and x (N, C, M); mean, rstd (N, M) as the forward returned them; weight, bias (C) and scale (N, M) as
     * given to it. Returns {gx or null (inputGrad false), gWeight, gBias (null when paramGrads is false),
     * gScale (null when scaleGrad is false or scale is null)}. The column sums add fixed partial sums in a fixed
     * order (the same result on every run).
     */
    default Tensor[] layerNormChannelsBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias, Tensor scale,
                                               boolean inputGrad, boolean paramGrads, boolean scaleGrad) {
        return java.util.Arrays.copyOf(layerNormChannelsBackward(gy, x, mean, rstd, weight, bias, scale, null, null,
                inputGrad, paramGrads, scaleGrad, false), 4);
    }

    /**
     * Backward of the skip form of {@link #layerNormChannels(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, double)}:
     * as {@link #layerNormChannelsBackward(Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, Tensor, boolean, boolean, boolean)}
     * (the skip term does not touch x, weight, bias or scale), plus
     * <pre>
     *   gSkip[n, c, m] = gy · skipWeight[n mod G, c],   gSkipWeight[g, c] = Σ_{n ≡ g (mod G), m} gy · skip
     * </pre>
     * Returns {gx, gWeight, gBias, gScale, gSkip, gSkipWeight}; the last two null when skipGrads is false or there
     * is no skip. gSkipWeight's sums add fixed partial sums in a fixed order.
     */
    Tensor[] layerNormChannelsBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias, Tensor scale,
                                       Tensor skip, Tensor skipWeight, boolean inputGrad, boolean paramGrads, boolean scaleGrad,
                                       boolean skipGrads);

    /**
     * Layer norm over the last dim gated by SiLU of z (the gated output norm of GrootV's and Mamba-2's mixers):
     * <pre>
     *   y = (x̂ · weight + bias) · silu(z),   x̂ = (x − mean) · rstd   over each row of x (..., C)
     * </pre>
     * z has x's shape and any strides (read in place when its rows are evenly spaced with contiguous channels,
     * e.g. a channel slice of a wider tensor). Returns {y (contiguous), mean, rstd (x.shape[:-1])}; weight and
     * bias (C) may be null. Equal to {@code layerNorm(x)·silu(z)}. BF16 x (autocast's activations): z is read as
     * BF16 too and y is BF16 (rounded once); weight, bias, mean and rstd are F32.
     */
    Tensor[] layerNormGated(Tensor x, Tensor weight, Tensor bias, Tensor z, double eps);

    /**
     * Backward of {@link #layerNormGated}. With s = silu(z), ln = x̂ · weight + bias and g = gy · s · weight:
     * <pre>
     *   gx = rstd · (g − mean(g) − x̂ · mean(g · x̂)),   gz = gy · ln · silu'(z)
     *   gWeight = Σ gy · s · x̂,   gBias = Σ gy · s        over every row
     * </pre>
     * Returns {gx or null, gWeight, gBias (null unless paramGrads), gz or null (gateGrad false)}; column sums in a
     * fixed order. BF16 x (and z): gy, mean, rstd and every gradient are F32.
     */
    Tensor[] layerNormGatedBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias, Tensor z,
                                    boolean inputGrad, boolean paramGrads, boolean gateGrad);

    /**
     * One AdamW step (PyTorch {@code torch.optim.AdamW}) in place, element by element:
     * <pre>
     *   p = p · (1 − lr·wd)                       (skipped when wd = 0)
     *   m = m·β1 + g·(1 − β1)
     *   v = v·β2 + (g·g)·(1 − β2)
     *   p = p − (m / (sqrt(v) · (1 / sqrt(bc2)) + eps)) · (lr / bc1)
     * </pre>
     * with bc1 = 1 − β1^t and bc2 = 1 − β2^t ({@code biasCorrection1/2}). The scalar factors are
     * computed in double, then rounded once to the dtype; each operation rounds to the dtype
     * (no fused multiply-add), in exactly this order, so every device gives the same bits.
     * param, grad, expAvg (m) and expAvgSq (v): same shape (any), contiguous, F32 or F64, one dtype.
     */
    void adamwUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1, double beta2,
                     double eps, double weightDecay, double biasCorrection1, double biasCorrection2);

    /**
     * One SGD step (PyTorch {@code torch.optim.SGD}) in place, element by element:
     * <pre>
     *   d = g + p·wd                                       (d = g when wd = 0)
     *   buf = firstStep ? d : buf·μ + d·(1 − dampening)    (when momentumBuf is not null)
     *   d = nesterov ? d + buf·μ : buf                     (when momentumBuf is not null)
     *   p = p − d·lr
     * </pre>
     * Rounding as {@link #adamwUpdate}. momentumBuf may be null only when momentum is 0.
     * param, grad, momentumBuf: same shape (any), contiguous, F32 or F64, one dtype.
     */
    void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuf, double lr, double momentum, double dampening,
                   double weightDecay, boolean nesterov, boolean firstStep);

    /**
     * {@link #adamwUpdate} with its factors read from {@code factors} (8) F64 on param's device,
     * in {@link Updates.AdamwFactors#values()} order; the same factors give the same bits.
     */
    void adamwUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor factors);

    /**
     * {@link #sgdUpdate} with lr, momentum, 1 − dampening and weight decay read from {@code factors}
     * (4) F64 on param's device ({@link Updates.SgdFactors#values()} order); {@code decayed}: wd ≠ 0.
     */
    void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuf, Tensor factors, boolean decayed, boolean nesterov, boolean firstStep);

    /**
     * Several {@link #adamwUpdate} steps: {@code updates[i]} = {param, grad, expAvg, expAvgSq} with {@code hyper[i]} =
     * {lr, β1, β2, eps, weightDecay, biasCorrection1, biasCorrection2}. The same bits as one adamwUpdate per entry
     * (entries are independent and must not share tensors). The default runs them one by one; the GPU backend runs
     * many per launch.
     */
    default void adamwUpdateList(java.util.List<Tensor[]> updates, double[][] hyper) {
        for (int i = 0; i < updates.size(); i++) {
            Tensor[] u = updates.get(i);
            double[] h = hyper[i];
            adamwUpdate(u[0], u[1], u[2], u[3], h[0], h[1], h[2], h[3], h[4], h[5], h[6]);
        }
    }

    /** {@link #adamwUpdateList} with entry i's factors read from {@code factorRows[i]}, as {@link #adamwUpdate(Tensor, Tensor, Tensor, Tensor, Tensor)}. */
    default void adamwUpdateList(java.util.List<Tensor[]> updates, java.util.List<Tensor> factorRows) {
        for (int i = 0; i < updates.size(); i++) {
            Tensor[] u = updates.get(i);
            adamwUpdate(u[0], u[1], u[2], u[3], factorRows.get(i));
        }
    }

    /**
     * {@code out[i] = Σ xs[i]²} for every tensor of the list, each squared and summed in double (the
     * global gradient norm without a squared copy of each gradient; one launch per 64 tensors on a
     * GPU). xs: (any) contiguous, F32 or F64, on this device; out: (m ≥ xs.size()) contiguous F64.
     * The summation order is fixed per backend (same bits on every run), not across backends.
     * Checked by {@link Updates#sumOfSquares}.
     */
    void sumOfSquaresInto(java.util.List<Tensor> xs, Tensor out);

    /**
     * A {@link BatchStaging} ring for this backend's device (arguments checked by
     * {@link BatchStaging#create}); by default the host ring, which wraps the arrays.
     */
    default BatchStaging batchStaging(int slots, DType[] dtypes, int[][] shapes) {
        return BatchStaging.onHost(dtypes, shapes);
    }
}
