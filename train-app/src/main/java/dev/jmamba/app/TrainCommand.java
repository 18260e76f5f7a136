package dev.jmamba.app;

import dev.jmamba.io.IoMessages;
import dev.jmamba.app.data.DataException;
import dev.jmamba.app.data.Dataset;
import dev.jmamba.app.data.SamplePipeline;
import dev.jmamba.app.data.TurboJpeg;
import dev.jmamba.app.data.cuda.NvjpegLoader;
import dev.jmamba.app.dist.DataParallel;
import dev.jmamba.app.dist.DistributedRun;
import dev.jmamba.app.dist.GradientBuckets;
import dev.jmamba.app.dist.LaunchEnv;
import dev.jmamba.app.train.Evaluator;
import dev.jmamba.app.train.RunData;
import dev.jmamba.app.train.RunFolder;
import dev.jmamba.app.train.RunLock;
import dev.jmamba.app.train.StopSignal;
import dev.jmamba.app.train.TrainDecoder;
import dev.jmamba.app.train.Trainer;
import dev.jmamba.vision.checkpoint.TrainerState;
import dev.jmamba.io.CheckpointException;
import dev.jmamba.tensor.Device;
import dev.jmamba.vision.checkpoint.CheckpointStore;
import dev.jmamba.vision.checkpoint.RunConfig;
import dev.jmamba.vision.models.ModelRegistry;
import dev.jmamba.vision.models.ModelRegistry.ModelChoice;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jmamba train}: trains an image classifier and writes metrics, checkpoints and curves into
 * a run folder. Run-defining options are null when not given, so a resumed run can refuse them
 * (its settings come from the checkpoint) and a fresh run can pick defaults that suit the data.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train an image classifier (default: vmamba-nano on Fashion-MNIST, or on synthetic data when Fashion-MNIST is not installed).",
                "Writes OUT/metrics.jsonl, OUT/checkpoint/ and OUT/curves.png; OUT/run.lock keeps a second trainer out while it runs."})
public final class TrainCommand implements java.util.concurrent.Callable<Integer> {
    /**
     * Defaults chosen so that the plain {@code jmamba train} trains a Mamba (VMamba-nano: SS2D's four scans over
     * 7×7, 4×4 and 2×2 maps) to >= 90% top-1 on Fashion-MNIST within 10 minutes on 2 CPU cores (issue 17; the
     * measured run is in README.md). {@code small-cnn} remains available with {@code --model small-cnn}.
     */
    static final String DEFAULT_MODEL = "vmamba-nano";
    static final int DEFAULT_BATCH = 64, DEFAULT_EPOCHS = 3;
    static final double DEFAULT_LR = 4e-3, DEFAULT_WEIGHT_DECAY = 0.05;
    static final long DEFAULT_CHECKPOINT_EVERY = 100;
    static final int DEFAULT_LOG_EVERY = 10;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", paramLabel = "M", description = "Model name (default " + DEFAULT_MODEL + "). Known: ${COMPLETION-CANDIDATES}.", completionCandidates = ModelNames.class)
    String model;
    @Option(names = "--data", paramLabel = "D", description = "fashion-mnist, synthetic, or a folder (IDX files or train/ and val/ class folders). Default: fashion-mnist when installed, else synthetic.")
    String data;
    @Option(names = "--device", paramLabel = "DEV", description = "cpu or cuda[:N] (default: cuda when present, else cpu).")
    String device;
    @Option(names = "--precision", paramLabel = "P", description = PrecisionOption.DESCRIPTION)
    String precision;

    @Option(names = "--checkpoint-activations", description = "Recompute each block's activations in backward instead of keeping them:"
            + " less device memory for about one more forward pass of compute (the gradients are the same).")
    boolean checkpointActivations;

    @Option(names = "--graph", description = "Capture the training step in a CUDA graph after the first step and replay it"
            + " (one launch per step instead of thousands; dropout and drop-path masks still change every step). CUDA only:"
            + " elsewhere, or where the step cannot be captured, the run says so in one line and steps eagerly.")
    boolean graph;

