package dev.jmamba.app.train;

import dev.jmamba.vision.checkpoint.CheckpointStore;
import dev.jmamba.vision.checkpoint.RunConfig;
import dev.jmamba.vision.checkpoint.TrainerState;
import dev.jmamba.app.UserError;
import dev.jmamba.app.data.DataLoader;
import dev.jmamba.app.data.DeviceBatchLoader;
import dev.jmamba.app.data.SamplePipeline;
import dev.jmamba.app.data.SlotDecoding;
import dev.jmamba.app.data.cuda.NvjpegSlots;
import dev.jmamba.app.data.MixupCutmix;
import dev.jmamba.app.data.Shard;
import dev.jmamba.app.dist.DataParallel;
import dev.jmamba.app.dist.DistributedRun;
import dev.jmamba.app.metrics.CurvesPlot;
import dev.jmamba.app.metrics.MetricsLog;
import dev.jmamba.nn.ActivationCheckpointing;
import dev.jmamba.nn.RandomLayer;
import dev.jmamba.vision.models.ModelRegistry;
import dev.jmamba.vision.models.Classifier;
import dev.jmamba.optim.AdamW;
import dev.jmamba.optim.Ema;
import dev.jmamba.optim.LrSchedule;
import dev.jmamba.optim.ParamGroups;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.MemoryStats;
import dev.jmamba.tensor.Tensor;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The training loop: AdamW with a warm-up + cosine schedule per step, optional mixup / cutmix, label
 * smoothing, gradient clipping and EMA; one evaluation per epoch and at the end; metrics in
 * {@code metrics.jsonl}; checkpoints every {@code checkpointEvery} steps, per epoch and at the end.
 *
 * <p>A step whose loss or gradient norm is not finite changes nothing (no update, BatchNorm running
 * statistics restored) and is counted; {@code maxNonfinite} such steps in a row stop the run with the
 * last checkpoint left as it was. Resuming from a checkpoint continues bit for bit: the data position,
 * schedule position, optimizer state, model buffers and EMA all come from the checkpoint.
 *
 * <p>Steps are queued without host reads ({@link TrainStep}): the loss, the step counts and the
 * non-finite run are read from the device every step on the CPU (free there) and on a GPU only when
 * they are needed — a metrics record ({@code logEvery}), a checkpoint, the end of an epoch or of the
 * run, a stop — so a GPU run notices {@code maxNonfinite} bad steps in a row at the next of those.
 */
public final class Trainer {

    /**
     * Settings that do not change the result of a run.
     *
     * @param outDir          run folder
     * @param device          where the model runs
     * @param workers         data loader threads
     * @param checkpointEvery steps between checkpoints (0 = only per epoch and at the end)
     * @param stopAtStep      stop (with a checkpoint) once this many steps are done, 0 = run to the end
     * @param logEvery        steps per metrics record
     * @param terminal        show a progress bar instead of plain lines
     * @param maxNonfinite    non-finite steps in a row that stop the run
     * @param checkpointActivations recompute each block's activations in backward (less memory, more compute)
     * @param stop            a graceful stop (SIGINT / SIGTERM): polled between steps; when requested the run
     *                        writes a checkpoint after the current step and ends (no evaluation); null = none
     * @param graph           capture the training step in a CUDA graph after the first step and replay it
     *                        ({@link TrainStep}); elsewhere the run says so in one line and steps eagerly
     * @param decoder         how JPEGs of an image folder are decoded; {@link TrainDecoder#NVJPEG}: training
     *                        batches decoded on the GPU into device buffers ({@link DeviceBatchLoader})
     */
    public record Options(Path outDir, Device device, int workers, long checkpointEvery, long stopAtStep, int logEvery,
                          boolean terminal, int maxNonfinite, boolean checkpointActivations, StopSignal stop, boolean graph,
                          TrainDecoder decoder) {

        /** Options with JPEGs decoded on the host (TurboJPEG where present). */
        public Options(Path outDir, Device device, int workers, long checkpointEvery, long stopAtStep, int logEvery,
                       boolean terminal, int maxNonfinite, boolean checkpointActivations, StopSignal stop, boolean graph) {
            this(outDir, device, workers, checkpointEvery, stopAtStep, logEvery, terminal, maxNonfinite, checkpointActivations, stop, graph,
                    TrainDecoder.AUTO);
        }

        /** Options with eager steps. */
        public Options(Path outDir, Device device, int workers, long checkpointEvery, long stopAtStep, int logEvery,
                       boolean terminal, int maxNonfinite, boolean checkpointActivations, StopSignal stop) {
            this(outDir, device, workers, checkpointEvery, stopAtStep, logEvery, terminal, maxNonfinite, checkpointActivations, stop, false);
        }

        /** Options without a stop signal. */
        public Options(Path outDir, Device device, int workers, long checkpointEvery, long stopAtStep, int logEvery,
                       boolean terminal, int maxNonfinite) {
            this(outDir, device, workers, checkpointEvery, stopAtStep, logEvery, terminal, maxNonfinite, false, null);
        }
    }

