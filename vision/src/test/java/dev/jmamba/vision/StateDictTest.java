package dev.jmamba.vision;

import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Official key names and shapes, and loading a state dict saved at another resolution. */
class StateDictTest {

    private static void assertKeys(Map<String, Tensor> sd, Map<String, int[]> expected) {
        for (var e : expected.entrySet()) {
            Tensor t = sd.get(e.getKey());
            assertTrue(t != null, "missing key " + e.getKey());
            assertArrayEquals(e.getValue(), t.shape(), e.getKey());
        }
    }

    @Test
    void vimTinyKeysMatchTheOfficialModel() {
        Map<String, Tensor> sd = Backbones.create("vim-tiny", 1000, 224, 3, 1L).stateDict();
        assertKeys(sd, Map.ofEntries(
                Map.entry("patch_embed.proj.weight", new int[] {192, 3, 16, 16}),
                Map.entry("patch_embed.proj.bias", new int[] {192}),
                Map.entry("cls_token", new int[] {1, 1, 192}),
                Map.entry("pos_embed", new int[] {1, 197, 192}),
                Map.entry("layers.0.mixer.in_proj.weight", new int[] {768, 192}),
                Map.entry("layers.0.mixer.conv1d.weight", new int[] {384, 1, 4}),
                Map.entry("layers.0.mixer.conv1d.bias", new int[] {384}),
                Map.entry("layers.0.mixer.x_proj.weight", new int[] {44, 384}),
                Map.entry("layers.0.mixer.dt_proj.weight", new int[] {384, 12}),
                Map.entry("layers.0.mixer.dt_proj.bias", new int[] {384}),
                Map.entry("layers.0.mixer.A_log", new int[] {384, 16}),
                Map.entry("layers.0.mixer.D", new int[] {384}),
                Map.entry("layers.23.mixer.conv1d_b.weight", new int[] {384, 1, 4}),
                Map.entry("layers.23.mixer.x_proj_b.weight", new int[] {44, 384}),
                Map.entry("layers.23.mixer.dt_proj_b.bias", new int[] {384}),
                Map.entry("layers.23.mixer.A_b_log", new int[] {384, 16}),
                Map.entry("layers.23.mixer.D_b", new int[] {384}),
                Map.entry("layers.23.mixer.out_proj.weight", new int[] {192, 384}),
                Map.entry("layers.23.norm.weight", new int[] {192}),
                Map.entry("norm_f.weight", new int[] {192}),
                Map.entry("head.weight", new int[] {1000, 192}),
                Map.entry("head.bias", new int[] {1000})));
        assertEquals(2 + 2 + 24 * 17 + 1 + 2, sd.size(), "no unexpected keys");
    }

    @Test
    void vmambaTinyKeysMatchTheOfficialModel() {
        Map<String, Tensor> sd = Backbones.create("vmamba-tiny", 1000, 224, 3, 1L).stateDict();
        assertKeys(sd, Map.ofEntries(
                Map.entry("patch_embed.0.weight", new int[] {48, 3, 3, 3}),
                Map.entry("patch_embed.0.bias", new int[] {48}),
                Map.entry("patch_embed.2.weight", new int[] {48}),
                Map.entry("patch_embed.5.weight", new int[] {96, 48, 3, 3}),
                Map.entry("patch_embed.7.bias", new int[] {96}),
                Map.entry("layers.0.blocks.0.norm.weight", new int[] {96}),
                Map.entry("layers.0.blocks.0.op.in_proj.weight", new int[] {96, 96}),
                Map.entry("layers.0.blocks.0.op.conv2d.weight", new int[] {96, 1, 3, 3}),
                Map.entry("layers.0.blocks.0.op.x_proj_weight", new int[] {4, 8, 96}),
                Map.entry("layers.0.blocks.0.op.dt_projs_weight", new int[] {4, 96, 6}),
                Map.entry("layers.0.blocks.0.op.dt_projs_bias", new int[] {4, 96}),
                Map.entry("layers.0.blocks.0.op.A_logs", new int[] {384, 1}),
                Map.entry("layers.0.blocks.0.op.Ds", new int[] {384}),
                Map.entry("layers.0.blocks.0.op.out_norm.weight", new int[] {96}),
                Map.entry("layers.0.blocks.0.op.out_proj.weight", new int[] {96, 96}),
                Map.entry("layers.0.blocks.0.norm2.bias", new int[] {96}),
                Map.entry("layers.0.blocks.0.mlp.fc1.weight", new int[] {384, 96}),
                Map.entry("layers.0.blocks.0.mlp.fc2.bias", new int[] {96}),
                Map.entry("layers.0.downsample.1.weight", new int[] {192, 96, 3, 3}),
                Map.entry("layers.0.downsample.3.weight", new int[] {192}),
                Map.entry("layers.2.blocks.7.op.A_logs", new int[] {1536, 1}),
                Map.entry("layers.3.blocks.1.mlp.fc1.weight", new int[] {3072, 768}),
                Map.entry("classifier.norm.weight", new int[] {768}),
                Map.entry("classifier.head.weight", new int[] {1000, 768}),
                Map.entry("classifier.head.bias", new int[] {1000})));
        assertTrue(sd.keySet().stream().noneMatch(k -> k.startsWith("layers.3.downsample")), "no downsample after the last stage");
    }