    @Option(names = "--decoder", paramLabel = "D", description = "How the JPEGs of an image folder are decoded: auto (TurboJPEG where installed,"
            + " else ImageIO; the default), turbojpeg, imageio, or nvjpeg: on the GPU with nvJPEG, cropped, flipped and normalised there"
            + " straight into the training batch (DALI-style; --device cuda; random erasing and mixup / cutmix are drawn as on the host"
            + " and applied on the GPU; files nvJPEG cannot decode and the validation split are decoded on the host). Can change on --resume.")
    String decoder;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs (default " + DEFAULT_EPOCHS + ").")
    Integer epochs;
    @Option(names = "--max-steps", paramLabel = "S", description = "Stop after S steps (the schedule spans S steps).")
    Long maxSteps;
    @Option(names = "--batch-size", paramLabel = "B", description = "Images per step (default " + DEFAULT_BATCH + ").")
    Integer batchSize;
    @Option(names = "--lr", paramLabel = "X", description = "Peak learning rate of AdamW (default " + DEFAULT_LR + ").")
    Double lr;
    @Option(names = "--seed", paramLabel = "K", description = "Seed of model init, data order and augmentation (default 0).")
    Long seed;
    @Option(names = "--out", paramLabel = "DIR", description = "Run folder (default runs/<date-time>).")
    Path out;
    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR (or DIR/checkpoint) exactly where its checkpoint left off.")
    Path resume;
    @Option(names = "--overwrite", description = "Start a fresh run in an --out folder that holds an earlier run or its remains, deleting that run's files (checkpoint*, metrics.jsonl, curves.png).")
    boolean overwrite;
    @Option(names = "--checkpoint-every", paramLabel = "S", description = "Steps between checkpoints (default " + DEFAULT_CHECKPOINT_EVERY + "; 0 = only per epoch and at the end; --resume keeps the run's value).")
    Long checkpointEvery;
    @Option(names = "--workers", paramLabel = "W", description = "Data loader threads (default: number of cores, at most 4).")
    Integer workers;
    @Option(names = "--resolution", paramLabel = "R", description = "Input side in pixels (default: the data's own size, 224 for folders).")
    Integer resolution;
    @Option(names = "--warmup-steps", paramLabel = "S", description = "Linear warm-up steps (default 5%% of the run).")
    Long warmupSteps;
    @Option(names = "--warmup-epochs", paramLabel = "E", description = "Warm-up in epochs (instead of --warmup-steps).")
    Double warmupEpochs;
    @Option(names = "--weight-decay", paramLabel = "WD", description = "Decoupled weight decay (default " + DEFAULT_WEIGHT_DECAY + ").")
    Double weightDecay;
    @Option(names = "--label-smoothing", paramLabel = "E", description = "Label smoothing (default 0; recipe 0.1).")
    Double labelSmoothing;
    @Option(names = "--mixup", paramLabel = "A", description = "Mixup alpha (default 0 = off; recipe 0.8).")
    Double mixup;
    @Option(names = "--cutmix", paramLabel = "A", description = "Cutmix alpha (default 0 = off; recipe 1.0).")
    Double cutmix;
    @Option(names = "--random-erasing", paramLabel = "P", description = "Random-erasing probability (default 0; recipe 0.25).")
    Double randomErasing;
    @Option(names = "--drop-path", paramLabel = "R", description = "Drop-path (stochastic depth) rate of the Mamba models, replacing the preset's; 0 (the default) keeps the preset's rate. The CNNs have none.")
    Double dropPath;
    @Option(names = "--ema", arity = "0..1", fallbackValue = "0.9999", paramLabel = "DECAY", description = "Keep an EMA of the weights (decay default 0.9999) and evaluate it too.")
    Double ema;
    @Option(names = "--clip-grad", paramLabel = "N", description = "Clip the global gradient norm at N (default off).")
    Double clipGrad;
    @Option(names = "--augment", paramLabel = "A", description = "light (pad-crop or resized-crop, and flip) or none. Default: none for fixed-size small data (short runs learn faster), light for image folders or with --random-erasing.")
    String augment;
    @Option(names = "--train-limit", paramLabel = "N", description = "Use only N evenly spaced training images.")
    Integer trainLimit;
    @Option(names = "--val-limit", paramLabel = "N", description = "Use only N evenly spaced validation images.")
    Integer valLimit;
    @Option(names = "--stop-at-step", paramLabel = "S", description = "Stop with a checkpoint after step S (the schedule still spans the whole run); continue with --resume.")
    long stopAtStep;
    @Option(names = "--log-every", paramLabel = "S", description = "Steps per metrics.jsonl record (default " + DEFAULT_LOG_EVERY + "; --resume keeps the run's value).")
    Integer logEvery;
    @Option(names = "--gpus", paramLabel = "N", description = "Train on N local GPUs: one process per GPU, gradients averaged over NCCL; --batch-size is the"
            + " global batch (a multiple of N). Multi-node: leave it out and start one process per GPU with RANK, WORLD_SIZE, LOCAL_RANK,"
            + " MASTER_ADDR, MASTER_PORT set (torchrun style) or under SLURM srun (see docs/MULTI-GPU.md).")
    Integer gpus;
    @Option(names = "--bucket-mb", paramLabel = "MB", description = "Data-parallel runs: gradients are all-reduced in buckets of at most MB MiB"
            + " (default 25, as PyTorch DDP's bucket_cap_mb): larger buckets mean fewer, larger NCCL calls, smaller ones start sooner during backward.")
    Double bucketMb;
    @Option(names = "--no-overlap", description = "Data-parallel runs: all-reduce the gradients after backward instead of bucket by bucket while it"
            + " runs (the same result, bit for bit; for comparisons).")
    boolean noOverlap;