    /**
     * How the run ended.
     *
     * @param step          steps done
     * @param lastEval      the last evaluation, null if none
     * @param lastEmaEval   the last evaluation of the EMA weights, null if none
     * @param finished      whether the whole run is done
     * @param skippedImages unreadable images skipped so far (distinct files)
     * @param lastCheckpointStep the step of the checkpoint now on disk, -1 when there is none
     * @param stoppedBy     the signal that stopped the run early ("INT", "TERM"), or null
     */
    public record Outcome(long step, Evaluator.Result lastEval, Evaluator.Result lastEmaEval, boolean finished, long skippedImages,
                          long lastCheckpointStep, String stoppedBy) {}

    private final RunConfig cfg;
    private final Options opt;
    private final PrintWriter out;
    private final RunConfig.Recipe recipe;
    private final Classifier model;
    private final Classifier emaModel;
    private final AdamW optimizer;
    private final LrSchedule schedule;
    private final Ema ema;
    private final RunData data;
    private final MixupCutmix mixing;
    private final int numClasses;

    private final boolean hostReadsAreFree;
    /** Writes device batches with {@code --decoder nvjpeg}; null = nvJPEG on the run's device. */
    private final SlotDecoding slotDecoding;
    private TrainStep trainStep;   // while the loop runs
    /** This process's place in a data-parallel run, or null for a single process; {@code dataParallel} with it. */
    private final DistributedRun dist;
    private final DataParallel dataParallel;
    /** In a data-parallel run: some rank was asked to stop (agreed at the last counter read). */
    private boolean stopAgreed;

    private long step;
    private int epoch, batchInEpoch;
    private long nonfinite;
    private int consecutiveNonfinite;
    private double trainSeconds;
    private long lastCheckpointStep = -1;

    private Trainer(RunConfig cfg, CheckpointStore.Loaded resume, Options opt, PrintWriter out, DistributedRun dist, SlotDecoding slotDecoding) {
        this.cfg = cfg;
        this.slotDecoding = slotDecoding;
        this.dist = dist;
        this.opt = opt;
        this.out = out;
        this.recipe = cfg.recipe();
        this.numClasses = cfg.model().numClasses();
        this.data = RunData.open(cfg.data()).withDecoder(opt.decoder().host());
        this.hostReadsAreFree = opt.device() instanceof Device.Cpu;
        this.model = buildModel(cfg, opt.device());
        if (opt.checkpointActivations() && ActivationCheckpointing.enable(model.module(), true) == 0) {
            throw UserError.usage("--checkpoint-activations: model " + cfg.model().name() + " has no block stages to checkpoint");
        }
        if (resume != null) loadModel(model, resume.model(), resume.dir().resolve(CheckpointStore.MODEL));
        this.dataParallel = dist == null ? null : dist.dataParallel(model.module());   // every rank starts from rank 0's weights
        this.optimizer = new AdamW(ParamGroups.noDecayFor(model.module(), recipe.weightDecay()), recipe.lr());
        long warmup = Math.min(recipe.warmupSteps(), recipe.totalSteps() - 1);
        this.schedule = LrSchedule.warmupCosine(recipe.lr(), warmup, recipe.totalSteps(), recipe.warmupStartLr(), recipe.minLr());
        this.ema = recipe.emaDecay() > 0 ? new Ema(model.module(), recipe.emaDecay()) : null;
        this.emaModel = ema == null ? null : buildModel(cfg, opt.device());
        this.mixing = recipe.mixup() > 0 || recipe.cutmix() > 0
                ? new MixupCutmix(recipe.mixup(), recipe.cutmix(), 1.0, 0.5, recipe.labelSmoothing(), numClasses) : null;
        if (resume != null) restore(resume);
    }