    @Test
    void otherFamiliesUseTheirOfficialNames() {
        Set<String> local = Backbones.create("localmamba-nano", 10, 28, 1, 1L).stateDict().keySet();
        assertTrue(local.containsAll(List.of("pos_embed", "layers.0.mixer.in_proj.weight", "layers.0.mixer.A_log_3",
                "layers.0.mixer.conv1d_0.weight", "layers.0.mixer.x_proj_2.weight", "layers.0.mixer.dt_proj_1.bias",
                "layers.0.mixer.D_0", "layers.0.mixer.attn.global_reduce.weight", "layers.0.mixer.attn.channel_select.bias",
                "layers.0.mixer.attn.norm.weight", "layers.0.mixer.out_proj.weight")), local.toString());
        assertTrue(local.stream().noneMatch(k -> k.equals("cls_token")), "LocalVim-T has no class token");
        Set<String> global = Backbones.create("globalmamba-nano", 10, 28, 1, 1L).stateDict().keySet();
        assertTrue(global.containsAll(List.of("cls_token", "pos_embed", "layers.0.mixer.A_log", "layers.0.mixer.in_proj.weight")));
        assertTrue(global.stream().noneMatch(k -> k.contains("_b")), "the released GlobalMamba mixer is unidirectional");
        Set<String> fractal = Backbones.create("fractalmamba-nano", 10, 28, 1, 1L).stateDict().keySet();
        assertTrue(fractal.containsAll(List.of("patch_embed.conv1.weight", "patch_embed.norm1.1.weight", "patch_embed.norm2.1.bias",
                "levels.0.blocks.0.norm1.0.weight", "levels.0.blocks.0.op.x_proj_weight", "levels.0.norm.0.weight",
                "levels.0.downsample.conv.weight", "levels.0.downsample.norm.1.weight", "conv_head.0.weight",
                "conv_head.1.0.weight", "conv_head.1.0.running_mean", "head.weight")), fractal.toString());
    }

    @Test
    void globalMambaTinyTokenLayoutIs255PlusCls() {
        IsotropicNet m = (IsotropicNet) Backbones.create("globalmamba-tiny", 1000, 224, 3, 1L);
        TokenLayout l = m.builtLayout();
        assertEquals(List.of(1, 3, 7, 14), l.grids().stream().map(TokenLayout.Grid::h).toList());
        assertEquals(255, l.patchTokens());
        assertEquals(127, l.clsIndex());
        assertArrayEquals(new int[] {1, 256, 192}, m.stateDict().get("pos_embed").shape());
    }

    /** A checkpoint of another resolution: pos_embed resampled, every other tensor identical. */
    @Test
    void loadingAStateDictSavedAtAnotherResolution() {
        for (String name : List.of("vim-nano", "localmamba-nano", "globalmamba-nano", "vmamba-nano", "fractalmamba-nano")) {
            Backbone source = Backbones.create(name, 10, 28, 1, 1L);
            Backbone target = Backbones.create(name, 10, 40, 1, 2L);
            Map<String, Tensor> saved = source.stateDict();
            Backbones.load(target, saved);
            Map<String, Tensor> loaded = target.stateDict();
            for (var e : saved.entrySet()) {
                Tensor got = loaded.get(e.getKey());
                if (e.getKey().equals("pos_embed")) {
                    IsotropicNet s = (IsotropicNet) source, t = (IsotropicNet) target;
                    assertNotEquals(s.builtLayout(), t.builtLayout(), name);
                    Tensor expected = PosEmbeds.resample(e.getValue(), s.builtLayout(), t.builtLayout());
                    assertEquals(0.0, got.maxAbsDiff(expected), 0.0, name + " pos_embed");
                } else {
                    assertEquals(0.0, got.maxAbsDiff(e.getValue()), 0.0, name + " " + e.getKey());
                }
            }
        }
    }

    @Test
    void loadingWithoutAdaptingReportsTheShapeMismatch() {
        Backbone source = Backbones.create("vim-nano", 10, 28, 1, 1L);
        Backbone target = Backbones.create("vim-nano", 10, 40, 1, 2L);
        var e = assertThrows(RuntimeException.class, () -> target.loadStateDict(source.stateDict(), true));
        assertTrue(e.getMessage().contains("pos_embed"), e.getMessage());
    }
}
