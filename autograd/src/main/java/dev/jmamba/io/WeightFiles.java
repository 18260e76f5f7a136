package dev.jmamba.io;

import dev.jmamba.io.pth.PyObject;
import dev.jmamba.io.pth.TorchArchive;
import dev.jmamba.io.pth.TorchTensor;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the weights of a model from a file as PyTorch users have them: safetensors, or a PyTorch
 * {@code .pth}/{@code .pt}/{@code .bin} in the zip format of {@code torch.save} (read by the restricted
 * unpickler of {@link TorchArchive}, which executes nothing). A training checkpoint is unwrapped: the
 * state dict is taken from its {@code "model"}, {@code "state_dict"} or {@code "model_ema"} entry (in
 * that order, or the entry named by the caller), and a {@code module.} prefix that every key carries
 * (DistributedDataParallel) is removed.
 */
public final class WeightFiles {
    private WeightFiles() {}

    /** Entries of a training checkpoint that may hold the model's state dict, in the order they are tried. */
    public static final List<String> STATE_DICT_KEYS = List.of("model", "state_dict", "model_ema", "state_dict_ema", "module");

    /**
     * A state dict read from a file.
     *
     * @param tensors   name → tensor (heap copies, independent of the file), in file order
     * @param entry     the checkpoint entry it came from ("model", ...), or "" when the file is the state dict itself
     * @param available the checkpoint's top-level keys (empty for a bare state dict or safetensors)
     */
    public record StateDict(Map<String, TensorBlob> tensors, String entry, List<String> available) {}

    /** {@link #read(Path, String)} choosing the entry automatically. */
    public static StateDict read(Path file) {
        return read(file, null);
    }

    /**
     * Reads the state dict in {@code file}. {@code entry} (may be null) names the entry of a training
     * checkpoint to use, e.g. {@code "model_ema"}. Throws {@link CheckpointException} naming the file
     * for a damaged file, an unsupported format, or a checkpoint without a state dict.
     */
    public static StateDict read(Path file, String entry) {
        if (!Files.isRegularFile(file)) throw new CheckpointException(file, Files.exists(file) ? "is not a regular file" : "file not found");
        return isZip(file) ? readTorch(file, entry) : readSafetensors(file, entry);
    }

    private static boolean isZip(Path file) {
        try (InputStream s = Files.newInputStream(file)) {
            byte[] head = s.readNBytes(4);
            if (head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) return true;
            // a legacy PyTorch pickle starts with PROTO (0x80); let TorchArchive explain that it is not supported
            return head.length >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5;
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot be read (" + e.getMessage() + ")", e);
        }
    }

    private static StateDict readSafetensors(Path file, String entry) {
        if (entry != null) throw new CheckpointException(file, "is a safetensors file, which holds one state dict; it has no entry '" + entry + "'");
        Map<String, TensorBlob> out = new LinkedHashMap<>();
        try (SafeTensorFile f = SafeTensors.read(file)) {
            for (String name : f.names()) {
                TensorBlob view = f.get(name);
                long bytes = view.data().byteSize();
                if (bytes > Integer.MAX_VALUE - 16) throw new CheckpointException(file, "tensor '" + name + "' is too large to read into memory");
                MemorySegment copy = MemorySegment.ofArray(new long[(int) ((bytes + 7) / 8)]).asSlice(0, bytes);
                MemorySegment.copy(view.data(), 0, copy, 0, bytes);
                out.put(name, new TensorBlob(view.dtype(), view.shape(), copy));
            }
        }
        return new StateDict(stripModulePrefix(out), "", List.of());
    }

    private static StateDict readTorch(Path file, String entry) {
        try (TorchArchive archive = TorchArchive.open(file)) {
            Object root = archive.root();
            Map<?, ?> top = asDict(root);
            if (top == null) {
                throw new CheckpointException(file, "holds " + describe(root) + ", not a state dict (a dict of tensors) or a checkpoint dict holding one");
            }
            List<String> keys = new ArrayList<>();
            for (Object k : top.keySet()) keys.add(String.valueOf(k));
            Map<?, ?> chosen;
            String from;
            if (entry != null) {
                if (!top.containsKey(entry)) throw new CheckpointException(file, "has no entry '" + entry + "' (it has " + keys + ")");
                chosen = asDict(top.get(entry));
                if (chosen == null) throw new CheckpointException(file, "entry '" + entry + "' is " + describe(top.get(entry)) + ", not a state dict");
                from = entry;
            } else if (isStateDict(top)) {
                chosen = top;
                from = "";
            } else {
                chosen = null;
                from = null;
                for (String k : STATE_DICT_KEYS) {
                    Map<?, ?> d = asDict(top.get(k));
                    if (d != null && isStateDict(d)) {
                        chosen = d;
                        from = k;
                        break;
                    }
                }
                if (chosen == null) {
                    throw new CheckpointException(file, "holds no state dict: neither the file itself nor any of its entries " + STATE_DICT_KEYS
                            + " is a dict of tensors (its entries: " + abbreviate(keys) + ")");
                }
            }
            Map<String, TensorBlob> out = new LinkedHashMap<>();
            for (var e : chosen.entrySet()) {
                String name = String.valueOf(e.getKey());
                if (!(e.getKey() instanceof String)) throw new CheckpointException(file, "state dict" + where(from) + " has a key that is not a string: " + name);
                if (!(e.getValue() instanceof TorchTensor t)) {
                    throw new CheckpointException(file, "state dict" + where(from) + " entry '" + name + "' is " + describe(e.getValue()) + ", not a tensor");
                }
                out.put(name, archive.load(t, name));
            }
            return new StateDict(stripModulePrefix(out), from, from.isEmpty() ? List.of() : keys);
        }
    }

    private static String where(String from) {
        return from.isEmpty() ? "" : " '" + from + "'";
    }

    private static Map<?, ?> asDict(Object o) {
        if (o instanceof Map<?, ?> m) return m;
        if (o instanceof PyObject p && !p.items().isEmpty()) return p.items();
        return null;
    }

    /** A non-empty dict whose values are all tensors. */
    private static boolean isStateDict(Map<?, ?> m) {
        if (m.isEmpty()) return false;
        for (Object v : m.values()) if (!(v instanceof TorchTensor)) return false;
        return true;
    }

    /** Removes a "module." prefix that every key has (a model saved while wrapped in DataParallel/DDP). */
    static Map<String, TensorBlob> stripModulePrefix(Map<String, TensorBlob> sd) {
        if (sd.isEmpty() || !sd.keySet().stream().allMatch(k -> k.startsWith("module."))) return sd;
        Map<String, TensorBlob> out = new LinkedHashMap<>();
        for (var e : sd.entrySet()) out.put(e.getKey().substring("module.".length()), e.getValue());
        return out;
    }

    private static String describe(Object o) {
        return switch (o) {
            case null -> "None";
            case Map<?, ?> m -> "a dict";
            case List<?> l -> "a list";
            case String s -> "a string";
            case Long l -> "an integer";
            case Double d -> "a float";
            default -> o.toString();
        };
    }

    private static String abbreviate(List<String> keys) {
        return keys.size() <= 12 ? keys.toString() : keys.subList(0, 12) + "... (" + keys.size() + ")";
    }
}
