package dev.jmamba.io.pth;

import dev.jmamba.io.CheckpointException;
import dev.jmamba.io.TensorBlob;
import dev.jmamba.tensor.JmambaException;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A PyTorch checkpoint in the zip format of {@code torch.save} (PyTorch 1.6 and later): one folder
 * holding {@code data.pkl} (the pickled object), {@code byteorder} and {@code data/<key>}, one entry per
 * storage. {@link #open} unpickles {@code data.pkl} with the restricted {@link PickleReader} (nothing
 * is executed; only state-dict types are accepted); {@link #load} then reads the bytes of one tensor.
 * Storages are read only when a tensor on them is loaded, so the optimizer state of a training
 * checkpoint costs nothing when only the model is wanted. Every defect is a {@link CheckpointException}
 * naming the file.
 */
public final class TorchArchive implements AutoCloseable {
    /** Bound on {@code data.pkl}: far above any state dict (a few hundred KB for a ViT-sized model). */
    static final long MAX_PICKLE_BYTES = 256L << 20;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

    private final Path file;
    private final ZipFile zip;
    private final String prefix;
    private final Object root;
    private final Map<String, byte[]> storages = new HashMap<>();

    private TorchArchive(Path file, ZipFile zip, String prefix, Object root) {
        this.file = file;
        this.zip = zip;
        this.prefix = prefix;
        this.root = root;
    }

    /** Opens {@code file} and unpickles its object; close to release the zip. */
    public static TorchArchive open(Path file) {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new CheckpointException(file, notZipMessage(file), e);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot be read (" + e.getMessage() + ")", e);
        }
        try {
            String prefix = findPrefix(file, zip);
            checkByteOrder(file, zip, prefix);
            byte[] pickle = readEntry(file, zip, prefix + "data.pkl", -1, MAX_PICKLE_BYTES);
            Object root;
            try {
                root = PickleReader.read(pickle, pid -> storage(pid));
            } catch (IllegalArgumentException e) {
                throw new CheckpointException(file, prefix + "data.pkl " + e.getMessage(), e);
            }
            return new TorchArchive(file, zip, prefix, root);
        } catch (RuntimeException e) {
            closeQuietly(zip);
            throw e;
        }
    }

    /** The unpickled object: usually a dict (a state dict, or a training checkpoint holding one). */
    public Object root() { return root; }

    public Path file() { return file; }

    /**
     * Reads {@code t} into a contiguous blob (row-major), widening 8/16-bit integers and booleans to
     * I32/U8 (see {@link TorchDType#readAs}). The view must lie inside its storage.
     */
    public TensorBlob load(TorchTensor t, String name) {
        TorchStorage s = t.storage();
        long[] shape = t.shape(), stride = t.stride();
        long count = 1;
        long last = t.offset();     // largest element index the view touches
        try {
            for (int i = 0; i < shape.length; i++) {
                count = Math.multiplyExact(count, shape[i]);
                if (shape[i] > 0) last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
            }
        } catch (ArithmeticException e) {
            throw new CheckpointException(file, "tensor '" + name + "' has a size " + Arrays.toString(shape) + " / stride " + Arrays.toString(stride) + " that overflows");
        }
        if (count > 0 && last >= s.numel()) {
            throw new CheckpointException(file, "tensor '" + name + "' (size " + Arrays.toString(shape) + ", stride " + Arrays.toString(stride)
                    + ", offset " + t.offset() + ") reaches element " + last + " of a storage of " + s.numel());
        }
        if ((double) count * s.dtype().readAs().byteSize() > MAX_ARRAY) {
            throw new CheckpointException(file, "tensor '" + name + "' has " + count + " elements, more than jmamba reads into one array");
        }
        byte[] src = count == 0 ? new byte[0] : storageBytes(s);
        int esz = s.dtype().byteSize();
        int outSize = s.dtype().readAs().byteSize();
        long[] backing = new long[(int) ((count * outSize + 7) / 8)];
        MemorySegment out = MemorySegment.ofArray(backing).asSlice(0, count * outSize);
        MemorySegment in = MemorySegment.ofArray(src);
        if (esz == outSize && isContiguous(shape, stride)) {            // the usual case: one bulk copy
            MemorySegment.copy(in, t.offset() * esz, out, 0, count * esz);
            return new TensorBlob(s.dtype().readAs(), shape, out);
        }
        long[] index = new long[shape.length];
        long at = t.offset();
        for (long n = 0; n < count; n++) {
            copyElement(s.dtype(), in, at * esz, out, n * outSize);
            for (int d = shape.length - 1; d >= 0; d--) {        // odometer over the shape
                if (++index[d] < shape[d]) { at += stride[d]; break; }
                at -= (shape[d] - 1) * stride[d];
                index[d] = 0;
            }
        }
        return new TensorBlob(s.dtype().readAs(), shape, out);
    }

    private static final ValueLayout.OfByte B = ValueLayout.JAVA_BYTE;

    /** Row-major contiguous (dimensions of size 1 may have any stride). */
    private static boolean isContiguous(long[] shape, long[] stride) {
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && stride[d] != expected) return false;
            expected *= shape[d];
        }
        return true;
    }

    /** Copies one little-endian element, widening SHORT/CHAR to I32 and BOOL to U8 (0/1). */
    private static void copyElement(TorchDType type, MemorySegment in, long from, MemorySegment out, long to) {
        switch (type) {
            case SHORT -> out.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), to,
                    (short) ((in.get(B, from) & 0xff) | (in.get(B, from + 1) << 8)));
            case CHAR -> out.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), to, (int) in.get(B, from));
            case BOOL -> out.set(B, to, (byte) (in.get(B, from) != 0 ? 1 : 0));
            default -> MemorySegment.copy(in, from, out, to, type.byteSize());
        }
    }

    private byte[] storageBytes(TorchStorage s) {
        byte[] cached = storages.get(s.key());
        if (cached != null) return cached;
        long bytes = s.numel() * s.dtype().byteSize();
        byte[] data = readEntry(file, zip, prefix + "data/" + s.key(), bytes, MAX_ARRAY);
        storages.put(s.key(), data);
        return data;
    }

    /** A persistent id {@code ('storage', torch.XStorage, key, location, numel)} → its storage. */
    static TorchStorage storage(Object pid) {
        if (!(pid instanceof PyTuple t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw new JmambaException("persistent id " + PickleReader.describe(pid) + " is not ('storage', type, key, location, numel)");
        }
        TorchDType type = PickleGlobals.storageType(t.get(1));
        if (type == null) throw new JmambaException("persistent id names " + t.get(1) + ", not a torch storage class");
        if (!(t.get(2) instanceof String key) || key.isEmpty() || key.contains("/") || key.contains("..")) {
            throw new JmambaException("storage key must be a plain name");
        }
        if (!(t.get(3) instanceof String location)) throw new JmambaException("storage location must be a string");
        if (!(t.get(4) instanceof Long numel) || numel < 0 || numel > Long.MAX_VALUE / 8) {
            throw new JmambaException("storage element count must be a non-negative integer");
        }
        return new TorchStorage(key, type, location, numel);
    }

    /** The one top-level folder that holds data.pkl ("archive/" or the saved file's stem). */
    private static String findPrefix(Path file, ZipFile zip) {
        List<String> found = new ArrayList<>();
        try {
            zip.stream().map(ZipEntry::getName).filter(n -> n.endsWith("data.pkl")).forEach(found::add);
        } catch (RuntimeException e) {
            throw new CheckpointException(file, "damaged zip directory (" + e.getMessage() + ")", e);
        }
        List<String> top = found.stream().filter(n -> n.equals("data.pkl") || n.indexOf('/') == n.length() - "data.pkl".length() - 1).toList();
        if (top.size() != 1) {
            throw new CheckpointException(file, top.isEmpty()
                    ? "is a zip file but not a PyTorch checkpoint (no <folder>/data.pkl entry)"
                    : "holds " + top.size() + " data.pkl entries " + top + ", expected one");
        }
        String name = top.getFirst();
        return name.substring(0, name.length() - "data.pkl".length());
    }

    private static void checkByteOrder(Path file, ZipFile zip, String prefix) {
        if (zip.getEntry(prefix + "byteorder") == null) return;   // archives before PyTorch 1.10 are little-endian and say nothing
        String order = new String(readEntry(file, zip, prefix + "byteorder", -1, 16), StandardCharsets.US_ASCII).trim();
        if (!order.equals("little")) throw new CheckpointException(file, "was saved with byte order '" + order + "'; only little-endian checkpoints are supported");
    }

    /**
     * The bytes of entry {@code name}: exactly {@code expected} bytes when that is >= 0, else at most
     * {@code limit}. The declared size is checked before allocating, and the data actually read must match.
     */
    private static byte[] readEntry(Path file, ZipFile zip, String name, long expected, long limit) {
        ZipEntry e = zip.getEntry(name);
        if (e == null) throw new CheckpointException(file, "has no entry '" + name + "'");
        long declared = e.getSize();
        if (expected >= 0 && declared != -1 && declared != expected) {
            throw new CheckpointException(file, "entry '" + name + "' has " + declared + " bytes, the pickle expects " + expected);
        }
        long want = expected >= 0 ? expected : declared;
        if (want > limit || want > MAX_ARRAY) throw new CheckpointException(file, "entry '" + name + "' declares " + want + " bytes, more than the bound of " + Math.min(limit, MAX_ARRAY));
        try (InputStream s = zip.getInputStream(e)) {
            byte[] data = want >= 0 ? s.readNBytes((int) want) : s.readNBytes((int) Math.min(limit, MAX_ARRAY) + 1);
            if (want >= 0 ? data.length != want || s.read() != -1 : data.length > limit) {
                throw new CheckpointException(file, "entry '" + name + "' does not hold the " + (want >= 0 ? want + " bytes" : "at most " + limit + " bytes") + " it should");
            }
            return data;
        } catch (IOException | RuntimeException ex) {
            if (ex instanceof CheckpointException c) throw c;
            throw new CheckpointException(file, "entry '" + name + "' cannot be read (" + ex.getMessage() + "; truncated or damaged file?)", ex);
        }
    }

    private static String notZipMessage(Path file) {
        try (InputStream s = Files.newInputStream(file)) {
            byte[] head = s.readNBytes(2);
            if (head.length == 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
                return "is a PyTorch checkpoint in the legacy format (before PyTorch 1.6), which jmamba does not read; "
                        + "re-save it with a recent torch.save (the zip format) or convert it to safetensors";
            }
        } catch (IOException ignored) {
            // fall through to the general message
        }
        return "is not a PyTorch zip checkpoint (not a zip file, or a truncated one)";
    }

    private static void closeQuietly(ZipFile zip) {
        try {
            zip.close();
        } catch (IOException ignored) {
            // nothing more to do
        }
    }

    @Override public void close() {
        closeQuietly(zip);
        storages.clear();
    }
}
