package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Backend;
import dev.jmamba.tensor.BinaryOp;
import dev.jmamba.tensor.Checks;
import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.InterpolateMode;
import dev.jmamba.tensor.MatmulPrecision;
import dev.jmamba.tensor.MemoryStats;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.ReduceOp;
import dev.jmamba.tensor.Storage;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.UnaryOp;
import dev.jmamba.tensor.Updates;

/**
 * The {@link Backend} of one CUDA device. Each primitive is a kernel family in a small launcher
 * class ({@link StridedKernels}, {@link ReduceKernels}, {@link MatmulKernels}, {@link ConvKernels},
 * {@link ResampleKernels}, {@link IndexKernels}, {@link NormKernels}, {@link RandomKernels},
 * {@link OptimKernels}) whose
 * {@code .cu} source is compiled by NVRTC on first use and cached on disk. All work is queued on
 * the context's one stream and nothing here waits for it: only reading values back to the host
 * ({@link CudaTransfer}, reached through {@code Tensor.to(Device.CPU)}, {@code toFloatArray},
 * {@code item}, ...) synchronises. Obtain it through {@code Backends.of(Device.cuda(i))}.
 */
public final class CudaBackend implements Backend {
    /** The context last made current on each thread (cuCtxSetCurrent is per thread). */
    private static final ThreadLocal<CudaContext> CURRENT = new ThreadLocal<>();

    private final CudaContext context;
    private final Device device;
    private final DeviceErrors errors;
    final StridedKernels strided;
    private final ReduceKernels reduce;
    private final MatmulKernels matmul;
    private final ConvKernels conv;
    private final DepthwiseSiluKernels depthwiseSilu;
    private final ResampleKernels resample;
    private final IndexKernels index;
    private final NormKernels norm;
    private final ChannelNormKernels channelNorm;
    private final GatedNormKernels gatedNorm;
    private final RandomKernels random;
    private final OptimKernels optim;

    CudaBackend(CudaContext context) {
        this.context = context;
        this.device = Device.cuda(context.index());
        enter();
        errors = new DeviceErrors(context);
        strided = new StridedKernels(context);
        reduce = new ReduceKernels(context, strided);
        matmul = new MatmulKernels(context, strided);
        conv = new ConvKernels(context, strided, matmul);
        depthwiseSilu = new DepthwiseSiluKernels(context, strided, conv);
        resample = new ResampleKernels(context, strided);
        index = new IndexKernels(context, strided, errors);
        norm = new NormKernels(context, strided);
        channelNorm = new ChannelNormKernels(context, strided, norm);
        gatedNorm = new GatedNormKernels(context, strided, norm);
        random = new RandomKernels(context);
        optim = new OptimKernels(context);
    }

    /** The products' launcher (the split sweep forces its chunk counts). */
    MatmulKernels matmulKernels() { return matmul; }

    /** The gated layer norm's launcher (tests compare its kernel variants). */
    GatedNormKernels gatedNormKernels() { return gatedNorm; }

    /** The channels-first layer norm's launcher (tests compare its kernel variants). */
    ChannelNormKernels channelNormKernels() { return channelNorm; }

    /** Makes this device's context current on the calling thread (once per thread). */
    void enter() {
        if (CURRENT.get() != context) {
            context.makeCurrent();
            CURRENT.set(context);
        }
    }

    /** The device context (stream, allocator, kernels). */
    public CudaContext context() { return context; }

    DeviceErrors errors() { return errors; }

    @Override public Device device() { return device; }

    /** Waits for this device's stream (used by the profiler; ops themselves never wait). */
    @Override public boolean supportsGraphs() { return true; }

    @Override public Graph captureGraph(Runnable work) { return CudaGraph.capture(context, work); }

    @Override public void synchronize() {
        enter();
        context.synchronize();
    }

    @Override public MemoryStats memoryStats() {
        CachingAllocator.Stats s = context.allocator().stats();
        return new MemoryStats(s.allocatedBytes(), s.reservedBytes(), s.peakAllocatedBytes(), s.peakReservedBytes());
    }

