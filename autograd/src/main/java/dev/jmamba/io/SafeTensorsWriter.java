package dev.jmamba.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a safetensors file atomically: everything goes to a hidden temp file in the target's folder,
 * which is forced to disk and then renamed over the target in one atomic step, after which the folder
 * itself is forced (where the platform allows). A crash at any moment leaves either the old target or
 * the complete new one; on failure the temp file is deleted.
 *
 * <p>Byte-reproducible order: tensors are laid out by element size, largest first, then by name, so
 * equal inputs give identical files whatever the map's iteration order, and every tensor starts at a
 * multiple of its element size (the data section starts 8-aligned). Metadata keys are sorted by name.
 */
final class SafeTensorsWriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int COPY_CHUNK_BYTES = 1 << 20;

    private SafeTensorsWriter() {
    }

    static void write(Path target, Map<String, TensorBlob> tensors, Map<String, String> metadata) {
        Path absolute = target.toAbsolutePath();
        List<Map.Entry<String, TensorBlob>> ordered = orderedTensors(absolute, tensors);
        byte[] header = headerBytes(absolute, ordered, metadata);
        Path folder = absolute.getParent();
        Path temp = folder.resolve("." + absolute.getFileName() + "."
                + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer prefix = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
                prefix.putLong(0, header.length);
                writeFully(channel, prefix);
                writeFully(channel, ByteBuffer.wrap(header));
                ByteBuffer chunk = ByteBuffer.allocate(COPY_CHUNK_BYTES);
                for (Map.Entry<String, TensorBlob> entry : ordered) {
                    copyInto(channel, entry.getValue().data(), chunk);
                }
                channel.force(true);
            }
            Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
            forceFolder(folder);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(absolute, (moved ? "was replaced but its folder could not be synced: "
                    : "could not be written (the previous file, if any, is untouched): ")
                    + (e instanceof IOException io ? IoMessages.reason(io) : String.valueOf(e.getMessage())), e);
        } finally {
            if (!moved) {
                deleteQuietly(temp);
            }
        }
    }

    /** Tensors by element size (largest first), then name; rejects bad names and null blobs. */
    private static List<Map.Entry<String, TensorBlob>> orderedTensors(Path target, Map<String, TensorBlob> tensors) {
        if (tensors == null) {
            throw new CheckpointException(target, "tensor map must not be null");
        }
        List<Map.Entry<String, TensorBlob>> ordered = new ArrayList<>(tensors.size());
        for (Map.Entry<String, TensorBlob> entry : tensors.entrySet()) {
            if (entry.getKey() == null || entry.getKey().equals(SafeTensorsHeader.METADATA_KEY)) {
                throw new CheckpointException(target, "tensor name '" + entry.getKey() + "' is not allowed");
            }
            if (entry.getValue() == null) {
                throw new CheckpointException(target, "tensor '" + entry.getKey() + "' is null");
            }
            ordered.add(Map.entry(entry.getKey(), entry.getValue()));
        }
        ordered.sort(Comparator.<Map.Entry<String, TensorBlob>>comparingInt(e -> -e.getValue().dtype().byteSize())
                .thenComparing(Map.Entry::getKey));
        return ordered;
    }

    /** The UTF-8 JSON header, padded with spaces to a multiple of 8 bytes. */
    private static byte[] headerBytes(Path target, List<Map.Entry<String, TensorBlob>> ordered,
                                      Map<String, String> metadata) {
        ObjectNode root = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafeTensorsHeader.METADATA_KEY);
            for (Map.Entry<String, String> entry : new TreeMap<>(checkedMetadata(target, metadata)).entrySet()) {
                meta.put(entry.getKey(), entry.getValue());
            }
        }
        long offset = 0;
        for (Map.Entry<String, TensorBlob> entry : ordered) {
            TensorBlob blob = entry.getValue();
            ObjectNode node = root.putObject(entry.getKey());
            node.put("dtype", blob.dtype().name());
            ArrayNode shape = node.putArray("shape");
            for (long dim : blob.shape()) {
                shape.add(dim);
            }
            long end = offset + blob.data().byteSize();
            node.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(target, "header could not be encoded as JSON: " + e.getOriginalMessage(), e);
        }
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    private static Map<String, String> checkedMetadata(Path target, Map<String, String> metadata) {
        for (Map.Entry<String, String> entry : metadata.entrySet()) {
            if (entry.getKey() == null || entry.getValue() == null) {
                throw new CheckpointException(target, "metadata entry " + entry.getKey() + "=" + entry.getValue()
                        + " must have a non-null key and value");
            }
        }
        return metadata;
    }

    private static void copyInto(FileChannel channel, MemorySegment source, ByteBuffer chunk) throws IOException {
        MemorySegment chunkSegment = MemorySegment.ofArray(chunk.array()); // independent of position/limit
        for (long done = 0; done < source.byteSize(); ) {
            int length = (int) Math.min(chunk.capacity(), source.byteSize() - done);
            MemorySegment.copy(source, done, chunkSegment, 0, length);
            chunk.clear().limit(length);
            writeFully(channel, chunk);
            done += length;
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** fsync of the folder makes the rename durable; not every platform allows opening a folder. */
    private static void forceFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException notSupported) {
            // e.g. Windows cannot open a directory as a channel; the rename itself is still atomic
        }
    }

    private static void deleteQuietly(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // nothing more can be done; the temp name is hidden and never read as a checkpoint
        }
    }
}
