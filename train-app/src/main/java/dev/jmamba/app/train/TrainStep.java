package dev.jmamba.app.train;

import dev.jmamba.app.data.Batch;
import dev.jmamba.app.dist.DataParallel;
import dev.jmamba.vision.models.Classifier;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Losses;
import dev.jmamba.nn.Parameter;
import dev.jmamba.nn.RandomLayer;
import dev.jmamba.optim.AdamW;
import dev.jmamba.optim.Ema;
import dev.jmamba.optim.GradClip;
import dev.jmamba.tensor.BatchStaging;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One optimisation step of the trainer, queued without reading anything back to the host: the
 * batch is uploaded ahead through a {@link BatchStaging} ring (page-locked memory and a copy stream
 * on a GPU); whether the step counts — its loss and global gradient norm are finite — is a flag on
 * the device that calls the optimizer update off ({@link dev.jmamba.optim.Optimizer#gateDeviceStep}),
 * keeps the EMA ({@link Ema#updateGated}) and restores the model's buffers (BatchNorm statistics);
 * gradient clipping is folded into the AdamW factors ({@link AdamW#scaleGradientsOnDevice}), so it
 * costs two tiny kernels and no pass over the gradients; the loss and the step counts add up in
 * device accumulators that {@link #read()} fetches (one host read) when the trainer logs.
 *
 * <p>The optimizer works on device factors from the first step on
 * ({@link dev.jmamba.optim.Optimizer#useDeviceFactorsForGradients}: the parameters with a gradient
 * after the first backward, state created as an eager first update would). A step called off on the
 * device still advances the optimizer's bias-correction counter (it was set before the step was known
 * to fail); parameters, moments and buffers stay untouched.
 *
 * <p>The global norm is always computed, as the non-finite check needs it: one reduction per
 * gradient (a read of every gradient, no write); with clipping off nothing else happens.
 */
final class TrainStep implements AutoCloseable {
    private final Classifier model;
    private final List<Parameter> params;
    private final AdamW optimizer;
    private final Ema ema;
    private final double clipGrad, labelSmoothing;
    private final Device device;
    private final BatchStaging staging;
    private final boolean soft;
    /** Averages the gradients and the loss over the ranks of a data-parallel run; null in a single process. */
    private DataParallel dataParallel;
    /** Device accumulators, () F64 each, outside any Scope: since the last read, except consecutive. */
    private final Tensor lossSum, finiteSteps, nonfiniteSteps, consecutive;
    private long uploadNanos;

    /** What {@link #read()} returns: sums since the previous read, and the current run of non-finite steps. */
    record Counters(double lossSum, long finiteSteps, long nonfiniteSteps, long consecutiveNonfinite) {
        double meanLoss() { return finiteSteps == 0 ? Double.NaN : lossSum / finiteSteps; }
    }

    /**
     * @param batchSize images per batch B (fixed: the training loader drops the last partial batch)
     * @param imageShape (C, H, W) of the images
     * @param numClasses K, for soft targets (B, K) when {@code soft}
     */
    TrainStep(Classifier model, AdamW optimizer, Ema ema, double clipGrad, double labelSmoothing, Device device, int batchSize,
              int[] imageShape, int numClasses, boolean soft) {
        this.model = model;
        this.params = model.module().parameters();
        this.optimizer = optimizer;
        this.ema = ema;
        this.clipGrad = clipGrad;
        this.labelSmoothing = labelSmoothing;
        this.device = device;
        this.soft = soft;
        int[] images = {batchSize, imageShape[0], imageShape[1], imageShape[2]};
        this.staging = soft
                ? BatchStaging.create(device, 3, new DType[] {DType.F32, DType.I32, DType.F32}, new int[][] {images, {batchSize}, {batchSize, numClasses}})
                : BatchStaging.create(device, 3, new DType[] {DType.F32, DType.I32}, new int[][] {images, {batchSize}});
        Tensor[] acc = Scope.unowned(() -> new Tensor[] {zero(), zero(), zero(), zero()});
        lossSum = acc[0];
        finiteSteps = acc[1];
        nonfiniteSteps = acc[2];
        consecutive = acc[3];
    }

    private Tensor zero() {
        return Tensor.zeros(DType.F64, device);
    }

    /** Makes every step average its gradients (and loss) over the ranks of {@code dp} after backward. */
    void dataParallel(DataParallel dp) {
        this.dataParallel = dp;
    }

    /** Queues one step on {@code batch} at learning rate {@code lr}; {@code step} positions the dropout streams. */
    void run(Batch batch, double lr, long step) {
        model.module().train(true);
        RandomLayer.seekAll(model.module(), step);   // dropout / drop-path masks a function of (seed, step): resume-exact
        try (Scope scope = Scope.open()) {
            long t0 = System.nanoTime();
            Tensor[] in = soft ? staging.upload(batch.images(), batch.labels(), batch.softTargets())
                    : staging.upload(batch.images(), batch.labels());
            uploadNanos = System.nanoTime() - t0;
            deviceStep(in, lr);
            staging.consumed();
        }
    }

    /** Host time of the latest {@link #run}'s upload (the copy into page-locked memory and the queued transfer). */
    long lastUploadNanos() { return uploadNanos; }

    /**
     * Whether {@link #run} is done with the batch's arrays when it returns: true where the upload copies
     * them (a GPU); false on the CPU, where the step's input tensor wraps the image array.
     */
    boolean copiesBatches() { return !(device instanceof Device.Cpu); }

    private Var loss(Tensor[] in) {
        Var logits = model.forward(Var.of(in[0]));                                       // (B, K)
        return soft ? Losses.softCrossEntropy(logits, in[2]) : Losses.crossEntropy(logits, in[1], labelSmoothing);
    }

    /** The buffers' values before the step (BatchNorm statistics), to restore when the step is called off; empty for most models. */
    private Map<String, Tensor> saveBuffers() {
        Map<String, Tensor> saved = new LinkedHashMap<>();
        for (var e : model.module().namedBuffers().entrySet()) saved.put(e.getKey(), e.getValue().copy());
        return saved;
    }

    /** The step without host reads. */
    private void deviceStep(Tensor[] in, double lr) {
        Map<String, Tensor> buffers = saveBuffers();
        Var loss = loss(in);
        loss.backward();
        Tensor lossValue = dataParallel == null ? loss.value() : dataParallel.averageGradients(loss.value());   // the same on every rank
        if (!optimizer.usesDeviceFactors()) optimizer.useDeviceFactorsForGradients();   // first step of this process
        optimizer.setLr(lr);
        optimizer.writeDeviceFactors();
        Tensor sumSquares = GradClip.sumOfSquaresOnDevice(params);                        // () F64
        Tensor ok = finite(lossValue).mul(finite(sumSquares));                           // () F64: 1 = the step counts
        if (clipGrad > 0) optimizer.scaleGradientsOnDevice(GradClip.clipCoefficientOnDevice(sumSquares, clipGrad));
        optimizer.gateDeviceStep(ok);
        optimizer.step();
        if (ema != null) ema.updateGated(model.module(), ok);
        if (!buffers.isEmpty()) {
            Map<String, Tensor> live = model.module().namedBuffers();
            for (var e : buffers.entrySet()) {
                Tensor t = live.get(e.getKey());
                t.copyFrom(Tensor.where(ok.to(t.device()), t, e.getValue()).to(t.dtype()));
            }
        }
        optimizer.zeroGrad();
        accumulate(lossValue, ok);
    }

    /** 1 where {@code x} () is finite, else 0, as F64. */
    private static Tensor finite(Tensor x) {
        return x.nonFinite().to(DType.F64).neg().add(1);
    }

    /** Adds a step's loss (when it counts) and counts to the device accumulators. */
    private void accumulate(Tensor loss, Tensor ok) {
        Tensor zero = Tensor.scalar(0, DType.F64, device);
        Tensor notOk = ok.neg().add(1);
        lossSum.copyFrom(lossSum.add(Tensor.where(ok, loss.reshape().to(DType.F64), zero)));
        finiteSteps.copyFrom(finiteSteps.add(ok));
        nonfiniteSteps.copyFrom(nonfiniteSteps.add(notOk));
        consecutive.copyFrom(consecutive.add(1).mul(notOk));
    }

    /** Reads the accumulators (waits for the queued steps) and starts new sums. */
    Counters read() {
        try (Scope scope = Scope.open()) {
            double[] v = Tensor.stack(0, lossSum, finiteSteps, nonfiniteSteps, consecutive).toDoubleArray();
            lossSum.fill(0);
            finiteSteps.fill(0);
            nonfiniteSteps.fill(0);
            return new Counters(v[0], Math.round(v[1]), Math.round(v[2]), Math.round(v[3]));
        }
    }

    /** Sets the run of non-finite steps (from a checkpoint when resuming). */
    void setConsecutiveNonfinite(long n) {
        consecutive.fill(n);
    }

    @Override public void close() {
        staging.close();
        for (Tensor t : new Tensor[] {lossSum, finiteSteps, nonfiniteSteps, consecutive}) t.storage().release();
    }
}