    @Override public void resetPeakMemory() { context.allocator().resetPeaks(); }

    /** Also sets the allocator's policy: bf16 mixed precision gives whole free segments back (CachingAllocator). */
    @Override public void setMatmulPrecision(MatmulPrecision precision) {
        context.cublas().setPrecision(precision);
        context.allocator().reuseFreeSegmentsUnlessSet(precision == MatmulPrecision.BF16);
    }

    @Override public MatmulPrecision matmulPrecision() { return context.cublas().precision(); }

    @Override public Storage allocate(DType dtype, int size) {
        enter();
        return CudaStorage.zeroed(context, dtype, size);
    }

    @Override public Storage allocateUninitialized(DType dtype, int size) {
        enter();
        return CudaStorage.uninitialized(context, dtype, size);
    }

    @Override public void copy(Tensor src, Tensor dst) {
        enter();
        StridedKernels.checkCopyShapes(src, dst);
        strided.copy(src, dst);
    }

    @Override public void fill(Tensor dst, double value) {
        enter();
        strided.fill(dst, value);
    }

    @Override public void fillRandom(Tensor dst, RandomKind kind, long seed, double a, double b) {
        enter();
        if (dst.isContiguous()) {
            random.fill(dst, kind, seed, a, b);
            return;
        }
        Tensor tmp = strided.empty(dst.dtype(), dst.shape());
        random.fill(tmp, kind, seed, a, b);
        strided.copy(tmp, dst);
        tmp.storage().release();
    }

    @Override public void fillRandom(Tensor dst, RandomKind kind, Tensor seeds, int index, double a, double b) {
        enter();
        if (dst.isContiguous()) {
            random.fill(dst, kind, seeds, index, a, b);
            return;
        }
        Tensor tmp = strided.empty(dst.dtype(), dst.shape());
        random.fill(tmp, kind, seeds, index, a, b);
        strided.copy(tmp, dst);
        tmp.storage().release();
    }

    @Override public void arange(Tensor dst, double start, double step) {
        enter();
        if (dst.isContiguous()) {
            strided.arange(dst, start, step);
            return;
        }
        Tensor tmp = strided.empty(dst.dtype(), dst.shape());
        strided.arange(tmp, start, step);
        strided.copy(tmp, dst);
        tmp.storage().release();
    }

    @Override public Tensor unary(UnaryOp op, Tensor x, double p0, double p1) { enter(); return strided.unary(op, x, p0, p1); }

    @Override public Tensor unaryGrad(UnaryOp op, Tensor x, Tensor gy, double p0, double p1) {
        enter();
        return strided.unaryGrad(op, x, gy, p0, p1);
    }

    @Override public Tensor[] biasActivationBf16(UnaryOp op, Tensor x, Tensor bias) {
        enter();
        Checks.biasActivationBf16(op, x, bias);
        return strided.biasActivationBf16(op, x, bias);
    }

    @Override public Tensor activationGradBf16(UnaryOp op, Tensor pre, Tensor gy) {
        enter();
        Checks.activationGradBf16(op, pre, gy);
        return strided.activationGradBf16(op, pre, gy);
    }

    @Override public Tensor binary(BinaryOp op, Tensor a, Tensor b) { enter(); return strided.binary(op, a, b); }

    @Override public Tensor where(Tensor cond, Tensor a, Tensor b) { enter(); return strided.where(cond, a, b); }

    @Override public Tensor reduce(ReduceOp op, Tensor x, boolean[] axes, boolean keepdim) { enter(); return reduce.reduce(op, x, axes, keepdim); }

    @Override public Tensor argReduce(boolean max, Tensor x, int axis, boolean keepdim) { enter(); return reduce.argReduce(max, x, axis, keepdim); }

    @Override public Tensor softmax(Tensor x, int axis, boolean log) { enter(); return reduce.softmax(x, axis, log); }

    @Override public Tensor matmul(Tensor a, Tensor b) { enter(); return matmul.matmul(a, b); }

