package dev.jmamba.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An open, validated safetensors file, memory-mapped read-only. {@link #get} returns views into the
 * mapping without copying; they (and any {@link TensorBlob} holding them) become unusable after
 * {@link #close()}, which unmaps the file. The header is read and fully checked before anything is
 * mapped (a damaged file is never mapped), so every view lies inside the mapping. The channel is closed right after mapping; the mapping lives in a shared
 * {@link Arena}, so views may be read from any thread.
 *
 * <p>Known limit: if another process truncates the file while it is mapped, reading a view may fail with
 * an {@link InternalError} from the JVM; checkpoints are replaced by rename, never truncated, by
 * {@link SafeTensors#write}.
 */
public final class SafeTensorFile implements AutoCloseable {

    private final Path file;
    private final Arena arena;
    private final MemorySegment dataSection;
    private final Map<String, SafeTensorsHeader.Entry> entries;
    private final Map<String, String> metadata;

    private SafeTensorFile(Path file, Arena arena, MemorySegment dataSection, SafeTensorsHeader header) {
        this.file = file;
        this.arena = arena;
        this.dataSection = dataSection;
        Map<String, SafeTensorsHeader.Entry> byName = new LinkedHashMap<>();
        for (SafeTensorsHeader.Entry entry : header.entries()) {
            byName.put(entry.name(), entry);
        }
        this.entries = byName;
        this.metadata = header.metadata();
    }

    /**
     * Validates and maps {@code file}; see {@link SafeTensors#read}. The length prefix and the header are
     * read with plain channel reads and fully checked first; only a valid file is mapped.
     */
    static SafeTensorFile open(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < Long.BYTES) {
                throw new CheckpointException(file, "file has " + size
                        + " bytes, fewer than the 8-byte header length prefix");
            }
            long headerLength = readFully(file, channel, 0, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            long available = size - Long.BYTES;
            // an unsigned value >= 2^63 reads as negative: also far beyond the bound
            if (headerLength < 0 || headerLength > SafeTensorsHeader.MAX_HEADER_BYTES) {
                throw new CheckpointException(file, "header length " + Long.toUnsignedString(headerLength)
                        + " exceeds the bound of " + SafeTensorsHeader.MAX_HEADER_BYTES + " bytes");
            }
            if (headerLength > available) {
                throw new CheckpointException(file, "header length " + headerLength + " exceeds the "
                        + available + " bytes that follow the length prefix");
            }
            byte[] headerBytes = readFully(file, channel, Long.BYTES, (int) headerLength).array();
            SafeTensorsHeader header = SafeTensorsHeader.parse(file, headerBytes, available - headerLength);
            return map(file, channel, size, Long.BYTES + headerLength, header);
        } catch (IOException e) {
            throw new CheckpointException(file, "cannot be read (" + IoMessages.reason(e) + ")", e);
        }
    }

    /** Maps the whole (validated) file into a fresh shared arena and keeps the data section. */
    private static SafeTensorFile map(Path file, FileChannel channel, long size, long dataStart,
                                      SafeTensorsHeader header) throws IOException {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment whole = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena).asReadOnly();
            return new SafeTensorFile(file, arena, whole.asSlice(dataStart), header);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Exactly {@code length} bytes from {@code position}; the caller has checked they lie within the file. */
    private static ByteBuffer readFully(Path file, FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read < 0) {
                throw new CheckpointException(file, "ended after " + (position + buffer.position())
                        + " bytes while reading the header (was it truncated while being read?)");
            }
        }
        return buffer;
    }

    /** The file this was read from. */
    public Path file() {
        return file;
    }

    /** Tensor names in the order the header lists them. */
    public List<String> names() {
        return List.copyOf(entries.keySet());
    }

    /** Whether the file holds a tensor called {@code name}. */
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** The {@code "__metadata__"} map (empty when the file has none), in header order. */
    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    /**
     * The tensor called {@code name} as a read-only view into the mapping (no copy); valid until
     * {@link #close()}. Throws {@link CheckpointException} when there is no such tensor.
     */
    public TensorBlob get(String name) {
        SafeTensorsHeader.Entry entry = entries.get(name);
        if (entry == null) {
            throw new CheckpointException(file, "has no tensor named '" + name + "' (it has "
                    + entries.size() + " tensors: " + abbreviatedNames() + ")");
        }
        MemorySegment bytes = dataSection.asSlice(entry.begin(), entry.end() - entry.begin());
        return new TensorBlob(entry.dtype(), entry.shape(), bytes);
    }

    private String abbreviatedNames() {
        List<String> names = names();
        return names.size() <= 10 ? names.toString() : names.subList(0, 10) + "...";
    }

    /** Unmaps the file; views from {@link #get} must not be used afterwards. */
    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return "SafeTensorFile[" + file + ", " + entries.size() + " tensors]";
    }
}
