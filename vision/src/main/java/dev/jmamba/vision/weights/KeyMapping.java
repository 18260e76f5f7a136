package dev.jmamba.vision.weights;

import dev.jmamba.io.TensorBlob;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Official parameter names → jmamba's. jmamba's modules use the official names (Vim's
 * {@code layers.i.mixer.*}, VMamba's {@code layers.i.blocks.j.op.*}, LocalMamba's {@code A_log_k}, ...;
 * {@code StateDictTest} pins them), so the mapping only removes what jmamba does not store:
 * <ul>
 *   <li>LocalMamba: the rotary tables {@code rope.freqs_cos} / {@code rope.freqs_sin} (buffers jmamba
 *       recomputes from the token grid, {@code Rope2d});</li>
 * </ul>
 * (GlobalMamba's position table is adjusted after the model is built, see {@link OfficialWeights}.)
 * Each change is reported in {@code notes}.
 */
final class KeyMapping {
    private KeyMapping() {}

    static Map<String, TensorBlob> toJmamba(String model, Map<String, TensorBlob> official, List<String> notes) {
        Map<String, TensorBlob> out = new LinkedHashMap<>();
        for (var e : official.entrySet()) {
            String k = e.getKey();
            if (model.startsWith("localmamba") && (k.equals("rope.freqs_cos") || k.equals("rope.freqs_sin"))) {
                notes.add("dropped " + k + " (jmamba recomputes the rotary tables)");
                continue;
            }
            out.put(k, e.getValue());
        }
        return out;
    }
}
