package dev.jmamba.app;

import dev.jmamba.nn.Module;
import dev.jmamba.vision.Backbones;
import dev.jmamba.vision.CostReport;
import dev.jmamba.vision.Reported;
import dev.jmamba.vision.models.Classifier;
import dev.jmamba.vision.models.ModelRegistry;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jmamba info}: parameters and FLOPs of a model per part, counted analytically from its
 * config (no model is built). FLOPs are multiply-adds, the fvcore convention of the published
 * numbers; the selective scan counts 9·L·D·N (+ L·D for D, + L·D for z), state-spaces/mamba issue 110.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Parameters and FLOPs (fvcore multiply-adds, batch 1) of a model, per stage/part.",
                "Models: vim-tiny vim-small vim-nano vmamba-tiny vmamba-nano localmamba-tiny localmamba-nano",
                "globalmamba-tiny globalmamba-nano fractalmamba-tiny fractalmamba-nano, and the CNNs small-cnn small-cnn-wide",
                "tiny-cnn (parameters only)."})
public final class InfoCommand implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "M", description = "Model name.")
    String model;

    @Option(names = {"-r", "--resolution"}, paramLabel = "R", defaultValue = "224", description = "Input side in pixels (default 224).")
    int resolution;

    @Option(names = "--classes", paramLabel = "K", defaultValue = "1000", description = "Classes of the head (default 1000).")
    int classes;

    @Option(names = "--in-channels", paramLabel = "C", defaultValue = "3", description = "Input channels (default 3).")
    int inChannels;

    @Option(names = "--json", description = "One JSON line per part, then {\"model\":..,\"resolution\":..,\"params\":..,\"flops\":..}.")
    boolean json;

    @Override public void run() {
        if (!ModelRegistry.contains(model)) {
            throw UserError.usage("unknown model '" + model + "'; known models: " + String.join(", ", ModelRegistry.names()));
        }
        if (resolution < 1 || classes < 1 || inChannels < 1) {
            throw UserError.usage("--resolution, --classes and --in-channels must be positive");
        }
        if (!Backbones.names().contains(model)) {
            builtCount();
            return;
        }
        CostReport r;
        try {
            dev.jmamba.vision.models.ModelRegistry.checkResolution(model, resolution);
            r = Backbones.cost(model, classes, resolution, inChannels);
        } catch (IllegalArgumentException e) {
            throw UserError.usage(model + " at " + resolution + ": " + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            for (CostReport.Part p : r.parts()) {
                out.println("{\"part\":\"" + p.name() + "\",\"params\":" + p.params() + ",\"flops\":" + p.flops() + "}");
            }
            out.println("{\"model\":\"" + model + "\",\"resolution\":" + resolution + ",\"params\":" + r.params()
                    + ",\"flops\":" + r.flops() + "}");
        } else {
            out.printf("%s at %dx%d (%d classes, %d input channels)%n", model, resolution, resolution, classes, inChannels);
            out.printf("%-36s %14s %12s%n", "part", "params", "GFLOPs");
            for (CostReport.Part p : r.parts()) out.printf("%-36s %,14d %12.4f%n", p.name(), p.params(), p.flops() / 1e9);
            out.printf("%-36s %,14d %12.4f%n", "total", r.params(), r.flops() / 1e9);
            Reported.of(model).ifPresent(p -> out.printf("published at 224: %.1fM params, %.1fG FLOPs (%s)%n",
                    p.params() / 1e6, p.flops() / 1e9, p.source()));
            out.println("FLOPs = multiply-adds (fvcore); selective scan 9*L*D*N (+L*D for D, +L*D for z), state-spaces/mamba#110.");
        }
        out.flush();
    }

    /** The built-in CNNs have no analytic cost model: build one and count its parameters per part (FLOPs not counted). */
    private void builtCount() {
        Classifier c;
        try {
            c = ModelRegistry.create(new ModelRegistry.ModelChoice(model, classes, inChannels, resolution, 0, 0));
        } catch (IllegalArgumentException e) {
            throw UserError.usage(model + " at " + resolution + ": " + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        Map<String, Module> parts = c.module().namedChildren();
        long total = c.module().numParameters();
        if (json) {
            for (Map.Entry<String, Module> p : parts.entrySet()) {
                out.println("{\"part\":\"" + p.getKey() + "\",\"params\":" + p.getValue().numParameters() + ",\"flops\":null}");
            }
            out.println("{\"model\":\"" + model + "\",\"resolution\":" + resolution + ",\"params\":" + total + ",\"flops\":null}");
        } else {
            out.printf("%s at %dx%d (%d classes, %d input channels)%n", model, resolution, resolution, classes, inChannels);
            out.printf("%-36s %14s%n", "part", "params");
            for (Map.Entry<String, Module> p : parts.entrySet()) out.printf("%-36s %,14d%n", p.getKey(), p.getValue().numParameters());
            out.printf("%-36s %,14d%n", "total", total);
            out.println("FLOPs are counted for the Mamba models only (built-in CNN: parameters counted on the built model).");
        }
        out.flush();
    }
}