    /** Runs (or continues, when {@code resume} is not null) the run {@code cfg}. */
    public static Outcome run(RunConfig cfg, CheckpointStore.Loaded resume, Options opt, PrintWriter out) {
        return run(cfg, resume, opt, out, null);
    }

    /**
     * {@link #run(RunConfig, CheckpointStore.Loaded, Options, PrintWriter)} as one rank of the data-parallel
     * run {@code dist} (null: a single process). The recipe's batch size is the global batch: each rank
     * loads its {@link Shard} of it, gradients are averaged over the ranks after backward, and only rank
     * 0 evaluates and writes metrics, checkpoints and curves. The data position and the schedule count
     * global batches, so a run can resume with another number of processes.
     */
    public static Outcome run(RunConfig cfg, CheckpointStore.Loaded resume, Options opt, PrintWriter out, DistributedRun dist) {
        return run(cfg, resume, opt, out, dist, null);
    }

    /**
     * {@link #run(RunConfig, CheckpointStore.Loaded, Options, PrintWriter, DistributedRun)} with device batches
     * written by {@code slotDecoding} instead of nvJPEG when {@code opt.decoder()} is {@link TrainDecoder#NVJPEG}
     * (tests: a host slot decoder makes the device path checkable on the CPU); null = nvJPEG.
     */
    static Outcome run(RunConfig cfg, CheckpointStore.Loaded resume, Options opt, PrintWriter out, DistributedRun dist,
                       SlotDecoding slotDecoding) {
        if (dist == null) return new Trainer(cfg, resume, opt, out, null, slotDecoding).loop();
        RandomLayer.setBatchShard(new RandomLayer.BatchShard(dist.rank(), dist.worldSize()));   // drop-path masks: this rank's rows
        try {
            return new Trainer(cfg, resume, opt, out, dist, slotDecoding).loop();
        } finally {
            RandomLayer.setBatchShard(null);
        }
    }

    /** True for the process that writes the run's files: the only one, or rank 0. */
    private boolean leader() {
        return dist == null || dist.leader();
    }