    @Override public Tensor matmulBf16Result(Tensor a, Tensor b) {
        enter();
        if (a.dtype() != DType.BF16 || b.dtype() != DType.BF16 || a.rank() < 2 || b.rank() < 2) {
            return Backend.super.matmulBf16Result(a, b);   // names the operands
        }
        return matmul.matmul(a, b, true);
    }

    @Override public Tensor conv2d(Tensor x, Tensor w, Tensor bias, ConvParams p) { enter(); return conv.conv2d(x, w, bias, p); }

    @Override public Tensor conv2dInputGrad(Tensor gy, Tensor w, int[] xShape, ConvParams p) { enter(); return conv.inputGrad(gy, w, xShape, p); }

    @Override public Tensor conv2dInputGradLike(Tensor gy, Tensor w, Tensor x, ConvParams p) {
        enter();
        return conv.inputGrad(gy, w, x.shape(), p, ConvKernels.isChannelsLast(x.shape(), x.strides()));
    }

    @Override public Tensor conv2dWeightGrad(Tensor gy, Tensor x, int[] wShape, ConvParams p) { enter(); return conv.weightGrad(gy, x, wShape, p); }

    @Override public Tensor avgPool2d(Tensor x, int kh, int kw, int sh, int sw, int ph, int pw) {
        enter();
        int h = x.size(2), w = x.size(3);
        return resample.forward(x, ResampleKernels.pool(h, ResampleKernels.poolOut(h, kh, sh, ph), kh, sh, ph),
                ResampleKernels.pool(w, ResampleKernels.poolOut(w, kw, sw, pw), kw, sw, pw));
    }

    @Override public Tensor avgPool2dBackward(Tensor gy, int[] xShape, int kh, int kw, int sh, int sw, int ph, int pw) {
        enter();
        return resample.backward(gy, xShape, ResampleKernels.pool(xShape[2], gy.size(2), kh, sh, ph),
                ResampleKernels.pool(xShape[3], gy.size(3), kw, sw, pw));
    }

    @Override public Tensor adaptiveAvgPool2d(Tensor x, int oh, int ow) {
        enter();
        return resample.forward(x, ResampleKernels.adaptive(x.size(2), oh), ResampleKernels.adaptive(x.size(3), ow));
    }

    @Override public Tensor adaptiveAvgPool2dBackward(Tensor gy, int[] xShape) {
        enter();
        return resample.backward(gy, xShape, ResampleKernels.adaptive(xShape[2], gy.size(2)), ResampleKernels.adaptive(xShape[3], gy.size(3)));
    }

    @Override public Tensor interpolate(Tensor x, int oh, int ow, InterpolateMode mode, boolean alignCorners) {
        enter();
        return resample.forward(x, ResampleKernels.interp(x.size(2), oh, mode, alignCorners), ResampleKernels.interp(x.size(3), ow, mode, alignCorners));
    }

    @Override public Tensor interpolateBackward(Tensor gy, int[] xShape, InterpolateMode mode, boolean alignCorners) {
        enter();
        return resample.backward(gy, xShape, ResampleKernels.interp(xShape[2], gy.size(2), mode, alignCorners),
                ResampleKernels.interp(xShape[3], gy.size(3), mode, alignCorners));
    }

    @Override public Tensor gather(Tensor x, int axis, Tensor index) { enter(); return this.index.gather(x, axis, index); }

    @Override public Tensor scatterAdd(Tensor target, int axis, Tensor index, Tensor src) { enter(); return this.index.scatterAdd(target, axis, index, src); }

    @Override public Tensor indexSelect(Tensor x, int axis, Tensor index) { enter(); return this.index.indexSelect(x, axis, index); }

    @Override public Tensor indexAdd(Tensor target, int axis, Tensor index, Tensor src) { enter(); return this.index.indexAdd(target, axis, index, src); }

