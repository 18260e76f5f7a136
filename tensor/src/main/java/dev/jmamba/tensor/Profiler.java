package dev.jmamba.tensor;

/**
 * Counts and times every backend primitive, every custom op and every optimizer step between
 * {@link #start} and {@link #stop}, to show where a training step's time goes.
 *
 * <p>While profiling is on, {@link Backends#of} hands out a decorator around each backend that
 * times each primitive call under its name (see {@link ProfilingBackend} for the names); custom
 * ops and optimizers open a {@link #section} of their own. Per name the {@link Profile} holds the
 * number of calls, the <em>self</em> host time (wall time inside the call on the calling thread,
 * minus the time of the profiled calls nested inside it, so the self times of all ops add up to
 * the profiled time without double counting), the inclusive host time, optionally the device
 * time, and the host synchronisations (device-to-host copies) the op caused.
 *
 * <p>Device time ({@code start(true)}): every op synchronises all profiled devices before and
 * after it, so no two ops overlap; an op's device time is the wall time from its start until the
 * device has finished the work it queued (launch cost plus execution). This serialises the GPU
 * and makes the profiled step slower than an unprofiled one; on the CPU, whose backend is
 * synchronous, device time equals host time.
 *
 * <p>Off costs one volatile read per {@link Backends#of} call and per section.
 */
public final class Profiler {
    private static volatile ProfileSession active;

    private Profiler() {}

    /** A timed region; close it (try-with-resources) to record it. */
    public interface Section extends AutoCloseable {
        @Override void close();
    }

    /** Starts profiling host time only. */
    public static void start() { start(false); }

    /** Starts profiling; with {@code deviceTime} every op is synchronised to time the device too. */
    public static synchronized void start(boolean deviceTime) {
        if (active != null) throw new IllegalStateException("Profiler.start: expected the profiler to be off, but it is already running");
        active = new ProfileSession(deviceTime);
    }

    /** Stops profiling and returns what was recorded since {@link #start}. */
    public static synchronized Profile stop() {
        ProfileSession s = active;
        if (s == null) throw new IllegalStateException("Profiler.stop: expected a running profiler (call Profiler.start first), but it is off");
        active = null;
        return s.finish();
    }

    /** True between {@link #start} and {@link #stop}. */
    public static boolean isOn() { return active != null; }

    /** A section timing {@code name} (e.g. a custom op), or null when the profiler is off. */
    public static Section section(String name) {
        ProfileSession s = active;
        return s == null ? null : s.enter(name, false);
    }

    /** A section named {@code name + suffix}; the name is only built when the profiler is on. */
    public static Section section(String name, String suffix) {
        ProfileSession s = active;
        return s == null ? null : s.enter(name + suffix, false);
    }

    /**
     * Records one host synchronisation: a copy that makes the host wait for the device's queued
     * work (device-to-host downloads; also the blocking {@code CudaContext.upload}). Backends call
     * it where they wait; it is charged to the innermost open op, or, outside every op,
     * to a row named {@code "host read in Class.method"} after the first caller outside the tensor
     * package.
     */
    public static void hostSync() {
        ProfileSession s = active;
        if (s != null) s.hostSync();
    }

    /** The running session, or null (read once per call by {@link Backends}). */
    static ProfileSession session() { return active; }
}
