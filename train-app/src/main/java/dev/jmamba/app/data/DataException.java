package dev.jmamba.app.data;

/**
 * A data set or data pipeline problem: a missing or malformed file, a truncated IDX file, an empty class
 * folder, a failed worker. The message is one sentence naming the file (or batch) and what was wrong.
 */
public final class DataException extends RuntimeException {
    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
