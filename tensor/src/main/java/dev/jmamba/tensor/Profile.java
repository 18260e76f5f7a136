package dev.jmamba.tensor;

import java.util.List;

/**
 * What the {@link Profiler} recorded between start and stop.
 *
 * @param entries   one per op name, sorted by self time (device time when measured, else host time), largest first
 * @param wallMs    wall time from start to stop
 * @param outsideMs wall time on the thread that started the profiler spent outside every profiled op
 *                  (autograd bookkeeping, views, shape checks, Java glue): {@code wallMs} minus the
 *                  time of that thread's outermost ops
 * @param deviceTime whether device times were measured (ops synchronised one by one)
 * @param syncs     host synchronisations in total (sum of the entries' syncs)
 * @param peak      the most bytes tensors held on one device at an op boundary, and where (see {@link Peak})
 */
public record Profile(List<Entry> entries, double wallMs, double outsideMs, boolean deviceTime, long syncs, Peak peak) {

    /**
     * The largest {@code allocatedBytes} of a profiled device seen when an op began or ended, and the op it happened in:
     * {@code at} names the open ops outermost first ({@code "SelectiveScanFunction.backward > copy"}) with "ended"
     * or "began", and {@code opIndex} of {@code opCount} ops places it in the run (a step's forward comes first).
     * bytes 0 and at "" when no op ran.
     */
    public record Peak(long bytes, Device device, String at, long opIndex, long opCount) {}

    /**
     * One op name.
     *
     * @param op              primitive name ({@code matmul}, {@code add}, {@code sum}, ...), custom op
     *                        ({@code SelectiveScanFunction}, {@code SelectiveScanFunction.backward}),
     *                        optimizer step ({@code AdamW.step}), transfer ({@code to_host},
     *                        {@code to_device}) or {@code "host read in Class.method"} for syncs outside ops
     * @param calls           times the op was called
     * @param hostMs          self host time: wall time inside the calls minus the profiled ops nested in them
     * @param inclusiveHostMs host time inside the calls including nested profiled ops
     * @param deviceMs        self device time (see {@link Profiler}); NaN when device time was not requested
     * @param syncs           device-to-host copies made while this op was the innermost open op
     */
    public record Entry(String op, long calls, double hostMs, double inclusiveHostMs, double deviceMs, long syncs) {
        /** Device time when measured, else host time: the number the entries are sorted by. */
        public double ms() { return Double.isNaN(deviceMs) ? hostMs : deviceMs; }
    }

    public Profile {
        entries = List.copyOf(entries);
    }

    /** The entry named {@code op}, or null when it was never called. */
    public Entry entry(String op) {
        for (Entry e : entries) if (e.op().equals(op)) return e;
        return null;
    }
}
