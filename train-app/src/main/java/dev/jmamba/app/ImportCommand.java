package dev.jmamba.app;

import dev.jmamba.io.CheckpointException;
import dev.jmamba.vision.checkpoint.CheckpointStore;
import dev.jmamba.vision.models.ModelRegistry;
import dev.jmamba.vision.weights.OfficialWeights;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code jmamba import}: official PyTorch weights (.pth/.pt zip checkpoints or safetensors) → a
 * checkpoint folder that {@code eval}, {@code predict} and {@code ImageClassifier} accept, through the
 * library's {@link OfficialWeights}.
 */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Import official weights (.pth/.pt from torch.save, or .safetensors) into a jmamba checkpoint folder.")
public final class ImportCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "M", description = "Registry name, e.g. vim-tiny, vmamba-tiny, localmamba-tiny, globalmamba-tiny.")
    String model;
    @Option(names = "--weights", required = true, paramLabel = "FILE", description = "The weights: a state dict or a training checkpoint (its model entry is used).")
    Path weights;
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder to write DIR/checkpoint into (must not hold a checkpoint yet).")
    Path out;
    @Option(names = "--classes", paramLabel = "N", description = "Classes (default: rows of the weights' head).")
    Integer classes;
    @Option(names = "--in-channels", paramLabel = "C", description = "Input channels (default: from the patch embedding).")
    Integer inChannels;
    @Option(names = "--resolution", paramLabel = "R", description = "Input side (default: the grid of pos_embed, else the preset's 224); pos_embed is resampled.")
    Integer resolution;
    @Option(names = "--class-names", paramLabel = "FILE", description = "One class name per line (default: ImageNet-1k names for 1000 classes, else class_i).")
    Path classNames;
    @Option(names = "--entry", paramLabel = "KEY", description = "Entry of a training checkpoint to read, e.g. model_ema (default: model, state_dict, model_ema, in that order).")
    String entry;

    @Override public void run() {
        if (!ModelRegistry.contains(model)) throw UserError.usage("unknown model '" + model + "'; known models: " + String.join(", ", ModelRegistry.names()));
        for (Integer v : new Integer[] {classes, inChannels, resolution}) {
            if (v != null && v < 1) throw UserError.usage("--classes, --in-channels and --resolution must be >= 1, got " + v);
        }
        if (Files.exists(out.resolve(CheckpointStore.DIR_NAME))) {
            throw UserError.usage("--out " + out + " already holds a checkpoint; choose another folder");
        }
        List<String> names = classNames == null ? null : readNames(classNames);
        OfficialWeights.Imported imp;
        try {
            imp = OfficialWeights.load(model, weights, new OfficialWeights.Options(classes, inChannels, resolution, entry));
            if (names != null && names.size() != imp.spec().numClasses()) {
                throw UserError.runtime(classNames + ": has " + names.size() + " class names, the model has " + imp.spec().numClasses() + " classes");
            }
            imp.writeCheckpoint(out, names);
        } catch (CheckpointException e) {
            throw UserError.runtime(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage());
        }
        PrintWriter o = spec.commandLine().getOut();
        o.printf("imported %s (%,d parameters, %d classes, %d channels, resolution %d) from %s%s into %s%n", model,
                imp.model().module().numParameters(), imp.spec().numClasses(), imp.spec().inChannels(), imp.spec().resolution(),
                weights, imp.entry().isEmpty() ? "" : " [" + imp.entry() + "]", out.resolve(CheckpointStore.DIR_NAME));
        for (String n : imp.notes()) o.println("  " + n);
        o.flush();
    }

    private static List<String> readNames(Path file) {
        try {
            return Files.readAllLines(file).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        } catch (IOException e) {
            throw UserError.runtime(file + ": cannot be read (" + e.getMessage() + ")");
        }
    }
}