    /** Model names for the help text. */
    static final class ModelNames implements Iterable<String> {
        @Override public java.util.Iterator<String> iterator() { return ModelRegistry.names().iterator(); }
    }

    /** Runs the command; the exit code is 0, or 128 + the signal number after a graceful stop on SIGINT / SIGTERM. */
    @Override public Integer call() {
        LaunchEnv launch = LaunchEnv.fromSystem();
        DataParallel.Settings gradientSettings = gradientSettings(launch);
        if (gpus != null) return MultiGpu.launch(this, launch, spec.commandLine().getParseResult().originalArgs());
        PrintWriter o = launch == null || launch.leader() ? spec.commandLine().getOut() : new PrintWriter(java.io.Writer.nullWriter());
        if (checkpointEvery != null && checkpointEvery < 0) throw UserError.usage("--checkpoint-every must be >= 0, got " + checkpointEvery);
        if (stopAtStep < 0) throw UserError.usage("--stop-at-step must be >= 0, got " + stopAtStep);
        if (logEvery != null && logEvery < 1) throw UserError.usage("--log-every must be >= 1, got " + logEvery);
        if (overwrite && resume != null) throw UserError.usage("--overwrite starts a fresh run and cannot be used with --resume");
        int w = workers == null ? Math.clamp(Runtime.getRuntime().availableProcessors(), 1, 4) : workers;
        if (w < 1) throw UserError.usage("--workers must be >= 1, got " + w);
        TrainDecoder dec = parseDecoder(decoder);
        if (dec.onDevice()) requireGpuDevice(device == null ? dev.jmamba.tensor.Backends.defaultDevice() : DeviceOption.syntax(device));
        try {
            RunConfig cfg;
            Device dev;
            CheckpointStore.Loaded loaded = null;
            Path runDir;
            long ckEvery;
            int lgEvery;
            if (resume != null) {
                rejectRunOptionsOnResume();
                loaded = CheckpointStore.load(resume, true);
                cfg = loaded.config();
                dev = launch == null ? DeviceOption.parse(device) : MultiGpu.device(launch, device);
                PrecisionOption.apply(precision, dev);
                checkDecoder(dec, cfg, dev);
                runDir = loaded.dir().toAbsolutePath().getParent();
                TrainerState st = loaded.state();
                ckEvery = checkpointEvery != null ? checkpointEvery : st.checkpointEvery() != null ? st.checkpointEvery() : DEFAULT_CHECKPOINT_EVERY;
                lgEvery = logEvery != null ? logEvery : st.logEvery() != null ? st.logEvery() : DEFAULT_LOG_EVERY;
                o.printf("resuming %s from step %d (epoch %d, batch %d); checkpoint every %d steps, log every %d%s%n", runDir, st.step(),
                        st.epoch() + 1, st.batchInEpoch(), ckEvery, lgEvery,
                        checkpointEvery == null && logEvery == null ? " (the run's settings)" : "");
            } else {
                runDir = out != null ? out : MultiGpu.requireOut(launch, defaultRunDir());
                if (launch == null || launch.leader()) checkOutFolder(runDir);
                cfg = newRun(o);
                dev = launch == null ? DeviceOption.parse(device) : MultiGpu.device(launch, device);
                PrecisionOption.apply(precision, dev);
                checkDecoder(dec, cfg, dev);
                ckEvery = checkpointEvery != null ? checkpointEvery : DEFAULT_CHECKPOINT_EVERY;
                lgEvery = logEvery != null ? logEvery : DEFAULT_LOG_EVERY;
            }
            try (RunLock lock = launch == null || launch.leader() ? lockRunFolder(runDir, o) : null;
                 DistributedRun dist = launch == null ? null : MultiGpu.start(launch, dev, o).gradientSettings(gradientSettings)) {
                if (loaded == null && (launch == null || launch.leader())) {
                    checkOutFolder(runDir);   // again, now that no other trainer can be starting here
                    RunConfig.Recipe rc = cfg.recipe();
                    String steps = rc.totalSteps() == (long) rc.epochs() * rc.stepsPerEpoch()
                            ? rc.epochs() + " epochs x " + rc.stepsPerEpoch() + " steps"
                            : rc.totalSteps() + " steps (" + rc.stepsPerEpoch() + " per epoch)";
                    o.printf("model %s (%s), data %s, %s of %d images, device %s%n", cfg.model().name(),
                            paramCount(cfg, dev), describe(cfg.data()), steps, rc.batchSize(), dev);
                }
                o.println("writing to " + runDir.toAbsolutePath().normalize() + " (metrics.jsonl, checkpoint/, curves.png)");
                o.flush();
                long t0 = System.nanoTime();
                StopSignal stop = new StopSignal();
                Trainer.Outcome outcome;
                try (AutoCloseable signals = stop.install("train", System.err)) {
                    outcome = Trainer.run(cfg, loaded,
                            new Trainer.Options(runDir, dev, w, ckEvery, stopAtStep, lgEvery, System.console() != null, 5, checkpointActivations, stop, graph, dec), o, dist);
                } catch (RuntimeException | OutOfMemoryError e) {
                    if (!ErrorReport.isOutOfMemory(e)) throw e;
                    throw UserError.runtime(ErrorReport.of(e, "train").message() + "; " + checkpointNote(runDir));
                }
                if (dist != null) dist.finish();       // every rank got here: leave NCCL and the rendezvous cleanly
                double seconds = (System.nanoTime() - t0) / 1e9;
                summary(o, runDir, outcome, cfg, seconds);
                return outcome.stoppedBy() == null ? 0 : StopSignal.exitCode(outcome.stoppedBy());
            }
        } catch (CheckpointException | DataException e) {
            throw UserError.runtime(e.getMessage());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) { // from closing the signal handlers: never thrown in practice
            throw new IllegalStateException(e);
        }
    }

