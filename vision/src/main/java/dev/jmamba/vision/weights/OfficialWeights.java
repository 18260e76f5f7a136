package dev.jmamba.vision.weights;

import dev.jmamba.io.CheckpointException;
import dev.jmamba.io.TensorBlobs;
import dev.jmamba.io.WeightFiles;
import dev.jmamba.nn.StateDictException;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.Backbone;
import dev.jmamba.vision.IsotropicNet;
import dev.jmamba.vision.checkpoint.CheckpointStore;
import dev.jmamba.vision.checkpoint.RunConfig;
import dev.jmamba.vision.checkpoint.TrainedModel;
import dev.jmamba.vision.checkpoint.TrainerState;
import dev.jmamba.vision.image.Normalization;
import dev.jmamba.vision.models.Classifier;
import dev.jmamba.vision.models.ModelRegistry;
import dev.jmamba.vision.models.ModelRegistry.ModelChoice;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Official PyTorch weights (Vim, VMamba, LocalMamba, GlobalMamba; any jmamba model saved from PyTorch
 * under jmamba's names) loaded into a jmamba model, as timm's {@code create_model(name, pretrained=True,
 * checkpoint_path=FILE)} would:
 * <pre>
 *   OfficialWeights.Imported m = OfficialWeights.load("vim-tiny", Path.of("vim_t_midclstok_76p1acc.pth"), OfficialWeights.Options.DEFAULTS);
 *   m.writeCheckpoint(Path.of("vim-tiny-imagenet"), null);      // a folder ImageClassifier, eval and predict accept
 * </pre>
 * Steps: read the file ({@link WeightFiles}: safetensors or .pth, training checkpoints unwrapped, a
 * {@code module.} prefix removed); map the official key names to jmamba's (they are the same except for
 * buffers jmamba recomputes, see {@link KeyMapping}); take classes, input channels and resolution from
 * the weights unless given; build the model; resample {@code pos_embed} to the resolution; load strictly,
 * with one message listing every missing, unexpected and mismatched key.
 */
public final class OfficialWeights {
    private OfficialWeights() {}

    /**
     * What to build; null fields are taken from the weights (classes: the head's rows; channels: the
     * patch embedding's input channels; resolution: the grid of {@code pos_embed}, else the preset's).
     *
     * @param classes    K, or null
     * @param inChannels C, or null
     * @param resolution input side R, or null
     * @param entry      the entry of a training checkpoint to read ("model", "model_ema", ...), or null for the first state dict
     */
    public record Options(Integer classes, Integer inChannels, Integer resolution, String entry) {
        public static final Options DEFAULTS = new Options(null, null, null, null);
    }

    /**
     * A model with imported weights, on the CPU, in eval mode.
     *
     * @param spec  what was built
     * @param model the model
     * @param file  the weights file
     * @param entry the checkpoint entry the state dict came from ("" for a bare state dict)
     * @param notes what was changed on the way (dropped buffers, resampled position embeddings)
     */
    public record Imported(ModelChoice spec, Classifier model, Path file, String entry, List<String> notes) {

        /**
         * Writes a checkpoint folder {@code dir/checkpoint} that {@code ImageClassifier}, {@code eval} and
         * {@code predict} accept: model.safetensors, config.json (ImageNet preprocessing: resize to
         * R / 0.875, centre crop R, bicubic, ImageNet mean/std) and trainer.json; no optimizer state.
         * {@code classNames}: null = the ImageNet-1k names for 1000 classes, else "class_i".
         */
        public void writeCheckpoint(Path dir, List<String> classNames) {
            List<String> names = classNames != null ? classNames : defaultClassNames(spec.numClasses());
            if (names.size() != spec.numClasses()) {
                throw new JmambaException(names.size() + " class names for a model with " + spec.numClasses() + " classes");
            }
            Normalization norm = spec.inChannels() == 3 ? Normalization.IMAGENET : Normalization.half(spec.inChannels());
            RunConfig cfg = new RunConfig(spec, new RunConfig.DataSpec(TrainedModel.NO_DATA, null, 0, 0, names, spec.inChannels(),
                    norm.mean(), norm.std(), "none"), null);
            CheckpointStore.write(dir, cfg, new TrainerState(0, 0, 0, spec.seed(), 0, false, 0, 0, 0, 0), model.module().stateDict(), null, null);
        }
    }

