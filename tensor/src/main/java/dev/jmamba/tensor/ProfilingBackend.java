package dev.jmamba.tensor;

import java.util.Locale;

/**
 * A {@link Backend} that forwards every call to the real one inside a {@link Profiler} frame.
 * Names: unary and binary ops by their lower-case enum name ({@code exp}, {@code add}; the scalar
 * power {@link UnaryOp#POW} is {@code pow_scalar}), reductions {@code sum}, {@code mean},
 * {@code amax}, {@code amin}, the others in snake case after the method ({@code matmul},
 * {@code layer_norm}, {@code conv2d_weight_grad}, {@code allocate}, {@code copy}, ...).
 * It never changes a result.
 */
final class ProfilingBackend implements Backend {
    private final Backend inner;
    private final ProfileSession session;

    ProfilingBackend(Backend inner, ProfileSession session) {
        this.inner = inner;
        this.session = session;
    }

    private ProfileSession.Frame op(String name) { return session.enter(name, false); }

    /** {@code jmamba.profile.copies=detail}: copies are named by kind and caller ({@link #copyName}). */
    static final boolean COPY_DETAIL = "detail".equals(System.getProperty("jmamba.profile.copies"));
    private static final StackWalker WALKER = StackWalker.getInstance();

    /**
     * "copy[kind] Caller.method": kind is cast (dtypes differ), dense (both contiguous), or strided;
     * the caller is the first stack frame outside {@code ownPackage} (the tensor package) — where a
     * profile's copies come from.
     */
    static String copyName(Tensor src, Tensor dst, String ownPackage) {
        String kind = src.dtype() != dst.dtype() ? "cast" + (src.isContiguous() ? "" : "+strided")
                : src.isContiguous() && dst.isContiguous() ? "dense" : "strided";
        String caller = WALKER.walk(frames -> frames
                .filter(f -> !f.getClassName().startsWith(ownPackage) && !f.getClassName().equals(ProfilingBackend.class.getName()))
                .findFirst()
                .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName())
                .orElse("?"));
        return "copy[" + kind + "] " + caller;
    }

    /** {@code jmamba.profile.matmuls=detail}: products are named by shape and operand layout ({@link #matmulName}). */
    static final boolean MATMUL_DETAIL = "detail".equals(System.getProperty("jmamba.profile.matmuls"));

    /**
     * "matmul[batch] m×k·k×n AB": the broadcast batch dims (omitted when there are none), the product's m, k, n and
     * how each operand's matrices lie: n (row-major dense), t (stored transposed, dense) or s (strided: copied first).
     * Where a profile's GEMM time goes, shape by shape (e.g. {@code matmul[128] 160×80·80×3136 nt}).
     */
    static String matmulName(String op, Tensor a, Tensor b) {
        int m = a.size(-2), k = a.size(-1), n = b.size(-1);
        int[] batch = Shapes.broadcast(op, java.util.Arrays.copyOf(a.shape(), a.rank() - 2), java.util.Arrays.copyOf(b.shape(), b.rank() - 2));
        StringBuilder sb = new StringBuilder(op);
        if (batch.length > 0) {
            sb.append('[');
            for (int i = 0; i < batch.length; i++) sb.append(i == 0 ? "" : ",").append(batch[i]);
            sb.append(']');
        }
        return sb.append(' ').append(m).append('×').append(k).append('·').append(k).append('×').append(n).append(' ')
                .append(layoutLetter(a)).append(layoutLetter(b)).toString();
    }

    private static char layoutLetter(Tensor x) {
        int r = x.rank(), rows = x.size(-2), cols = x.size(-1), rs = x.strides()[r - 2], cs = x.strides()[r - 1];
        if ((cols == 1 || cs == 1) && (rows == 1 || rs == cols)) return 'n';
        if ((rows == 1 || rs == 1) && (cols == 1 || cs == rows)) return 't';
        return 's';
    }

    static String unaryName(UnaryOp op) { return op == UnaryOp.POW ? "pow_scalar" : op.name().toLowerCase(Locale.ROOT); }

    static String binaryName(BinaryOp op) { return op.name().toLowerCase(Locale.ROOT); }

    static String reduceName(ReduceOp op) {
        return switch (op) {
            case SUM -> "sum";
            case MEAN -> "mean";
            case MAX -> "amax";
            case MIN -> "amin";
        };
    }

    @Override public Device device() { return inner.device(); }

    @Override public void synchronize() { inner.synchronize(); }
    @Override public boolean supportsGraphs() { return inner.supportsGraphs(); }
    @Override public Graph captureGraph(Runnable work) { return inner.captureGraph(work); }

    @Override public MemoryStats memoryStats() { return inner.memoryStats(); }

    @Override public void resetPeakMemory() { inner.resetPeakMemory(); }

    @Override public void setMatmulPrecision(MatmulPrecision precision) { inner.setMatmulPrecision(precision); }

    @Override public MatmulPrecision matmulPrecision() { return inner.matmulPrecision(); }

    @Override public Storage allocate(DType dtype, int size) {
        try (var f = op("allocate")) { return inner.allocate(dtype, size); }
    }

    @Override public Storage allocateUninitialized(DType dtype, int size) {
        try (var f = op("allocate_uninitialized")) { return inner.allocateUninitialized(dtype, size); }
    }

    @Override public void copy(Tensor src, Tensor dst) {
        try (var f = op(COPY_DETAIL ? copyName(src, dst, "dev.jmamba.tensor.") : "copy")) { inner.copy(src, dst); }
    }

    @Override public void fill(Tensor dst, double value) {
        try (var f = op("fill")) { inner.fill(dst, value); }
    }

    @Override public void fillRandom(Tensor dst, RandomKind kind, Tensor seeds, int index, double a, double b) {
        try (var f = op("fill_random")) { inner.fillRandom(dst, kind, seeds, index, a, b); }
    }

    @Override public void fillRandom(Tensor dst, RandomKind kind, long seed, double a, double b) {
        try (var f = op("fill_random")) { inner.fillRandom(dst, kind, seed, a, b); }
    }

    @Override public void arange(Tensor dst, double start, double step) {
        try (var f = op("arange")) { inner.arange(dst, start, step); }
    }

    @Override public Tensor unary(UnaryOp op, Tensor x, double p0, double p1) {
        try (var f = op(unaryName(op))) { return inner.unary(op, x, p0, p1); }
    }

    @Override public Tensor unaryGrad(UnaryOp op, Tensor x, Tensor gy, double p0, double p1) {
        try (var f = op(op.name().toLowerCase(java.util.Locale.ROOT) + "_backward")) { return inner.unaryGrad(op, x, gy, p0, p1); }
    }

    @Override public Tensor[] biasActivationBf16(UnaryOp op, Tensor x, Tensor bias) {
        try (var f = op("bias_" + op.name().toLowerCase(java.util.Locale.ROOT) + "_bf16")) { return inner.biasActivationBf16(op, x, bias); }
    }

    @Override public Tensor activationGradBf16(UnaryOp op, Tensor pre, Tensor gy) {
        try (var f = op(op.name().toLowerCase(java.util.Locale.ROOT) + "_backward_bf16")) { return inner.activationGradBf16(op, pre, gy); }
    }

    @Override public Tensor binary(BinaryOp op, Tensor a, Tensor b) {
        try (var f = op(binaryName(op))) { return inner.binary(op, a, b); }
    }

    @Override public Tensor where(Tensor cond, Tensor a, Tensor b) {
        try (var f = op("where")) { return inner.where(cond, a, b); }
    }

    @Override public Tensor reduce(ReduceOp op, Tensor x, boolean[] axes, boolean keepdim) {
        try (var f = op(reduceName(op))) { return inner.reduce(op, x, axes, keepdim); }
    }

    @Override public Tensor argReduce(boolean max, Tensor x, int axis, boolean keepdim) {
        try (var f = op(max ? "argmax" : "argmin")) { return inner.argReduce(max, x, axis, keepdim); }
    }

    @Override public Tensor softmax(Tensor x, int axis, boolean log) {
        try (var f = op(log ? "log_softmax" : "softmax")) { return inner.softmax(x, axis, log); }
    }

    @Override public Tensor matmul(Tensor a, Tensor b) {
        try (var f = op(MATMUL_DETAIL ? matmulName("matmul", a, b) : "matmul")) { return inner.matmul(a, b); }
    }

    @Override public Tensor matmulBf16Result(Tensor a, Tensor b) {
        try (var f = op(MATMUL_DETAIL ? matmulName("matmul_bf16_result", a, b) : "matmul_bf16_result")) { return inner.matmulBf16Result(a, b); }
    }

    @Override public Tensor conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        try (var f = op("conv2d")) { return inner.conv2d(x, w, bias, p); }
    }

    @Override public Tensor conv2dInputGrad(Tensor gy, Tensor w, int[] xShape, ConvParams p) {
        try (var f = op("conv2d_input_grad")) { return inner.conv2dInputGrad(gy, w, xShape, p); }
    }

    @Override public Tensor conv2dInputGradLike(Tensor gy, Tensor w, Tensor x, ConvParams p) {
        try (var f = op("conv2d_input_grad")) { return inner.conv2dInputGradLike(gy, w, x, p); }
    }

    @Override public Tensor conv2dWeightGrad(Tensor gy, Tensor x, int[] wShape, ConvParams p) {
        try (var f = op("conv2d_weight_grad")) { return inner.conv2dWeightGrad(gy, x, wShape, p); }
    }

    @Override public Tensor avgPool2d(Tensor x, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
        try (var f = op("avg_pool2d")) { return inner.avgPool2d(x, kernelH, kernelW, strideH, strideW, padH, padW); }
    }

    @Override public Tensor avgPool2dBackward(Tensor gy, int[] xShape, int kernelH, int kernelW, int strideH, int strideW, int padH, int padW) {
        try (var f = op("avg_pool2d_backward")) {
            return inner.avgPool2dBackward(gy, xShape, kernelH, kernelW, strideH, strideW, padH, padW);
        }
    }

    @Override public Tensor adaptiveAvgPool2d(Tensor x, int oh, int ow) {
        try (var f = op("adaptive_avg_pool2d")) { return inner.adaptiveAvgPool2d(x, oh, ow); }
    }

    @Override public Tensor adaptiveAvgPool2dBackward(Tensor gy, int[] xShape) {
        try (var f = op("adaptive_avg_pool2d_backward")) { return inner.adaptiveAvgPool2dBackward(gy, xShape); }
    }

    @Override public Tensor gather(Tensor x, int axis, Tensor index) {
        try (var f = op("gather")) { return inner.gather(x, axis, index); }
    }

    @Override public Tensor scatterAdd(Tensor target, int axis, Tensor index, Tensor src) {
        try (var f = op("scatter_add")) { return inner.scatterAdd(target, axis, index, src); }
    }

    @Override public Tensor indexSelect(Tensor x, int axis, Tensor index) {
        try (var f = op("index_select")) { return inner.indexSelect(x, axis, index); }
    }

    @Override public Tensor indexAdd(Tensor target, int axis, Tensor index, Tensor src) {
        try (var f = op("index_add")) { return inner.indexAdd(target, axis, index, src); }
    }

    @Override public Tensor interpolate(Tensor x, int outH, int outW, InterpolateMode mode, boolean alignCorners) {
        try (var f = op("interpolate")) { return inner.interpolate(x, outH, outW, mode, alignCorners); }
    }

    @Override public Tensor interpolateBackward(Tensor gy, int[] xShape, InterpolateMode mode, boolean alignCorners) {
        try (var f = op("interpolate_backward")) { return inner.interpolateBackward(gy, xShape, mode, alignCorners); }
    }

    @Override public Tensor[] layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        try (var f = op("layer_norm")) { return inner.layerNorm(x, weight, bias, eps); }
    }

    @Override public Tensor[] rmsNorm(Tensor x, Tensor weight, double eps) {
        try (var f = op("rms_norm")) { return inner.rmsNorm(x, weight, eps); }
    }

    @Override public Tensor[] addRmsNorm(Tensor x, Tensor residual, Tensor weight, double eps) {
        try (var f = op("add_rms_norm")) { return inner.addRmsNorm(x, residual, weight, eps); }
    }

    @Override public Tensor residualAdd(Tensor x, Tensor y, Tensor bias, Tensor scale) {
        try (var f = op("residual_add")) { return inner.residualAdd(x, y, bias, scale); }
    }

    @Override public Tensor[] layerNormBf16(Tensor x, Tensor weight, Tensor bias, double eps, boolean keepNormalized) {
        try (var f = op("layer_norm_bf16")) { return inner.layerNormBf16(x, weight, bias, eps, keepNormalized); }
    }

    @Override public Tensor layerNormAffineBf16(Tensor xhat, Tensor weight, Tensor bias) {
        try (var f = op("layer_norm_affine_bf16")) { return inner.layerNormAffineBf16(xhat, weight, bias); }
    }

    @Override public Tensor[] layerNormBf16Backward(Tensor gy, Tensor xhat, Tensor rstd, Tensor weight, boolean inputGrad, boolean paramGrads) {
        try (var f = op("layer_norm_bf16_backward")) { return inner.layerNormBf16Backward(gy, xhat, rstd, weight, inputGrad, paramGrads); }
    }

    @Override public Tensor[] layerNormBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, boolean inputGrad,
                                                boolean paramGrads) {
        try (var f = op("layer_norm_backward")) { return inner.layerNormBackward(gy, x, mean, rstd, weight, inputGrad, paramGrads); }
    }

    @Override public Tensor[] layerNormChannels(Tensor x, Tensor weight, Tensor bias, Tensor scale, Tensor skip, Tensor skipWeight,
                                                double eps) {
        try (var f = op("layer_norm_channels")) { return inner.layerNormChannels(x, weight, bias, scale, skip, skipWeight, eps); }
    }

    @Override public Tensor[] layerNormChannelsBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias,
                                                        Tensor scale, Tensor skip, Tensor skipWeight, boolean inputGrad,
                                                        boolean paramGrads, boolean scaleGrad, boolean skipGrads) {
        try (var f = op("layer_norm_channels_backward")) {
            return inner.layerNormChannelsBackward(gy, x, mean, rstd, weight, bias, scale, skip, skipWeight, inputGrad, paramGrads,
                    scaleGrad, skipGrads);
        }
    }

    @Override public Tensor[] layerNormGated(Tensor x, Tensor weight, Tensor bias, Tensor z, double eps) {
        try (var f = op("layer_norm_gated")) { return inner.layerNormGated(x, weight, bias, z, eps); }
    }

    @Override public Tensor[] layerNormGatedBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias,
                                                     Tensor z, boolean inputGrad, boolean paramGrads, boolean gateGrad) {
        try (var f = op("layer_norm_gated_backward")) {
            return inner.layerNormGatedBackward(gy, x, mean, rstd, weight, bias, z, inputGrad, paramGrads, gateGrad);
        }
    }

    @Override public Tensor depthwiseConv2dSilu(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        try (var f = op("depthwise_conv_silu")) { return inner.depthwiseConv2dSilu(x, w, bias, p); }
    }

    @Override public Tensor depthwiseConv2dSiluGrad(Tensor gy, Tensor x, Tensor w, Tensor bias, ConvParams p) {
        try (var f = op("depthwise_conv_silu_grad")) { return inner.depthwiseConv2dSiluGrad(gy, x, w, bias, p); }
    }

    @Override public Tensor[] depthwiseConv2dSiluBackward(Tensor gy, Tensor x, Tensor w, Tensor bias, ConvParams p,
                                                          boolean inputGrad, boolean weightGrad, boolean biasGrad) {
        try (var f = op("depthwise_conv_silu_backward")) {
            return inner.depthwiseConv2dSiluBackward(gy, x, w, bias, p, inputGrad, weightGrad, biasGrad);
        }
    }

    @Override public Tensor[] addRmsNormBackward(Tensor gy, Tensor gSum, Tensor sum, Tensor rstd, Tensor weight, boolean weightGrad) {
        try (var f = op("add_rms_norm_backward")) { return inner.addRmsNormBackward(gy, gSum, sum, rstd, weight, weightGrad); }
    }

    @Override public void adamwUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1, double beta2,
                                      double eps, double weightDecay, double biasCorrection1, double biasCorrection2) {
        try (var f = op("adamw_update")) {
            inner.adamwUpdate(param, grad, expAvg, expAvgSq, lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2);
        }
    }

    @Override public void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuf, double lr, double momentum, double dampening,
                                    double weightDecay, boolean nesterov, boolean firstStep) {
        try (var f = op("sgd_update")) {
            inner.sgdUpdate(param, grad, momentumBuf, lr, momentum, dampening, weightDecay, nesterov, firstStep);
        }
    }

    @Override public void adamwUpdateList(java.util.List<Tensor[]> updates, double[][] hyper) {
        try (var f = op("adamw_update_list")) { inner.adamwUpdateList(updates, hyper); }
    }

    @Override public void adamwUpdateList(java.util.List<Tensor[]> updates, java.util.List<Tensor> factorRows) {
        try (var f = op("adamw_update_list")) { inner.adamwUpdateList(updates, factorRows); }
    }

    @Override public void sumOfSquaresInto(java.util.List<Tensor> xs, Tensor out) {
        try (var f = op("sum_of_squares")) { inner.sumOfSquaresInto(xs, out); }
    }

    @Override public void adamwUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor factors) {
        try (var f = op("adamw_update")) { inner.adamwUpdate(param, grad, expAvg, expAvgSq, factors); }
    }

    @Override public void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuf, Tensor factors, boolean decayed, boolean nesterov,
                                    boolean firstStep) {
        try (var f = op("sgd_update")) { inner.sgdUpdate(param, grad, momentumBuf, factors, decayed, nesterov, firstStep); }
    }
}
