package dev.jmamba.autograd;

/**
 * Grad mode, per thread. While it is off (inside {@link #noGrad()}), ops on {@link Var}s record
 * nothing: their results are constants, as in evaluation or in an optimizer's update.
 *
 * <pre>{@code
 * try (var g = Autograd.noGrad()) {
 *     Var y = model.forward(x);   // no graph is built
 * }
 * }</pre>
 */
public final class Autograd {
    private static final ThreadLocal<Boolean> ENABLED = ThreadLocal.withInitial(() -> Boolean.TRUE);

    private Autograd() {}

    /** True unless the current thread is inside a {@link #noGrad()} block. */
    public static boolean isGradEnabled() { return ENABLED.get(); }

    /** Depth of activation-checkpointed segments whose first (unrecorded) forward runs on this thread. */
    private static final ThreadLocal<int[]> CHECKPOINTED = ThreadLocal.withInitial(() -> new int[1]);

    /**
     * Whether the ops running now will be differentiated: grad mode is on, or this is the first forward of an
     * activation-checkpointed segment ({@link Recompute}), which runs without recording but is recomputed with
     * recording in backward. Layers that choose a numeric path by it (SS2D's bf16 activations) take the same path
     * in both passes, so the recomputation equals the forward.
     */
    public static boolean backwardFollows() { return ENABLED.get() || CHECKPOINTED.get()[0] > 0; }

    /** Runs {@code body} as the first forward of a checkpointed segment (see {@link #backwardFollows()}). */
    static <T> T checkpointedForward(java.util.function.Supplier<T> body) {
        int[] depth = CHECKPOINTED.get();
        depth[0]++;
        try {
            return body.get();
        } finally {
            depth[0]--;
        }
    }

    /** Turns recording off on this thread until the returned handle is closed (blocks nest). */
    public static NoGrad noGrad() {
        NoGrad g = new NoGrad(ENABLED.get());
        ENABLED.set(Boolean.FALSE);
        return g;
    }

    /** Turns recording on on this thread until the returned handle is closed (the inverse of {@link #noGrad()}). */
    public static NoGrad enableGrad() {
        NoGrad g = new NoGrad(ENABLED.get());
        ENABLED.set(Boolean.TRUE);
        return g;
    }

    /** Restores the grad mode that was active when {@link #noGrad()} or {@link #enableGrad()} was called. */
    public static final class NoGrad implements AutoCloseable {
        private final boolean previous;
        private boolean closed;

        private NoGrad(boolean previous) { this.previous = previous; }

        @Override public void close() {
            if (closed) return;
            closed = true;
            ENABLED.set(previous);
        }
    }
}
