package dev.jmamba.io;

import java.nio.file.Path;
import java.util.Map;

/**
 * Entry point for safetensors checkpoints: {@link #read} maps and validates a file, {@link #write}
 * replaces one atomically. See {@code autograd/CHECKPOINTS.md} for the layout and the guarantees.
 */
public final class SafeTensors {

    private SafeTensors() {
    }

    /**
     * Opens {@code file} memory-mapped and validates its whole header against the file size. Close the
     * result to unmap. Throws {@link CheckpointException} naming the file for any defect or I/O error.
     */
    public static SafeTensorFile read(Path file) {
        return SafeTensorFile.open(file);
    }

    /**
     * Writes {@code tensors} and {@code metadata} (may be null or empty) to {@code file}, replacing it
     * atomically. Tensors are stored by element size (largest first), then name; metadata keys sorted;
     * so the bytes depend only on the contents, not on the maps' iteration order. Throws
     * {@link CheckpointException} naming the file; the previous file is then untouched.
     */
    public static void write(Path file, Map<String, TensorBlob> tensors, Map<String, String> metadata) {
        SafeTensorsWriter.write(file, tensors, metadata);
    }
}