    /** {@code --bucket-mb} and {@code --no-overlap}, which only a data-parallel run ({@code --gpus}, launcher variables) takes. */
    private DataParallel.Settings gradientSettings(LaunchEnv launch) {
        if ((bucketMb != null || noOverlap) && launch == null && gpus == null) {
            throw UserError.usage((bucketMb != null ? "--bucket-mb" : "--no-overlap")
                    + " applies to data-parallel runs (--gpus N, or RANK/WORLD_SIZE set); this run is a single process");
        }
        if (bucketMb == null) return new DataParallel.Settings(GradientBuckets.DEFAULT_CAP_BYTES, !noOverlap);
        if (!(bucketMb > 0) || bucketMb > 1 << 20) throw UserError.usage("--bucket-mb must be a number of MiB in (0, 1048576], got " + bucketMb);
        return new DataParallel.Settings(Math.max(1, Math.round(bucketMb * (1 << 20))), !noOverlap);
    }

    /** The --decoder choice (default auto); a usage error naming the choices for anything else. */
    static TrainDecoder parseDecoder(String text) {
        if (text == null) return TrainDecoder.AUTO;
        try {
            return TrainDecoder.parse(text);
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
    }

    /**
     * Whether the run can decode as {@code dec} asks, before anything is written: nvjpeg needs a CUDA
     * device (usage error, exit 2, on the CPU) and an image folder (usage error),
     * and nvJPEG itself (runtime error, exit 1, where the library or CUDA is missing); turbojpeg needs
     * libturbojpeg (exit 1).
     */
    static void checkDecoder(TrainDecoder dec, RunConfig cfg, Device dev) {
        if (dec == TrainDecoder.TURBOJPEG && !TurboJpeg.available()) {
            throw UserError.runtime("--decoder turbojpeg: " + TurboJpeg.unavailableReason());
        }
        if (!dec.onDevice()) return;
        requireGpuDevice(dev);
        if (!cfg.data().kind().equals("folder")) {
            throw UserError.usage("--decoder nvjpeg decodes the JPEGs of an image folder (DIR/train/<class>/*.jpg), not " + cfg.data().kind()
                    + " data; leave --decoder out");
        }
        String why = NvjpegLoader.unavailableReason(dev);
        if (why != null) throw UserError.runtime("--decoder nvjpeg: " + why);
    }

    /** --decoder nvjpeg on the CPU: a usage error (before the data are opened). */
    private static void requireGpuDevice(Device dev) {
        if (!(dev instanceof Device.Cuda)) {
            throw UserError.usage("--decoder nvjpeg decodes JPEGs on a CUDA GPU but this run is on " + dev + "; use --device cuda or leave --decoder out");
        }
    }

    /** Where the run can continue from after a failure: the checkpoint on disk, or that there is none. */
    private static String checkpointNote(Path runDir) {
        try {
            return "the last checkpoint (step " + CheckpointStore.readState(runDir).step() + ") is in " + runDir.resolve(CheckpointStore.DIR_NAME)
                    + " (--resume " + runDir + " continues it, with the run's batch size)";
        } catch (RuntimeException e) {
            return "no checkpoint was written before that";
        }
    }

    /**
     * A fresh run's folder: not a file, not the empty path, and without an earlier run's files unless
     * {@code --overwrite} (which deletes them; called again under the lock, where the deleting happens).
     */
    private void checkOutFolder(Path runDir) {
        if (runDir.toString().isBlank()) throw UserError.usage("--out must name a folder, got an empty path");
        if (Files.exists(runDir) && !Files.isDirectory(runDir)) throw UserError.usage("--out " + runDir + " is a file, not a folder");
        if (!Files.isDirectory(runDir)) return;
        List<String> found = RunFolder.runFiles(runDir);
        if (found.isEmpty()) return;
        if (!overwrite) {
            throw UserError.usage(runDir + " " + RunFolder.describe(runDir, found) + "; continue it with --resume " + runDir
                    + ", replace it with --overwrite, or choose another --out");
        }
    }

    /** Takes the run folder's lock (creating the folder), and with --overwrite clears the earlier run under it. */
    private RunLock lockRunFolder(Path runDir, PrintWriter o) {
        RunLock lock;
        try {
            lock = RunLock.acquire(runDir);
        } catch (RunLock.HeldException e) {
            throw UserError.runtime(e.getMessage());
        } catch (java.io.IOException e) {
            throw UserError.runtime(runDir + ": cannot use it as the run folder (" + IoMessages.reason(e) + ")");
        }
        if (lock.staleOwner() != null) o.println("note: took over the lock left by a jmamba process that is no longer running (" + lock.staleOwner() + ")");
        if (resume == null && overwrite && !RunFolder.runFiles(runDir).isEmpty()) {
            try {
                RunFolder.clear(runDir);
            } catch (java.io.UncheckedIOException e) {
                lock.close();
                throw UserError.runtime(e.getMessage());
            }
            o.println("--overwrite: deleted the earlier run's files in " + runDir);
        }
        return lock;
    }

    private void summary(PrintWriter o, Path runDir, Trainer.Outcome outcome, RunConfig cfg, double seconds) {
        String verb = outcome.finished() ? "done" : outcome.stoppedBy() != null ? "stopped by SIG" + outcome.stoppedBy() : "stopped";
        o.printf("%s: %d of %d steps, %.1f s", verb, outcome.step(), cfg.recipe().totalSteps(), seconds);
        Evaluator.Result r = outcome.lastEval();
        if (r != null) o.printf("; val top-1 %.2f%%, top-5 %.2f%%, loss %.4f", 100 * r.top1(), 100 * r.top5(), r.loss());
        if (outcome.lastEmaEval() != null) o.printf("; EMA top-1 %.2f%%", 100 * outcome.lastEmaEval().top1());
        o.println();
        if (outcome.skippedImages() > 0) {
            o.println(outcome.skippedImages() + " unreadable image" + (outcome.skippedImages() == 1 ? " was" : "s were")
                    + " skipped (named in the warnings above; counted as skipped_images in metrics.jsonl)");
        }
        if (outcome.lastCheckpointStep() < 0) {
            o.println("no checkpoint was written (the run stopped before its first one)");
        } else {
            o.println("checkpoint: " + runDir.resolve(CheckpointStore.DIR_NAME) + " at step " + outcome.lastCheckpointStep()
                    + (outcome.finished() ? "" : " (continue with --resume " + runDir + ")"));
        }
        o.flush();
    }

    private void rejectRunOptionsOnResume() {
        List<String> given = new ArrayList<>();
        Object[][] opts = {{"--model", model}, {"--data", data}, {"--epochs", epochs}, {"--max-steps", maxSteps}, {"--batch-size", batchSize},
                {"--lr", lr}, {"--seed", seed}, {"--out", out}, {"--resolution", resolution}, {"--warmup-steps", warmupSteps},
                {"--warmup-epochs", warmupEpochs}, {"--weight-decay", weightDecay}, {"--label-smoothing", labelSmoothing},
                {"--mixup", mixup}, {"--cutmix", cutmix}, {"--random-erasing", randomErasing}, {"--drop-path", dropPath},
                {"--ema", ema}, {"--clip-grad", clipGrad}, {"--augment", augment}, {"--train-limit", trainLimit}, {"--val-limit", valLimit}};
        // --overwrite is refused separately (it contradicts --resume rather than being a run setting)
        for (Object[] opt : opts) if (opt[1] != null) given.add((String) opt[0]);
        if (!given.isEmpty()) {
            throw UserError.usage(String.join(", ", given) + " cannot be used with --resume: a resumed run keeps the settings in its checkpoint's config.json");
        }
    }

    /** The configuration of a fresh run from the options and the data's defaults. */
    private RunConfig newRun(PrintWriter o) {
        String m = model == null ? DEFAULT_MODEL : model;
        if (!ModelRegistry.contains(m)) throw UserError.usage("unknown model '" + m + "'; known models: " + String.join(", ", ModelRegistry.names()));
        String[] kp = RunData.kindAndPath(data);
        if (data == null && kp[0].equals("synthetic")) {
            o.println("Fashion-MNIST is not installed, so training on the synthetic data set; for Fashion-MNIST run 'apt-get install dataset-fashion-mnist'.");
        }
        boolean erasing = randomErasing != null && randomErasing > 0;
        String aug = augment != null ? augment : kp[0].equals("folder") || erasing ? "light" : "none";
        if (!aug.equals("light") && !aug.equals("none")) throw UserError.usage("bad --augment '" + augment + "': expected light or none");
        int tl = positiveOrZero("--train-limit", trainLimit), vl = positiveOrZero("--val-limit", valLimit);
        RunData full = RunData.open(kp[0], kp[1]);
        Dataset train = full.train();
        if (train.numClasses() < 2) {
            throw UserError.runtime("the training data have only " + train.numClasses() + " class (" + String.join(", ", train.classNames())
                    + "); a classifier needs at least 2 (one sub-folder of train/ per class)");
        }
        int res = resolution == null ? RunData.defaultResolution(train) : positive("--resolution", resolution);
        int b = batchSize == null ? DEFAULT_BATCH : positive("--batch-size", batchSize);
        int trainSize = tl > 0 ? Math.min(tl, train.size()) : train.size();
        int stepsPerEpoch = trainSize / b;
        if (stepsPerEpoch < 1) throw UserError.usage("--batch-size " + b + " is larger than the " + trainSize + " training images");
        if (epochs != null && maxSteps != null) throw UserError.usage("give --epochs or --max-steps, not both");
        long total;
        int ep;
        if (maxSteps != null) {
            if (maxSteps < 1) throw UserError.usage("--max-steps must be >= 1, got " + maxSteps);
            total = maxSteps;
            ep = (int) Math.ceilDiv(total, stepsPerEpoch);
        } else {
            ep = epochs == null ? DEFAULT_EPOCHS : positive("--epochs", epochs);
            total = (long) ep * stepsPerEpoch;
        }
        if (warmupSteps != null && warmupEpochs != null) throw UserError.usage("give --warmup-steps or --warmup-epochs, not both");
        long warm = warmupSteps != null ? nonNegative("--warmup-steps", warmupSteps)
                : warmupEpochs != null ? Math.round(nonNegative("--warmup-epochs", warmupEpochs) * stepsPerEpoch) : total / 20;
        if (warm >= total) throw UserError.usage("the warm-up (" + warm + " steps) must be shorter than the run (" + total + " steps)");
        double rate = lr == null ? DEFAULT_LR : positive("--lr", lr);
        double ls = fraction("--label-smoothing", labelSmoothing, 0);
        double er = fraction("--random-erasing", randomErasing, 0);
        double dp = fraction("--drop-path", dropPath, 0);
        double emaDecay = ema == null ? 0 : ema;
        if (ema != null && !(ema > 0 && ema < 1)) throw UserError.usage("--ema decay must be in (0, 1), got " + ema);
        long s = seed == null ? 0 : seed;
        ModelChoice ms = new ModelChoice(m, train.numClasses(), train.channels(), res, dp, s);
        RunConfig.DataSpec ds = new RunConfig.DataSpec(kp[0], kp[1], tl, vl, train.classNames(), train.channels(),
                train.normalization().mean(), train.normalization().std(), aug);
        RunConfig.Recipe recipe = new RunConfig.Recipe(b, ep, stepsPerEpoch, total, rate, warm, Math.min(1e-6, rate), Math.min(1e-5, rate),
                nonNegative("--weight-decay", weightDecay == null ? DEFAULT_WEIGHT_DECAY : weightDecay), ls,
                nonNegative("--mixup", mixup == null ? 0 : mixup), nonNegative("--cutmix", cutmix == null ? 0 : cutmix), er, emaDecay,
                nonNegative("--clip-grad", clipGrad == null ? 0 : clipGrad), s);
        RunConfig cfg = new RunConfig(ms, ds, recipe);
        try {
            ModelRegistry.create(ms);
            SamplePipeline p = RunData.trainPipeline(train, ds, res, er);
            if (p.channels() != train.channels()) throw UserError.usage("the pipeline changes the channel count");
        } catch (dev.jmamba.tensor.TensorException e) {                       // before IAE: it is one (JmambaException)
            throw UserError.usage("model " + m + " cannot be built at --resolution " + res + " (" + e.getMessage() + ")");
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
        return cfg;
    }

    private static String paramCount(RunConfig cfg, Device dev) {
        long n = ModelRegistry.create(cfg.model()).module().numParameters();
        return String.format("%,d parameters", n);
    }

    private static String describe(RunConfig.DataSpec d) {
        return d.kind() + (d.path() == null || d.kind().equals("fashion-mnist") && d.path().equals(dev.jmamba.app.data.FashionMnist.DEFAULT_DIR.toString())
                ? "" : " (" + d.path() + ")");
    }

    static Path defaultRunDir() {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path dir = Path.of("runs", stamp);
        for (int i = 2; Files.exists(dir); i++) dir = Path.of("runs", stamp + "-" + i);
        return dir;
    }

    private static int positive(String name, int v) {
        if (v < 1) throw UserError.usage(name + " must be >= 1, got " + v);
        return v;
    }

    private static double positive(String name, double v) {
        if (!(v > 0) || Double.isInfinite(v)) throw UserError.usage(name + " must be a positive number, got " + v);
        return v;
    }

    private static int positiveOrZero(String name, Integer v) {
        if (v == null) return 0;
        if (v < 1) throw UserError.usage(name + " must be >= 1, got " + v);
        return v;
    }

    private static long nonNegative(String name, long v) {
        if (v < 0) throw UserError.usage(name + " must be >= 0, got " + v);
        return v;
    }

    private static double nonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) throw UserError.usage(name + " must be a number >= 0, got " + v);
        return v;
    }

    private static double fraction(String name, Double v, double dflt) {
        if (v == null) return dflt;
        if (!(v >= 0 && v < 1)) throw UserError.usage(name + " must be in [0, 1), got " + v);
        return v;
    }
}
