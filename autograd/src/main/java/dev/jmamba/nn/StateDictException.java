package dev.jmamba.nn;

import dev.jmamba.tensor.JmambaException;

/** Thrown by a strict {@link Module#loadStateDict}: one exception listing every problem found. */
public final class StateDictException extends JmambaException {
    private final transient LoadResult result;

    public StateDictException(String owner, LoadResult result) {
        super("loadStateDict(" + owner + ", strict): " + result.describe());
        this.result = result;
    }

    /** The full list of missing, unexpected and mismatched keys. */
    public LoadResult result() { return result; }
}