    /** Builds the model of {@code cfg} on {@code device}; unsupported settings become user errors. */
    static Classifier buildModel(RunConfig cfg, Device device) {
        Classifier m;
        try {
            m = ModelRegistry.create(cfg.model());
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
        m.module().to(device);
        return m;
    }

    /** Loads a model state dict strictly; a mismatch names the file. */
    static void loadModel(Classifier model, Map<String, Tensor> state, Path file) {
        try {
            CheckpointStore.checkTypes(file, state, model.module().stateDict());
        } catch (dev.jmamba.io.CheckpointException e) {
            throw UserError.runtime(e.getMessage());
        }
        try {
            model.module().loadStateDict(state, true);
        } catch (IllegalArgumentException e) {
            throw UserError.runtime(file + ": does not fit the model (" + e.getMessage() + ")");
        }
    }

    private void restore(CheckpointStore.Loaded resume) {
        TrainerState s = resume.state();
        try {
            optimizer.loadStateDict(resume.optimizer());
            if (ema != null) {
                if (resume.ema() == null) throw new IllegalArgumentException("the run uses EMA but the checkpoint has no " + CheckpointStore.EMA);
                ema.loadStateDict(resume.ema());
            }
        } catch (IllegalArgumentException e) {
            throw UserError.runtime(resume.dir() + ": optimizer or EMA state does not fit the model (" + e.getMessage() + ")");
        }
        step = s.step();
        epoch = s.epoch();
        batchInEpoch = s.batchInEpoch();
        nonfinite = s.nonfiniteSteps();
        consecutiveNonfinite = s.consecutiveNonfinite();
        trainSeconds = s.trainSeconds();
        lastCheckpointStep = s.step();
    }

    private Outcome loop() {
        int workers = opt.workers();
        Progress progress = Progress.create(opt.terminal(), out, 10);
        Evaluator.Result lastEval = null, lastEmaEval = null;
        long lastEvalStep = -1;
        int rankBatch = dist == null ? recipe.batchSize() : dist.batchPerRank(recipe.batchSize());     // this process's share
        SamplePipeline trainPipeline = RunData.trainPipeline(data.train(), cfg.data(), cfg.model().resolution(), recipe.randomErasing());
        Shard shard = dist == null ? Shard.NONE : new Shard(dist.rank(), dist.worldSize());
        try (MetricsLog log = leader() ? new MetricsLog(opt.outDir()) : MetricsLog.discarding();
             DeviceBatchLoader deviceLoader = opt.decoder().onDevice() ? deviceLoader(trainPipeline, rankBatch, workers, shard) : null;
             DataLoader trainLoader = deviceLoader != null ? null : new DataLoader(data.train(), trainPipeline, mixing,
                     DataLoader.Options.training(rankBatch, workers, recipe.seed()), shard);
             DataLoader valLoader = new DataLoader(data.val(), RunData.evalPipeline(data.val(), cfg.model().resolution()), null,
                     DataLoader.Options.evaluation(Math.max(recipe.batchSize(), 256), workers))) {
            int batchesPerEpoch = deviceLoader != null ? deviceLoader.batchesPerEpoch() : trainLoader.batchesPerEpoch();
            if (batchesPerEpoch != recipe.stepsPerEpoch()) {
                throw UserError.runtime("the training data now give " + batchesPerEpoch + " batches per epoch but the run was set up with "
                        + recipe.stepsPerEpoch() + "; the data changed since the checkpoint was written");
            }
            if (step > 0) log.write(Map.of("type", "resume", "step", step, "epoch", epoch), null);
            Window window = new Window();
            int[] image = deviceLoader != null ? deviceLoader.imageShape() : trainLoader.pipelineShape();
            TrainStep trainStep = new TrainStep(model, optimizer, ema, recipe.clipGrad(), recipe.labelSmoothing(), opt.device(),
                    rankBatch, image, numClasses, mixing != null, opt.graph(), deviceLoader != null);
            if (dataParallel != null) trainStep.dataParallel(dataParallel);
            this.trainStep = trainStep;
            trainStep.setConsecutiveNonfinite(consecutiveNonfinite);
            try {
                while (step < recipe.totalSteps() && !stopRequested()) {
                    progress.startEpoch(epoch, recipe.epochs(), batchInEpoch,
                            (int) Math.min(recipe.stepsPerEpoch(), batchInEpoch + recipe.totalSteps() - step));
                    try (EpochBatches it = deviceLoader != null ? new EpochBatches.Device(deviceLoader.epoch(epoch, batchInEpoch))
                            : new EpochBatches.Host(trainLoader, trainLoader.epoch(epoch, batchInEpoch))) {
                        while (it.hasNext() && step < recipe.totalSteps() && !stopRequested()) {
                            long t0 = System.nanoTime();
                            int batchSize = it.next();
                            long t1 = System.nanoTime();
                            double lr = schedule.lr(step);
                            it.step(trainStep, lr, step);
                            long t2 = System.nanoTime();
                            String note = trainStep.takeNote();
                            if (note != null) progress.line(note);
                            step++;
                            batchInEpoch++;
                            boolean epochEnd = batchInEpoch == recipe.stepsPerEpoch();
                            boolean logNow = step % opt.logEvery() == 0 || epochEnd || step == recipe.totalSteps();
                            boolean checkpointNow = !epochEnd && opt.checkpointEvery() > 0 && step % opt.checkpointEvery() == 0;
                            // reading the device counters waits for the queued steps: on a GPU only when the numbers are needed
                            if (hostReadsAreFree || logNow || checkpointNow || stopRequested()) readCounters(window);
                            long t3 = System.nanoTime();
                            window.addPhases(t1 - t0, trainStep.lastUploadNanos(), t2 - t1 - trainStep.lastUploadNanos(), t3 - t2);
                            double seconds = (t3 - t0) / 1e9;
                            trainSeconds += seconds;
                            int images = batchSize * (dist == null ? 1 : dist.worldSize());   // the global batch
                            window.addTime(images, seconds);
                            progress.step(batchInEpoch, step, window.smoothed, images / Math.max(seconds, 1e-9), lr);
                            if (logNow) {
                                log.step(epoch, step, window.meanLoss(), lr, window.imagesPerSecond(), stepExtra(window));
                                window.reset();
                            }
                            if (consecutiveNonfinite >= opt.maxNonfinite()) {
                                if (window.images > 0) log.step(epoch, step, window.meanLoss(), lr, window.imagesPerSecond(), stepExtra(window));
                                progress.endEpoch();
                                throw UserError.runtime("stopping: the loss or gradient was not finite in " + consecutiveNonfinite
                                        + " steps in a row (up to step " + step + "); " + (lastCheckpointStep >= 0
                                        ? "the last good checkpoint (step " + lastCheckpointStep + ") is left in " + opt.outDir().resolve(CheckpointStore.DIR_NAME)
                                        : "no checkpoint was written before that (the run writes one every --checkpoint-every steps and at each epoch end)")
                                        + "; try a lower --lr or --clip-grad 1");
                            }
                            if (window.images > 0 && signalled() && !(step % opt.logEvery() == 0 || epochEnd || step == recipe.totalSteps())) {
                                log.step(epoch, step, window.meanLoss(), lr, window.imagesPerSecond(), stepExtra(window));
                                window.reset();
                            }
                            if (epochEnd) {
                                epoch++;
                                batchInEpoch = 0;
                            }
                            if (checkpointNow) checkpoint();
                            if (epochEnd) break;
                        }
                    }
                    readCounters(window);
                    progress.endEpoch();
                    if ((batchInEpoch == 0 || step == recipe.totalSteps()) && !signalled() && leader()) {
                        lastEval = evaluate(valLoader);
                        lastEmaEval = emaModel == null ? null : evaluateEma(valLoader);
                        lastEvalStep = step;
                        log.eval(epoch - (batchInEpoch == 0 ? 1 : 0), step, lastEval.loss(), lastEval.top1(), lastEval.top5(), evalExtra(lastEmaEval));
                        progress.line(evalLine(lastEval, lastEmaEval));
                    }
                    checkpoint();
                }
            } finally {
                this.trainStep = null;
                trainStep.close();
            }
            if (lastEvalStep != step && step >= recipe.totalSteps() && !signalled() && leader()) {
                lastEval = evaluate(valLoader);
                lastEmaEval = emaModel == null ? null : evaluateEma(valLoader);
                log.eval(epoch, step, lastEval.loss(), lastEval.top1(), lastEval.top5(), evalExtra(lastEmaEval));
                progress.line(evalLine(lastEval, lastEmaEval));
            }
        }
        boolean finished = step >= recipe.totalSteps();
        if (leader()) writeCurves(progress);
        return new Outcome(step, lastEval, lastEmaEval, finished, data.skippedImages(), lastCheckpointStep, signalled() ? opt.stop().signal() : null);
    }

    /** The GPU input path: the training split decoded with nvJPEG into a ring of device batches. */
    private DeviceBatchLoader deviceLoader(SamplePipeline pipeline, int rankBatch, int workers, Shard shard) {
        SlotDecoding decoding = slotDecoding != null ? slotDecoding : new NvjpegSlots(opt.device());
        String why = decoding.unavailableReason();
        if (why != null) throw UserError.runtime("--decoder nvjpeg: " + why);
        if (pipeline.fused() == null || data.train().file(0) == null) {
            throw UserError.usage("--decoder nvjpeg decodes the JPEGs of an image folder (DIR/train/<class>/*.jpg); " + data.train().description()
                    + " is not one (leave --decoder out)");
        }
        return new DeviceBatchLoader(data.train(), pipeline.fused(), mixing, DeviceBatchLoader.Options.training(rankBatch, workers, recipe.seed()),
                shard, decoding);
    }

    /**
     * curves.png is a convenience: on a server without fonts AWT cannot draw text (e.g. "Fontconfig
     * head is null"), which must not turn a finished run into a failure — metrics.jsonl has the data.
     */
    private void writeCurves(Progress progress) {
        try {
            CurvesPlot.write(opt.outDir());
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError vme && !(e instanceof InternalError)) throw vme;
            progress.line("note: curves.png was not written (" + e.getMessage() + "); metrics.jsonl holds the same numbers");
        }
    }

