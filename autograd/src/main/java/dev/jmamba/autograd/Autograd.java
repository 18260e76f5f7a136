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
