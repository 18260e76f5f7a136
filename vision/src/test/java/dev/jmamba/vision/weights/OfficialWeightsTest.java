package dev.jmamba.vision.weights;

import dev.jmamba.autograd.Autograd;
import dev.jmamba.autograd.Var;
import dev.jmamba.io.CheckpointException;
import dev.jmamba.io.HalfFloats;
import dev.jmamba.io.TensorBlobs;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.IsotropicNet;
import dev.jmamba.vision.PosEmbeds;
import dev.jmamba.vision.infer.ImageClassifier;
import dev.jmamba.vision.models.Classifier;
import dev.jmamba.vision.models.ModelRegistry;
import dev.jmamba.vision.models.ModelRegistry.ModelChoice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Importing weights saved by PyTorch: a Vim-style training checkpoint written by torch.save
 * ({@code make_fixtures.py}) and state dicts carrying what the official LocalMamba / GlobalMamba /
 * VMamba checkpoints carry (rotary buffers, a 257-position table, a DDP prefix). The imported model must
 * hold exactly the weights of the model they came from and give its logits.
 */
class OfficialWeightsTest {
    @TempDir Path dir;

    private Path resource(String name) throws Exception {
        Path p = dir.resolve(name);
        try (InputStream in = getClass().getResourceAsStream(name)) {
            Files.copy(in, p);
        }
        return p;
    }

    private static Map<String, Tensor> stateOf(String model) {
        return ModelRegistry.create(WriteNanoStateDicts.spec(model)).module().stateDict();
    }