    /** Reads {@code file} and builds registry model {@code name} with its weights. */
    public static Imported load(String name, Path file, Options options) {
        if (!ModelRegistry.contains(name)) throw new JmambaException("unknown model '" + name + "'; known models: " + String.join(", ", ModelRegistry.names()));
        WeightFiles.StateDict read = WeightFiles.read(file, options.entry());
        List<String> notes = new ArrayList<>();
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (var e : KeyMapping.toJmamba(name, read.tensors(), notes).entrySet()) state.put(e.getKey(), TensorBlobs.toTensor(e.getValue()));

        int classes = options.classes() != null ? options.classes() : inferClasses(file, state);
        int channels = options.inChannels() != null ? options.inChannels() : inferChannels(file, state);
        int resolution = options.resolution() != null ? options.resolution() : defaultResolution(name);
        ModelChoice spec = new ModelChoice(name, classes, channels, resolution, 0, 0);
        Classifier model = ModelRegistry.create(spec);
        if (name.startsWith("globalmamba") && model.module() instanceof IsotropicNet net && state.get("pos_embed") != null
                && state.get("pos_embed").size(1) == net.builtLayout().length() + 1) {
            // the released GlobalMamba hard-codes one position more than its 255 tokens + cls use (257 at 224);
            // jmamba keeps the first 256 (our reading, vision/README.md)
            Tensor pe = state.get("pos_embed");
            state.put("pos_embed", pe.narrow(1, 0, pe.size(1) - 1).contiguous());
            notes.add("cut pos_embed from " + pe.size(1) + " to the " + (pe.size(1) - 1) + " positions GlobalMamba's tokens + cls use");
        }
        if (options.resolution() == null && model.module() instanceof IsotropicNet net && state.get("pos_embed") != null) {
            int tokens = state.get("pos_embed").size(1);
            if (tokens != net.builtLayout().length()) {             // build at the resolution the weights were trained at
                int r = sideFor(net, tokens);
                if (r > 0) {
                    spec = new ModelChoice(name, classes, channels, r, 0, 0);
                    model = ModelRegistry.create(spec);
                }
            }
        }
        if (model.module() instanceof Backbone b) {
            Tensor before = state.get("pos_embed");
            try {
                state = b.adaptStateDict(state);
            } catch (IllegalArgumentException noGrid) {
                // a table of no grid this model makes: left as it is, the strict load below lists the mismatch
            }
            if (before != null && state.get("pos_embed") != before) {
                notes.add("resampled pos_embed from " + before.size(1) + " to " + state.get("pos_embed").size(1) + " positions (bicubic) for resolution " + spec.resolution());
            }
        }
        try {
            model.module().loadStateDict(state, true);
        } catch (StateDictException e) {
            throw new CheckpointException(file, "does not fit " + name + " (" + classes + " classes, " + channels + " channels, resolution "
                    + spec.resolution() + "): " + e.result().describe(), e);
        }
        model.module().train(false);
        return new Imported(spec, model, file, read.entry(), notes);
    }

    /** The smallest square input side whose token layout has {@code tokens} positions, or 0. */
    private static int sideFor(IsotropicNet net, int tokens) {
        for (int side = 1; side <= 4096; side++) {
            try {
                if (net.layout(side, side).length() == tokens) return side;
            } catch (IllegalArgumentException tooSmall) {
                // below the smallest input the model takes
            }
        }
        return 0;
    }

    /** 224 for the published presets, 28 for the nano presets and the small CNNs. */
    static int defaultResolution(String name) {
        return name.endsWith("-nano") || name.contains("cnn") ? 28 : 224;
    }

    private static int inferClasses(Path file, Map<String, Tensor> state) {
        for (String k : List.of("head.weight", "classifier.head.weight")) {
            Tensor t = state.get(k);
            if (t != null && t.rank() == 2) return t.size(0);
        }
        throw new CheckpointException(file, "has no classifier head (head.weight or classifier.head.weight) to take the number of classes from; pass --classes");
    }

    private static int inferChannels(Path file, Map<String, Tensor> state) {
        for (var e : state.entrySet()) {
            if ((e.getKey().startsWith("patch_embed") || e.getKey().startsWith("conv1")) && e.getValue().rank() == 4) return e.getValue().size(1);
        }
        throw new CheckpointException(file, "has no patch-embedding convolution to take the input channels from; pass --in-channels");
    }

    /** The ImageNet-1k class names (timm's synset order, first WordNet lemma) for 1000 classes, else "class_i". */
    public static List<String> defaultClassNames(int classes) {
        if (classes == 1000) return imagenetLabels();
        List<String> out = new ArrayList<>(classes);
        for (int i = 0; i < classes; i++) out.add("class_" + i);
        return out;
    }

    private static List<String> imagenetLabels() {
        try (var in = OfficialWeights.class.getResourceAsStream("imagenet1k-labels.txt")) {
            if (in == null) throw new IllegalStateException("resource imagenet1k-labels.txt is missing from the jar");
            List<String> out = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList();
            if (out.size() != 1000) throw new IllegalStateException("imagenet1k-labels.txt has " + out.size() + " lines, expected 1000");
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
