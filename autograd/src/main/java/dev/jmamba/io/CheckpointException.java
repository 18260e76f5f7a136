package dev.jmamba.io;

import dev.jmamba.tensor.JmambaException;
import java.nio.file.Path;

/**
 * The one exception thrown for a checkpoint that cannot be read or written. The message always
 * starts with the file, then says what was expected and what was found.
 */
public final class CheckpointException extends JmambaException {

    /** A problem with {@code file}, described by {@code problem}. */
    public CheckpointException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /** A problem with {@code file} caused by {@code cause} (an I/O error, a bad JSON token...). */
    public CheckpointException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