    private boolean stopRequested() {
        return opt.stopAtStep() > 0 && step >= opt.stopAtStep() || (dist == null ? signalled() : stopAgreed);
    }

    private boolean signalled() {
        return opt.stop() != null && opt.stop().requested();
    }

    /** Reads the device counters of the steps since the last read into the window and the run's counts. */
    private void readCounters(Window window) {
        if (trainStep == null) return;
        TrainStep.Counters c = trainStep.read();
        window.addLosses(c);
        nonfinite += c.nonfiniteSteps();
        consecutiveNonfinite = (int) Math.min(Integer.MAX_VALUE, c.consecutiveNonfinite());
        // ranks read at the same steps: there they agree whether any got a stop signal, so all stop after the same step
        if (dist != null) stopAgreed = dist.anyRank(signalled(), opt.device());
    }

    private Evaluator.Result evaluate(DataLoader valLoader) {
        Evaluator.Result r = Evaluator.evaluate(model, valLoader, opt.device());
        model.module().train(true);
        return r;
    }

    private Evaluator.Result evaluateEma(DataLoader valLoader) {
        ema.copyTo(emaModel.module());
        return Evaluator.evaluate(emaModel, valLoader, opt.device());
    }

    private Map<String, Object> counters() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("skipped_images", data.skippedImages());
        m.put("nonfinite_steps", nonfinite);
        MemoryStats mem = Backends.of(opt.device()).memoryStats();    // a host-side counter: no device sync
        m.put("peak_allocated_gib", Math.round(MemoryStats.gib(mem.peakAllocatedBytes()) * 1000) / 1000.0);
        m.put("peak_reserved_gib", Math.round(MemoryStats.gib(mem.peakReservedBytes()) * 1000) / 1000.0);
        return m;
    }

    /** A step record's extra fields: the counters and where the host's time per step went ({@link Window#phases}). */
    private Map<String, Object> stepExtra(Window window) {
        Map<String, Object> m = counters();
        window.phases(m);
        return m;
    }

    private Map<String, Object> evalExtra(Evaluator.Result emaEval) {
        Map<String, Object> m = counters();
        if (emaEval != null) {
            m.put("ema_val_loss", emaEval.loss());
            m.put("ema_val_top1", emaEval.top1());
            m.put("ema_val_top5", emaEval.top5());
        }
        return m;
    }

    private String evalLine(Evaluator.Result r, Evaluator.Result emaEval) {
        String s = String.format("eval after step %d (epoch %d): val loss %.4f, top-1 %.2f%%, top-5 %.2f%% (%d images)",
                step, Math.max(1, epoch + (batchInEpoch == 0 ? 0 : 1)), r.loss(), 100 * r.top1(), 100 * r.top5(), r.images());
        if (emaEval != null) s += String.format("; EMA top-1 %.2f%%", 100 * emaEval.top1());
        return s;
    }

    /** Writes a checkpoint, unless the latest steps were non-finite (then the last good one stays). */
    private void checkpoint() {
        if (consecutiveNonfinite > 0) return;
        if (!leader()) {                 // rank 0 writes the run's checkpoint
            lastCheckpointStep = step;
            return;
        }
        TrainerState state = new TrainerState(step, epoch, batchInEpoch, recipe.seed(),
                schedule.lr(Math.min(step, recipe.totalSteps())), ema != null, nonfinite, consecutiveNonfinite,
                data.skippedImages(), trainSeconds, opt.checkpointEvery(), opt.logEvery());
        CheckpointStore.write(opt.outDir(), cfg, state, model.module().stateDict(), optimizer.stateDict(), ema == null ? null : ema.stateDict());
        lastCheckpointStep = step;
    }

    /**
     * Loss and throughput over the steps since the last metrics record, a smoothed loss for display,
     * and where the training thread's time went per step: waiting for the loader's next batch, the
     * upload (copy into page-locked memory and queued transfer on a GPU), queueing the step's work
     * (on the CPU: doing it), reading the device counters (on a GPU this waits for the queued steps),
     * and the JVM's garbage collection over the same wall time.
     */
    private static final class Window {
        double lossSum, seconds, smoothed = Double.NaN;
        long finiteSteps;
        long images;
        long steps, dataNanos, uploadNanos, queueNanos, syncNanos;
        long gcMillisAtStart = gcMillis();

        /** Adds the losses of the steps read from the device (per step on the CPU: the smoothing is per step there). */
        void addLosses(TrainStep.Counters c) {
            if (c.finiteSteps() > 0) {
                lossSum += c.lossSum();
                finiteSteps += c.finiteSteps();
                double mean = c.meanLoss();
                smoothed = Double.isNaN(smoothed) ? mean : 0.9 * smoothed + 0.1 * mean;
            }
        }

        void addTime(int batchImages, double stepSeconds) {
            images += batchImages;
            seconds += stepSeconds;
        }

        double meanLoss() { return finiteSteps == 0 ? Double.NaN : lossSum / finiteSteps; }

        double imagesPerSecond() { return seconds > 0 ? images / seconds : 0; }

        void addPhases(long data, long upload, long queue, long sync) {
            steps++;
            dataNanos += data;
            uploadNanos += upload;
            queueNanos += queue;
            syncNanos += sync;
        }

        /**
         * Puts the mean host ms per step of each phase into {@code m}: data_wait_ms, upload_ms, queue_ms,
         * sync_ms, and gc_ms (collector time in the window divided by its steps).
         */
        void phases(Map<String, Object> m) {
            double perStep = steps == 0 ? 0 : 1e-6 / steps;
            m.put("data_wait_ms", round3(dataNanos * perStep));
            m.put("upload_ms", round3(uploadNanos * perStep));
            m.put("queue_ms", round3(queueNanos * perStep));
            m.put("sync_ms", round3(syncNanos * perStep));
            m.put("gc_ms", round3(steps == 0 ? 0 : (double) (gcMillis() - gcMillisAtStart) / steps));
        }

        private static double round3(double v) { return Math.round(v * 1000) / 1000.0; }

        /** Total collection time of the JVM's collectors so far, ms (-1 counts as 0). */
        private static long gcMillis() {
            long total = 0;
            for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) total += Math.max(0, gc.getCollectionTime());
            return total;
        }

        void reset() {
            lossSum = 0;
            seconds = 0;
            finiteSteps = 0;
            images = 0;
            steps = dataNanos = uploadNanos = queueNanos = syncNanos = 0;
            gcMillisAtStart = gcMillis();
        }
    }
}
