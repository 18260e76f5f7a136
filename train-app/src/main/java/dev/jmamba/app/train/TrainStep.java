package dev.jmamba.app.train;

import dev.jmamba.app.data.Batch;
import dev.jmamba.app.data.DeviceBatch;
import dev.jmamba.app.dist.DataParallel;
import dev.jmamba.vision.models.Classifier;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Losses;
import dev.jmamba.nn.Parameter;
import dev.jmamba.nn.RandomLayer;
import dev.jmamba.optim.AdamW;
import dev.jmamba.optim.Ema;
import dev.jmamba.optim.GradClip;
import dev.jmamba.optim.GraphedStep;
import dev.jmamba.nn.DeviceSeeds;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.BatchStaging;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;
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
 * <p>The global norm is always computed, as the non-finite check needs it: one fused pass per
 * gradient ({@link dev.jmamba.tensor.Updates#sumOfSquares}: a read of every gradient, no write);
 * with clipping off nothing else happens.
 *
 * <p><b>{@code --graph}.</b> The first step runs eagerly (it compiles the kernels and creates the
 * optimizer state and device factors); the second is captured in a CUDA graph
 * ({@link GraphedStep#captureWarm}) on static input tensors, its dropout / drop-path draws recorded
 * on a {@link DeviceSeeds} table; from then on each step copies its uploaded batch into the static
 * inputs, writes the step's optimizer factors and seeds, and replays the graph: one launch instead
 * of thousands, with the eager steps' results bit for bit. Where the backend has no graphs, or the
 * capture fails, the steps stay eager and {@link #takeNote()} says why in one sentence.
 */
final class TrainStep implements AutoCloseable {
    private final Classifier model;
    private final List<Parameter> params;
    private final AdamW optimizer;
    private final Ema ema;
    private final double clipGrad, labelSmoothing;
    private final Device device;
    private final BatchStaging staging;
    /** The step's inputs: images (B, C, H, W) F32, labels (B) I32 and, with soft targets, (B, K) F32. */
    private final DType[] inputTypes;
    private final int[][] inputShapes;
    private final boolean soft;
    /** Images arrive on the device ({@link DeviceBatch}); the staging ring carries the labels and soft targets only. */
    private final boolean imagesOnDevice;
    /** Averages the gradients and the loss over the ranks of a data-parallel run; null in a single process. */
    private DataParallel dataParallel;
    /** Device accumulators, () F64 each, outside any Scope: since the last read, except consecutive. */
    private final Tensor lossSum, finiteSteps, nonfiniteSteps, consecutive;
    private long uploadNanos;
    /** {@code --graph}: capture the step in a CUDA graph after the first eager step and replay it. */
    private boolean wantGraph;
    private GraphedStep graphed;
    private DeviceSeeds seeds;
    private Tensor[] staticInputs;
    private String note;

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
        this(model, optimizer, ema, clipGrad, labelSmoothing, device, batchSize, imageShape, numClasses, soft, false);
    }

    /**
     * @param graph capture the step in a CUDA graph after the first eager step and replay it from then on
     *              ({@link #run}); where that is not possible the step stays eager and {@link #takeNote()}
     *              says why in one sentence
     */
    TrainStep(Classifier model, AdamW optimizer, Ema ema, double clipGrad, double labelSmoothing, Device device, int batchSize,
              int[] imageShape, int numClasses, boolean soft, boolean graph) {
        this(model, optimizer, ema, clipGrad, labelSmoothing, device, batchSize, imageShape, numClasses, soft, graph, false);
    }

    /**
     * @param imagesOnDevice the batches' images come as device tensors ({@link #run(DeviceBatch, double, long)}):
     *                       only the labels (and soft targets) go through the upload ring
     */
    TrainStep(Classifier model, AdamW optimizer, Ema ema, double clipGrad, double labelSmoothing, Device device, int batchSize,
              int[] imageShape, int numClasses, boolean soft, boolean graph, boolean imagesOnDevice) {
        this.model = model;
        this.params = model.module().parameters();
        this.optimizer = optimizer;
        this.ema = ema;
        this.clipGrad = clipGrad;
        this.labelSmoothing = labelSmoothing;
        this.device = device;
        this.soft = soft;
        int[] images = {batchSize, imageShape[0], imageShape[1], imageShape[2]};
        this.inputTypes = soft ? new DType[] {DType.F32, DType.I32, DType.F32} : new DType[] {DType.F32, DType.I32};
        this.inputShapes = soft ? new int[][] {images, {batchSize}, {batchSize, numClasses}} : new int[][] {images, {batchSize}};
        this.imagesOnDevice = imagesOnDevice;
        this.staging = imagesOnDevice
                ? BatchStaging.create(device, 3, Arrays.copyOfRange(inputTypes, 1, inputTypes.length), Arrays.copyOfRange(inputShapes, 1, inputShapes.length))
                : BatchStaging.create(device, 3, inputTypes, inputShapes);
        Tensor[] acc = Scope.unowned(() -> new Tensor[] {zero(), zero(), zero(), zero()});
        lossSum = acc[0];
        finiteSteps = acc[1];
        nonfiniteSteps = acc[2];
        consecutive = acc[3];
        if (graph && !Backends.raw(device).supportsGraphs()) {
            note = "--graph: CUDA graphs need --device cuda; this run on " + device + " steps eagerly";
        } else {
            wantGraph = graph;
        }
    }

    /** A message about the step's mode to show once (why --graph is not in effect, or that it is), or null; cleared by the call. */
    String takeNote() {
        String n = note;
        note = null;
        return n;
    }

    /** True when the next {@link #run} captures the step in a CUDA graph (--graph, after the first eager step). */
    boolean capturesNext() { return wantGraph && graphed == null && optimizer.usesDeviceFactors(); }

    /** True once the step runs as replays of a captured CUDA graph. */
    boolean graphed() { return graphed != null; }

    private Tensor zero() {
        return Tensor.zeros(DType.F64, device);
    }

    /** Makes every step average its gradients (and loss) over the ranks of {@code dp}, during backward when it overlaps. */
    void dataParallel(DataParallel dp) {
        this.dataParallel = dp;
        if (wantGraph) {   // the all-reduce runs outside a captured graph for now
            wantGraph = false;
            note = "--graph: not used in data-parallel runs yet (the gradient all-reduce is not captured); this run steps eagerly";
        }
    }

    /** Queues one step on {@code batch} at learning rate {@code lr}; {@code step} positions the dropout streams. */
    void run(Batch batch, double lr, long step) {
        if (imagesOnDevice) throw new IllegalStateException("TrainStep: set up for device batches, got a host batch");
        requireSoftTargets(batch.softTargets());
        long t0 = System.nanoTime();
        Tensor[] in = soft ? staging.upload(batch.images(), batch.labels(), batch.softTargets())
                : staging.upload(batch.images(), batch.labels());
        uploadNanos = System.nanoTime() - t0;
        run(in, lr, step);
    }

    /**
     * Queues one step on a batch whose images already live on the device (no host copy: the eager step
     * reads the loader's buffer, a graphed step copies it into its static input on the device); only
     * the labels and soft targets are uploaded. The caller releases the batch after this returns.
     */
    void run(DeviceBatch batch, double lr, long step) {
        if (!imagesOnDevice) throw new IllegalStateException("TrainStep: set up for host batches, got a device batch");
        requireSoftTargets(batch.softTargets());
        Tensor images = batch.images();
        if (!images.device().equals(device) || !Shapes.same(images.shape(), inputShapes[0]) || images.dtype() != DType.F32) {
            throw new IllegalArgumentException("TrainStep: device batch images must be " + Shapes.str(inputShapes[0]) + " F32 on " + device
                    + ", got " + images);
        }
        long t0 = System.nanoTime();
        Tensor[] small = soft ? staging.upload(batch.labels(), batch.softTargets()) : staging.upload(batch.labels());
        uploadNanos = System.nanoTime() - t0;
        Tensor[] in = new Tensor[small.length + 1];
        in[0] = images;
        System.arraycopy(small, 0, in, 1, small.length);
        run(in, lr, step);
    }

    private void requireSoftTargets(float[] softTargets) {
        if (soft != (softTargets != null)) {
            throw new IllegalArgumentException("TrainStep: " + (soft ? "soft targets expected (mixup / cutmix), got none" : "no soft targets expected, got some"));
        }
    }

    private void run(Tensor[] in, double lr, long step) {
        model.module().train(true);
        RandomLayer.seekAll(model.module(), step);   // dropout / drop-path masks a function of (seed, step): resume-exact
        try (Scope scope = Scope.open()) {
            if (capturesNext()) capture(step);
            if (graphed != null) {
                optimizer.setLr(lr);
                seeds.write(step);                     // this step's dropout / drop-path seeds
                graphed.replay(in);                    // copies the batch into the static inputs, writes the factors, launches
            } else {
                deviceStep(in, lr);
            }
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

    /** The step without host reads, eagerly. */
    private void deviceStep(Tensor[] in, double lr) {
        Map<String, Tensor> buffers = saveBuffers();
        Var loss = loss(in);
        if (dataParallel != null) dataParallel.expectBackward();   // buckets are all-reduced as backward fills them
        loss.backward();
        Tensor lossValue = dataParallel == null ? loss.value() : dataParallel.averageGradients(loss.value());   // the same on every rank
        if (!optimizer.usesDeviceFactors()) optimizer.useDeviceFactorsForGradients();   // first step of this process
        optimizer.setLr(lr);
        optimizer.writeDeviceFactors();
        update(lossValue, buffers);
    }

    /** The step as captured: the factors and seeds are written before each replay, outside the graph. */
    private Tensor graphBody(Tensor[] in) {
        Map<String, Tensor> buffers = saveBuffers();
        Var loss = loss(in);
        loss.backward();
        update(loss.value(), buffers);
        return loss.value();
    }

    /** After backward, with the step's factors written: finite check, clipping, gated update, EMA, buffers, counters. */
    private void update(Tensor loss, Map<String, Tensor> buffers) {
        Tensor sumSquares = GradClip.sumOfSquaresOnDevice(params);                        // () F64
        Tensor ok = finite(loss).mul(finite(sumSquares));                                   // () F64: 1 = the step counts
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
        accumulate(loss, ok);
    }

    /**
     * Captures the step (the second of this process: the first ran eagerly and created the optimizer
     * state and device factors) on static input tensors that each replay's batch is copied into, its
     * random layers recorded on a {@link DeviceSeeds} table. On failure the run goes on eagerly and
     * {@link #takeNote()} says why.
     */
    private void capture(long step) {
        Tensor[] inputs = Scope.unowned(() -> {
            Tensor[] t = new Tensor[inputShapes.length];
            for (int i = 0; i < t.length; i++) t[i] = Tensor.empty(inputTypes[i], device, inputShapes[i]);
            return t;
        });
        DeviceSeeds table = DeviceSeeds.forModel(model.module(), device);
        String failure = null;
        try (AutoCloseable recording = table.record(step)) {
            graphed = GraphedStep.captureWarm(optimizer, List.of(inputs), () -> graphBody(inputs));
        } catch (Exception e) {
            graphed = null;
            failure = e.getMessage();
        } finally {
            wantGraph = false;
        }
        if (graphed == null) {
            optimizer.zeroGrad();        // gradients a failed capture left behind name blocks the allocator took back
            table.close();
            for (Tensor t : inputs) t.storage().release();
            note = "--graph: the training step could not be captured in a CUDA graph (" + failure + "); the run goes on with eager steps";
            return;
        }
        seeds = table;
        staticInputs = inputs;
        note = "--graph: the training step was captured in a CUDA graph at step " + step + " (" + table.draws()
                + " random draws per step seeded from the device); replaying it from now on";
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
        if (graphed != null) graphed.close();                 // waits for the queued replays
        if (seeds != null) seeds.close();
        if (staticInputs != null) for (Tensor t : staticInputs) t.storage().release();
        staging.close();
        for (Tensor t : new Tensor[] {lossSum, finiteSteps, nonfiniteSteps, consecutive}) t.storage().release();
    }
}
