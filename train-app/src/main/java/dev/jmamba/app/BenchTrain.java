package dev.jmamba.app;

import dev.jmamba.autograd.Autograd;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.ActivationCheckpointing;
import dev.jmamba.nn.GraphedForward;
import dev.jmamba.nn.Losses;
import dev.jmamba.optim.AdamW;
import dev.jmamba.optim.GraphedStep;
import dev.jmamba.optim.ParamGroups;
import dev.jmamba.tensor.Backend;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.MatmulPrecision;
import dev.jmamba.tensor.MemoryStats;
import dev.jmamba.tensor.Profile;
import dev.jmamba.tensor.Profiler;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.Backbone;
import dev.jmamba.vision.Backbones;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jmamba bench train}: times whole training steps (forward, cross-entropy, backward, AdamW)
 * of a registry model on random images, or inference (forward only, without gradients, the model in
 * eval mode) with {@code --inference}.
 * Each step runs in its own {@link Scope}; reading the loss back to the host ends the step, so the
 * time covers the device work. Reports the median step and images per second; with
 * {@code --profile}, one extra step runs under the {@link Profiler} and its per-op breakdown is
 * printed ({@link ProfileReport}). With {@code --graph} (CUDA only) the warm-up steps run eagerly,
 * then one step is captured in a CUDA graph ({@link GraphedStep}; with {@code --inference} the
 * forward alone, {@link GraphedForward}) and the timed steps are its replays, each ended by reading
 * the loss (inference: the sum of the logits) back.
 *
 * <p>Compute rate: the model's forward cost per image comes from the vision module's analytic
 * counter ({@link Backbones#cost}, as {@code jmamba info} prints it: multiply-adds counted once, the
 * fvcore convention of the papers). A training step counts 3 forward costs (forward, plus twice that
 * for the backward: gradients of inputs and of weights), inference 1. The achieved TFLOP/s reported
 * count 2 FLOPs per multiply-add, the GEMM convention, so that they compare with the ceiling: right
 * after the timed steps a float32 matmul of (n, n) by (n, n) runs on the same device, in the same
 * {@code --precision} (so a bf16 step is compared with a bf16-rounded GEMM)
 * ({@link SgemmCeiling}, 2·n³ FLOPs, median of 5 after 2 warm-ups) and the step's fraction of it is
 * reported. Text and JSON carry the same numbers; the JSON fields are {@code gmacs_per_image}
 * (forward, per image), {@code flop_passes} (3 or 1), {@code tflops}, {@code sgemm_n},
 * {@code sgemm_ms}, {@code sgemm_tflops} and {@code fraction_of_sgemm} = tflops / sgemm_tflops.
 *
 * <p>Memory: {@code peak_allocated_gib} is the most memory the device's tensors held at once during
 * the warm-up and timed steps, {@code peak_reserved_gib} what the backend held to serve them (the
 * CUDA caching allocator's blocks, cached ones included; the CUDA context and cuBLAS's own
 * workspace are outside both). With {@code --profile}, a training step is also broken down by
 * {@link MemoryReport}.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Time training steps (or inference) of a model on random data: median ms per step and img/s.")
public final class BenchTrain implements Runnable {
    @Option(names = "--model", defaultValue = "vim-tiny", description = "Registry model (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--device", description = "cpu or cuda (default: cuda when present, else cpu).")
    String device;

    @Option(names = "--precision", paramLabel = "P", description = PrecisionOption.DESCRIPTION
            + " The ceiling matmul runs in the same precision.")
    String precision;

    @Option(names = "--batch-size", defaultValue = "8", description = "Images per step (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--resolution", defaultValue = "224", description = "Image side (default ${DEFAULT-VALUE}).")
    int resolution;

    @Option(names = "--classes", defaultValue = "1000", description = "Classifier outputs (default ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--steps", defaultValue = "5", description = "Timed steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "2", description = "Untimed steps first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--inference", description = "Forward only, without gradients.")
    boolean inference;

    @Option(names = "--graph", description = "Capture one training step (with --inference: one forward) in a CUDA graph"
            + " after the warm-up and time its replays (CUDA only; needs --warmup >= 1).")
    boolean graph;

    @Option(names = "--checkpoint-activations", description = "Recompute each block's activations in backward instead of keeping"
            + " them (less memory, about one more forward pass).")
    boolean checkpointActivations;

    @Option(names = "--sgemm-n", description = "Side n of the float32 (n, n) x (n, n) matmul timed after the steps as the"
            + " compute ceiling (default 4096 on a GPU, 1024 on the CPU).")
    Integer sgemmN;

    @Option(names = "--json", description = "Print one JSON line (and with --profile one more per op). Besides ms and img_per_s:"
            + " gmacs_per_image (forward multiply-adds per image, fvcore convention as in 'jmamba info'), flop_passes"
            + " (3 for a training step: forward + 2x for the backward; 1 for --inference), tflops (achieved, counting"
            + " 2 FLOPs per multiply-add), sgemm_n, sgemm_ms, sgemm_tflops (the matmul ceiling) and fraction_of_sgemm.")
    boolean json;

    @Option(names = "--profile", description = "After the timed steps, profile one more step and print a per-op table"
            + " (calls, host ms, device ms, %% of step, host syncs); on a GPU every op is synchronised to time it.")
    boolean profile;

    @Override public void run() {
        if (!Backbones.names().contains(model)) {
            throw UserError.usage("unknown model '" + model + "'; choose one of " + String.join(", ", Backbones.names()));
        }
        if (batch < 1 || steps < 1 || warmup < 0 || resolution < 1) {
            throw UserError.usage("--batch-size, --steps and --resolution must be >= 1 and --warmup >= 0");
        }
        if (sgemmN != null && sgemmN < 1) throw UserError.usage("--sgemm-n must be >= 1, got " + sgemmN);
        if (graph && warmup < 1) {
            throw UserError.usage("--graph captures the step after at least one eager warm-up step: use --warmup >= 1, got " + warmup);
        }
        Device dev;
        try {
            dev = device == null ? Backends.defaultDevice() : Device.parse(device);
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
        if (!Backends.isAvailable(dev)) throw UserError.runtime("--device " + dev + " is not available on this machine");
        MatmulPrecision gemmPrecision = PrecisionOption.apply(precision, dev);
        if (graph && !(dev instanceof Device.Cuda)) {
            throw UserError.usage("--graph captures the step in a CUDA graph and needs --device cuda; got --device " + dev);
        }
        long macsPerImage;
        try {
            macsPerImage = Backbones.cost(model, classes, resolution, 3).flops();
        } catch (IllegalArgumentException e) {
            throw UserError.usage(model + " at " + resolution + ": " + e.getMessage());
        }
        Backbone net = Backbones.create(model, classes, resolution, 3, 0);
        net.to(dev);
        if (inference) net.eval();                 // inference: no drop path, norms on running statistics
        if (checkpointActivations && ActivationCheckpointing.enable(net, true) == 0) {
            throw UserError.usage("--checkpoint-activations: model " + model + " has no block stages to checkpoint");
        }
        AdamW opt = new AdamW(ParamGroups.noDecayFor(net, 0.05), 1e-4);
        Tensor images = Tensor.random(RandomKind.NORMAL, 1, 0, 1, DType.F32, dev, batch, 3, resolution, resolution);
        long[] lab = new long[batch];
        for (int i = 0; i < batch; i++) lab[i] = (i * 7L) % classes;
        Tensor labels = Tensor.of(lab, batch).to(dev);
        Backend backend = Backends.of(dev);
        backend.resetPeakMemory();
        double[] ms = !graph ? timeEager(net, opt, images, labels)
                : inference ? timeForwardReplays(net, images) : timeReplays(net, opt, images, labels);
        MemoryStats memory = backend.memoryStats();
        Arrays.sort(ms);
        double median = steps % 2 == 1 ? ms[steps / 2] : (ms[steps / 2 - 1] + ms[steps / 2]) / 2;
        double imgPerS = batch / (median / 1e3);
        int passes = inference ? 1 : 3;
        double tflops = 2.0 * passes * macsPerImage * batch / (median * 1e-3) / 1e12;   // 2 FLOPs per multiply-add
        SgemmCeiling.Result ceiling = SgemmCeiling.measure(dev, sgemmN != null ? sgemmN : SgemmCeiling.defaultSize(dev), 2, 5);
        double fraction = tflops / ceiling.tflops();
        String mode = inference ? "inference" : "train";
        if (json) {
            System.out.println(String.format(Locale.ROOT,
                    "{\"case\":\"%s\",\"model\":\"%s\",\"device\":\"%s\",\"precision\":\"%s\",\"batch\":%d,\"resolution\":%d,\"ms\":%.2f,\"img_per_s\":%.1f%s,"
                            + "\"gmacs_per_image\":%.6g,\"flop_passes\":%d,\"tflops\":%.6g,\"sgemm_n\":%d,\"sgemm_ms\":%.4f,"
                            + "\"sgemm_tflops\":%.6g,\"fraction_of_sgemm\":%.6g,\"peak_allocated_gib\":%.3f,\"peak_reserved_gib\":%.3f}",
                    mode, model, dev, gemmPrecision, batch, resolution, median, imgPerS, (graph ? ",\"graph\":true" : "") + (checkpointActivations ? ",\"checkpoint_activations\":true" : ""),
                    macsPerImage / 1e9, passes, tflops, ceiling.n(), ceiling.ms(), ceiling.tflops(), fraction,
                    MemoryStats.gib(memory.peakAllocatedBytes()), MemoryStats.gib(memory.peakReservedBytes())));
        } else {
            System.out.println(String.format(Locale.ROOT, "%s %s on %s (%s matmuls)%s, batch %d at %d: median %.1f ms per step, %.1f img/s,"
                            + " %.4g TFLOP/s (%d x %.4g GMACs/img, 2 FLOPs per MAC) = %.3g of the matmul ceiling %.4g TFLOP/s (n=%d, %.3f ms)",
                    mode, model, dev, gemmPrecision, graph ? " (CUDA graph replays)" : "", batch, resolution, median, imgPerS,
                    tflops, passes, macsPerImage / 1e9, fraction, ceiling.tflops(), ceiling.n(), ceiling.ms()));
            System.out.println(String.format(Locale.ROOT, "peak device memory of the steps: %.3f GiB allocated by tensors, %.3f GiB reserved"
                    + " by the allocator", MemoryStats.gib(memory.peakAllocatedBytes()), MemoryStats.gib(memory.peakReservedBytes())));
        }
        if (profile) {
            MemoryReport memoryReport = inference ? null : MemoryReport.begin(backend, net, opt);
            Profiler.start(!(dev instanceof Device.Cpu));
            Profile p;
            try {
                if (inference) step(net, opt, images, labels);
                else profiledTrainStep(net, opt, images, labels, memoryReport);
            } finally {
                p = Profiler.stop();
            }
            if (json) ProfileReport.json(p, System.out);
            else ProfileReport.table(p, System.out);
            if (memoryReport != null) {
                memoryReport.opBoundaryPeak(p.peak());
                if (json) memoryReport.json(System.out);
                else memoryReport.print(System.out);
            }
        }
    }

    /** Milliseconds of each timed eager step, after the warm-up steps. */
    private double[] timeEager(Backbone net, AdamW opt, Tensor images, Tensor labels) {
        double[] ms = new double[steps];
        for (int s = -warmup; s < steps; s++) {
            long t0 = System.nanoTime();
            step(net, opt, images, labels);
            if (s >= 0) ms[s] = (System.nanoTime() - t0) / 1e6;
        }
        return ms;
    }

    /** Milliseconds of each timed replay of the captured step (the warm-up steps run eagerly inside capture). */
    private double[] timeReplays(Backbone net, AdamW opt, Tensor images, Tensor labels) {
        double[] ms = new double[steps];
        GraphedStep graphed;
        try {
            graphed = GraphedStep.capture(opt, List.of(images, labels), warmup, () -> trainStep(net, opt, images, labels));
        } catch (IllegalStateException e) {
            throw UserError.runtime("could not capture a training step of " + model + " in a CUDA graph: " + e.getMessage());
        }
        try (graphed) {
            graphed.replay();                      // untimed: the first launch also uploads the graph to the device
            graphed.loss().item();
            for (int s = 0; s < steps; s++) {
                long t0 = System.nanoTime();
                graphed.replay();
                graphed.loss().item();
                ms[s] = (System.nanoTime() - t0) / 1e6;
            }
        }
        return ms;
    }

    /** Milliseconds of each timed replay of the captured forward (the warm-up forwards run eagerly inside capture). */
    private double[] timeForwardReplays(Backbone net, Tensor images) {
        double[] ms = new double[steps];
        GraphedForward graphed;
        try {
            graphed = GraphedForward.capture(images, warmup, x -> net.forward(Var.of(x)).value());
        } catch (IllegalStateException e) {
            throw UserError.runtime("could not capture the forward of " + model + " in a CUDA graph: " + e.getMessage());
        }
        try (graphed) {
            for (int s = -1; s < steps; s++) {     // s = -1 untimed: the first launch also uploads the graph to the device
                long t0 = System.nanoTime();
                graphed.replay();
                try (Scope scope = Scope.open()) {
                    graphed.output().sum().item();   // as the eager inference step: the logits' sum read back ends it
                }
                if (s >= 0) ms[s] = (System.nanoTime() - t0) / 1e6;
            }
        }
        return ms;
    }

    /** One step in its own Scope; reading the loss (or output sum) back to the host ends it. */
    private void step(Backbone net, AdamW opt, Tensor images, Tensor labels) {
        try (Scope scope = Scope.open()) {
            if (inference) {
                try (var g = Autograd.noGrad()) {
                    net.forward(Var.of(images)).value().sum().item();
                }
            } else {
                trainStep(net, opt, images, labels).item();
            }
        }
    }

    /** {@link #trainStep} in its own Scope, telling {@code report} what the graph saved and what the step held. */
    private static void profiledTrainStep(Backbone net, AdamW opt, Tensor images, Tensor labels, MemoryReport report) {
        try (Scope scope = Scope.open()) {
            Var loss = Losses.crossEntropy(net.forward(Var.of(images)), labels, 0);
            report.afterForward(loss);
            loss.backward();
            opt.step();
            report.afterStep();
            opt.zeroGrad();
            loss.value().item();
        }
    }

    /** Forward, cross-entropy, backward, AdamW step, zeroGrad; returns the loss (), still on the device. */
    private static Tensor trainStep(Backbone net, AdamW opt, Tensor images, Tensor labels) {
        Var loss = Losses.crossEntropy(net.forward(Var.of(images)), labels, 0);
        loss.backward();
        opt.step();
        opt.zeroGrad();
        return loss.value();
    }
}