    /** Every float value rounded to binary16 and back, as torch's .half() stores it. */
    private static Map<String, Tensor> roundedToHalf(Map<String, Tensor> sd) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (var e : sd.entrySet()) {
            Tensor t = e.getValue();
            if (t.dtype() != DType.F32) {
                out.put(e.getKey(), t);
                continue;
            }
            float[] v = t.toFloatArray();
            for (int i = 0; i < v.length; i++) v[i] = HalfFloats.f16ToFloat(HalfFloats.floatToF16(v[i]));
            out.put(e.getKey(), Tensor.of(v, t.shape()));
        }
        return out;
    }

    private static void assertSameState(Map<String, Tensor> expected, Map<String, Tensor> got) {
        assertEquals(expected.keySet(), got.keySet());
        for (var e : expected.entrySet()) assertEquals(0.0, got.get(e.getKey()).maxAbsDiff(e.getValue()), 0.0, e.getKey());
    }

    private static float[] logits(Classifier m, Tensor x) {
        try (var g = Autograd.noGrad()) {
            return m.forward(Var.of(x)).value().toFloatArray();
        }
    }

    @Test
    void aVimTrainingCheckpointFromTorchSaveImportsExactly() throws Exception {
        Path file = resource("vim-nano-training.pth");
        OfficialWeights.Imported imp = OfficialWeights.load("vim-nano", file, OfficialWeights.Options.DEFAULTS);
        assertEquals("model", imp.entry());
        assertEquals(new ModelChoice("vim-nano", 10, 1, 28, 0, 0), imp.spec(), "classes, channels and resolution from the weights");
        Map<String, Tensor> expected = roundedToHalf(stateOf("vim-nano"));
        assertSameState(expected, imp.model().module().stateDict());

        // the written checkpoint gives the logits of the original model with those weights
        imp.writeCheckpoint(dir.resolve("imported"), null);
        Classifier reference = ModelRegistry.create(WriteNanoStateDicts.spec("vim-nano"));
        reference.module().loadStateDict(expected, true);
        reference.module().train(false);
        Tensor x = Tensor.randn(3, 1, 1, 28, 28);
        try (ImageClassifier c = ImageClassifier.load(dir.resolve("imported"), Device.CPU)) {
            assertEquals(List.of("class_0", "class_1"), c.labels().subList(0, 2));
            assertTrue(c.preprocessing().centerCrop(), "imported models use the ImageNet evaluation crop");
            assertArrayEquals(logits(reference, x), c.logits(x.toFloatArray(), 1, 28, 28), 0f);
        }
    }

    @Test
    void anotherResolutionResamplesThePositionEmbedding() throws Exception {
        Path file = resource("vim-nano-training.pth");
        OfficialWeights.Imported imp = OfficialWeights.load("vim-nano", file, new OfficialWeights.Options(null, null, 40, null));
        assertEquals(40, imp.spec().resolution());
        assertTrue(imp.notes().stream().anyMatch(n -> n.contains("resampled pos_embed from 50 to 101")), imp.notes().toString());
        IsotropicNet at28 = (IsotropicNet) ModelRegistry.create(WriteNanoStateDicts.spec("vim-nano")).module();
        IsotropicNet at40 = (IsotropicNet) imp.model().module();
        Tensor expected = PosEmbeds.resample(roundedToHalf(stateOf("vim-nano")).get("pos_embed"), at28.builtLayout(), at40.builtLayout());
        assertEquals(0.0, at40.stateDict().get("pos_embed").maxAbsDiff(expected), 0.0);
    }

    @Test
    void officialExtrasAreMappedAwayAndReported() {
        Map<String, Tensor> local = new LinkedHashMap<>(stateOf("localmamba-nano"));
        local.put("rope.freqs_cos", Tensor.ones(49, 16));
        local.put("rope.freqs_sin", Tensor.zeros(49, 16));
        Path lf = dir.resolve("local.safetensors");
        TensorBlobs.write(lf, local);
        OfficialWeights.Imported l = OfficialWeights.load("localmamba-nano", lf, OfficialWeights.Options.DEFAULTS);
        assertSameState(stateOf("localmamba-nano"), l.model().module().stateDict());
        assertTrue(l.notes().contains("dropped rope.freqs_cos (jmamba recomputes the rotary tables)"), l.notes().toString());

        Map<String, Tensor> global = new LinkedHashMap<>(stateOf("globalmamba-nano"));
        Tensor pe = global.get("pos_embed");
        global.put("pos_embed", Tensor.cat(1, pe, Tensor.full(99, DType.F32, Device.CPU, 1, 1, pe.size(2))));
        Path gf = dir.resolve("global.safetensors");
        TensorBlobs.write(gf, global);
        OfficialWeights.Imported g = OfficialWeights.load("globalmamba-nano", gf, OfficialWeights.Options.DEFAULTS);
        assertSameState(stateOf("globalmamba-nano"), g.model().module().stateDict());
        assertTrue(g.notes().getFirst().startsWith("cut pos_embed from " + (pe.size(1) + 1)), g.notes().toString());

        Map<String, Tensor> vm = new LinkedHashMap<>();
        stateOf("vmamba-nano").forEach((k, v) -> vm.put("module." + k, v));
        Path vf = dir.resolve("vmamba.safetensors");
        TensorBlobs.write(vf, vm);
        assertSameState(stateOf("vmamba-nano"), OfficialWeights.load("vmamba-nano", vf, OfficialWeights.Options.DEFAULTS).model().module().stateDict());
    }

    @Test
    void weightsOfAnotherModelGiveOneMessageListingTheKeys() throws Exception {
        Path file = resource("vim-nano-training.pth");
        var e = assertThrows(CheckpointException.class, () -> OfficialWeights.load("localmamba-nano", file, OfficialWeights.Options.DEFAULTS));
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString()) && m.contains("does not fit localmamba-nano") && m.contains("missing keys [")
                && m.contains("unexpected keys [") && m.contains("cls_token"), m);
        var classes = assertThrows(CheckpointException.class, () -> OfficialWeights.load("vim-nano", file, new OfficialWeights.Options(5, null, null, null)));
        assertTrue(classes.getMessage().contains("head.weight: expected (5, 48), got (10, 48)"), classes.getMessage());
        assertThrows(IllegalArgumentException.class, () -> OfficialWeights.load("vim-huge", file, OfficialWeights.Options.DEFAULTS));
        OfficialWeights.Imported imp = OfficialWeights.load("vim-nano", file, OfficialWeights.Options.DEFAULTS);
        assertThrows(IllegalArgumentException.class, () -> imp.writeCheckpoint(dir.resolve("x"), List.of("a", "b")));
    }

    @Test
    void imagenetNamesAreTheDefaultFor1000Classes() {
        List<String> names = OfficialWeights.defaultClassNames(1000);
        assertEquals(1000, names.size());
        assertEquals("tench", names.getFirst());
        assertEquals("goldfish", names.get(1));
        assertEquals("toilet tissue", names.getLast());
    }
}