    @Override public Tensor[] layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) { enter(); return norm.layerNorm(x, weight, bias, eps); }

    @Override public Tensor[] rmsNorm(Tensor x, Tensor weight, double eps) { enter(); return norm.rmsNorm(x, weight, eps); }

    @Override public Tensor[] addRmsNorm(Tensor x, Tensor residual, Tensor weight, double eps) {
        enter();
        return norm.addRmsNorm(x, residual, weight, eps);
    }

    @Override public Tensor residualAdd(Tensor x, Tensor y, Tensor bias, Tensor scale) {
        enter();
        dev.jmamba.tensor.Checks.residualAdd(x, y, bias, scale);
        if (!x.isContiguous() || !y.isContiguous() || x.numel() > Integer.MAX_VALUE) return Backend.super.residualAdd(x, y, bias, scale);
        return strided.residualAdd(x, y, bias, scale);
    }

    @Override public Tensor[] layerNormBf16(Tensor x, Tensor weight, Tensor bias, double eps, boolean keepNormalized) {
        enter();
        dev.jmamba.tensor.Checks.layerNormBf16(x, weight, bias);
        if (!NormKernels.bf16WarpFits(x.size(-1))) return Backend.super.layerNormBf16(x, weight, bias, eps, keepNormalized);
        return norm.layerNormBf16(x, weight, bias, eps, keepNormalized);
    }

    @Override public Tensor layerNormAffineBf16(Tensor xhat, Tensor weight, Tensor bias) {
        enter();
        dev.jmamba.tensor.Checks.layerNormAffineBf16(xhat, weight, bias);
        return norm.layerNormAffineBf16(xhat, weight, bias);
    }

    @Override public Tensor[] layerNormBf16Backward(Tensor gy, Tensor xhat, Tensor rstd, Tensor weight, boolean inputGrad, boolean paramGrads) {
        enter();
        dev.jmamba.tensor.Checks.layerNormBf16Backward(gy, xhat, rstd, weight);
        return norm.layerNormBf16Backward(gy, xhat, rstd, weight, inputGrad, paramGrads);
    }

    @Override public Tensor[] layerNormBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, boolean inputGrad,
                                                boolean paramGrads) {
        enter();
        return norm.layerNormBackward(gy, x, mean, rstd, weight, inputGrad, paramGrads);
    }

    @Override public Tensor[] layerNormChannels(Tensor x, Tensor weight, Tensor bias, Tensor scale, Tensor skip, Tensor skipWeight,
                                                double eps) {
        enter();
        return channelNorm.forward(x, weight, bias, scale, skip, skipWeight, eps);
    }

    @Override public Tensor[] layerNormChannelsBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias,
                                                        Tensor scale, Tensor skip, Tensor skipWeight, boolean inputGrad,
                                                        boolean paramGrads, boolean scaleGrad, boolean skipGrads) {
        enter();
        return channelNorm.backward(gy, x, mean, rstd, weight, bias, scale, skip, skipWeight, inputGrad, paramGrads, scaleGrad, skipGrads);
    }

    @Override public Tensor[] layerNormGated(Tensor x, Tensor weight, Tensor bias, Tensor z, double eps) {
        enter();
        return gatedNorm.forward(x, weight, bias, z, eps);
    }

    @Override public Tensor[] layerNormGatedBackward(Tensor gy, Tensor x, Tensor mean, Tensor rstd, Tensor weight, Tensor bias,
                                                     Tensor z, boolean inputGrad, boolean paramGrads, boolean gateGrad) {
        enter();
        return gatedNorm.backward(gy, x, mean, rstd, weight, bias, z, inputGrad, paramGrads, gateGrad);
    }

    @Override public Tensor depthwiseConv2dSilu(Tensor x, Tensor w, Tensor bias, ConvParams p) {
        enter();
        return depthwiseSilu.forward(x, w, bias, p);
    }

    @Override public Tensor[] depthwiseConv2dSiluBackward(Tensor gy, Tensor x, Tensor w, Tensor bias, ConvParams p,
                                                          boolean inputGrad, boolean weightGrad, boolean biasGrad) {
        enter();
        Tensor[] fused = depthwiseSilu.backward(gy, x, w, bias, p, inputGrad, weightGrad, biasGrad);
        return fused != null ? fused : Backend.super.depthwiseConv2dSiluBackward(gy, x, w, bias, p, inputGrad, weightGrad, biasGrad);
    }

    @Override public Tensor depthwiseConv2dSiluGrad(Tensor gy, Tensor x, Tensor w, Tensor bias, ConvParams p) {
        enter();
        if (gy == null) throw new dev.jmamba.tensor.TensorException("depthwiseConv2dSiluGrad", "a gy tensor", "null");
        return depthwiseSilu.apply(x, w, bias, gy, p);
    }

    @Override public Tensor[] addRmsNormBackward(Tensor gy, Tensor gSum, Tensor sum, Tensor rstd, Tensor weight, boolean weightGrad) {
        enter();
        return norm.addRmsNormBackward(gy, gSum, sum, rstd, weight, weightGrad);
    }

    @Override public void adamwUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1, double beta2,
                                      double eps, double weightDecay, double biasCorrection1, double biasCorrection2) {
        enter();
        Updates.AdamwFactors f = Updates.AdamwFactors.of(param, grad, expAvg, expAvgSq, lr, beta1, beta2, eps, weightDecay,
                biasCorrection1, biasCorrection2);
        optim.adamw(param, grad, expAvg, expAvgSq, f);
    }

    @Override public void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuf, double lr, double momentum, double dampening,
                                    double weightDecay, boolean nesterov, boolean firstStep) {
        enter();
        Updates.SgdFactors f = Updates.SgdFactors.of(param, grad, momentumBuf, lr, momentum, dampening, weightDecay, nesterov, firstStep);
        optim.sgd(param, grad, momentumBuf, f);
    }

    @Override public void adamwUpdate(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor factors) {
        enter();
        Checks.updateOperands("adamwUpdate", param, new String[] {"grad", "expAvg", "expAvgSq"}, grad, expAvg, expAvgSq);
        Updates.checkFactors("adamwUpdate", param, factors, Updates.AdamwFactors.COUNT);
        optim.adamw(param, grad, expAvg, expAvgSq, factors);
    }

    @Override public void adamwUpdateList(java.util.List<Tensor[]> updates, double[][] hyper) {
        enter();
        java.util.List<Updates.AdamwFactors> factors = new java.util.ArrayList<>(updates.size());
        for (int i = 0; i < updates.size(); i++) {
            Tensor[] u = updates.get(i);
            double[] h = hyper[i];
            factors.add(Updates.AdamwFactors.of(u[0], u[1], u[2], u[3], h[0], h[1], h[2], h[3], h[4], h[5], h[6]));
        }
        optim.adamwList(updates, factors, null);
    }

    @Override public void adamwUpdateList(java.util.List<Tensor[]> updates, java.util.List<Tensor> factorRows) {
        enter();
        for (int i = 0; i < updates.size(); i++) {
            Tensor[] u = updates.get(i);
            Checks.updateOperands("adamwUpdate", u[0], new String[] {"grad", "expAvg", "expAvgSq"}, u[1], u[2], u[3]);
            Updates.checkFactors("adamwUpdate", u[0], factorRows.get(i), Updates.AdamwFactors.COUNT);
        }
        optim.adamwList(updates, null, factorRows);
    }

    @Override public void sumOfSquaresInto(java.util.List<Tensor> xs, Tensor out) {
        enter();
        optim.sumSquares(xs, out);                // an empty tensor gives 0
    }

    @Override public void sgdUpdate(Tensor param, Tensor grad, Tensor momentumBuf, Tensor factors, boolean decayed, boolean nesterov,
                                    boolean firstStep) {
        enter();
        Updates.SgdFactors.checkOperands(param, grad, momentumBuf, nesterov);
        Updates.checkFactors("sgdUpdate", param, factors, Updates.SgdFactors.COUNT);
        optim.sgd(param, grad, momentumBuf, factors, decayed, nesterov, firstStep);
    }

    @Override public dev.jmamba.tensor.BatchStaging batchStaging(int slots, DType[] dtypes, int[][] shapes) {
        return new CudaStaging(this, slots, dtypes, shapes);
    }

    @Override public String toString() { return "CudaBackend(" + context + ")"; }
}
