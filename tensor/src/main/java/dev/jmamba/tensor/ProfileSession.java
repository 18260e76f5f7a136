package dev.jmamba.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The state of one profiling run: a stack of open frames per thread, totals per op name, and the
 * profiling wrapper of each backend in use. Time of a frame is split into self time (its own)
 * and the elapsed time of its children, which the parent subtracts, so nothing is counted twice.
 */
final class ProfileSession {
    final boolean deviceTime;
    private final long startNanos = System.nanoTime();
    private final Thread owner = Thread.currentThread();
    private final Map<Backend, ProfilingBackend> wrappers = new ConcurrentHashMap<>();
    private final Map<String, Totals> totals = new ConcurrentHashMap<>();
    private final ThreadLocal<ArrayDeque<Frame>> stacks = ThreadLocal.withInitial(ArrayDeque::new);
    private long ownerTopLevelNanos;
    /** The peak of allocated bytes seen at op boundaries (see Profile.Peak), guarded by this. */
    private long peakBytes, peakOpIndex, ops;
    private Device peakDevice;
    private String peakAt = "";

    ProfileSession(boolean deviceTime) {
        this.deviceTime = deviceTime;
    }

    /** Summed times of one op name (nanoseconds). */
    private static final class Totals {
        long calls, selfHost, inclusiveHost, selfDevice, syncs;
    }

    /** One open op on one thread. */
    final class Frame implements Profiler.Section {
        final String name;
        final boolean transfer;
        final ArrayDeque<Frame> stack;
        final long entry;           // before the synchronisation that precedes the op
        long start;                 // after it: the op itself begins
        long childElapsed;          // entry..end of the direct children
        long childPresync;          // the children's leading synchronisations (work queued by this op)

        Frame(String name, boolean transfer, ArrayDeque<Frame> stack) {
            this.name = name;
            this.transfer = transfer;
            this.stack = stack;
            this.entry = System.nanoTime();
        }

        @Override public void close() { exit(this); }
    }

    Backend wrap(Backend raw) {
        return wrappers.computeIfAbsent(raw, r -> new ProfilingBackend(r, this));
    }

    /** Opens a frame; {@code transfer} frames never take the blame for a host sync. */
    Frame enter(String name, boolean transfer) {
        ArrayDeque<Frame> stack = stacks.get();
        Frame f = new Frame(name, transfer, stack);
        if (deviceTime) {
            synchronizeAll();
            f.start = System.nanoTime();
        } else {
            f.start = f.entry;
        }
        stack.push(f);
        notePeak(stack, "began");
        return f;
    }

    /** Samples the wrapped backends' allocated bytes at an op boundary; a new maximum records the open ops. */
    private void notePeak(ArrayDeque<Frame> stack, String edge) {
        for (Backend b : wrappers.keySet()) {
            long bytes = b.memoryStats().allocatedBytes();
            synchronized (this) {
                if (bytes <= peakBytes) continue;
                peakBytes = bytes;
                peakDevice = b.device();
                peakOpIndex = ops;
                StringBuilder at = new StringBuilder();
                var it = stack.descendingIterator();                 // outermost first
                while (it.hasNext()) at.append(at.isEmpty() ? "" : " > ").append(it.next().name);
                peakAt = at.append(' ').append(edge).toString();
            }
        }
    }

    private void exit(Frame f) {
        long returned = System.nanoTime();
        long end = returned;
        if (deviceTime) {
            synchronizeAll();
            end = System.nanoTime();
        }
        if (f.stack.peek() != f) throw new IllegalStateException("Profiler: section '" + f.name + "' closed out of order");
        synchronized (this) { ops++; }
        notePeak(f.stack, "ended");
        f.stack.pop();
        Frame parent = f.stack.peek();
        if (parent != null) {
            parent.childElapsed += end - f.entry;
            parent.childPresync += f.start - f.entry;
        } else if (Thread.currentThread() == owner) {
            synchronized (this) { ownerTopLevelNanos += end - f.entry; }
        }
        Totals t = totals.computeIfAbsent(f.name, k -> new Totals());
        synchronized (t) {
            t.calls++;
            t.inclusiveHost += returned - f.start;
            t.selfHost += returned - f.start - f.childElapsed;
            t.selfDevice += end - f.start - f.childElapsed + f.childPresync;
        }
    }

    void hostSync() {
        String name = null;
        for (Frame f : stacks.get()) {          // innermost first
            if (!f.transfer) { name = f.name; break; }
        }
        if (name == null) name = "host read in " + caller();
        Totals t = totals.computeIfAbsent(name, k -> new Totals());
        synchronized (t) { t.syncs++; }
    }

    /** "Class.method" of the first stack frame outside the tensor package. */
    private static String caller() {
        return StackWalker.getInstance().walk(frames -> frames
                .filter(fr -> !fr.getClassName().startsWith("dev.jmamba.tensor."))
                .findFirst()
                .map(fr -> fr.getClassName().substring(fr.getClassName().lastIndexOf('.') + 1) + "." + fr.getMethodName())
                .orElse("unknown"));
    }

    private void synchronizeAll() {
        for (Backend b : wrappers.keySet()) b.synchronize();
    }

    Profile finish() {
        double wallMs = (System.nanoTime() - startNanos) / 1e6;
        List<Profile.Entry> entries = new ArrayList<>();
        long syncs = 0;
        for (var e : totals.entrySet()) {
            Totals t = e.getValue();
            synchronized (t) {
                entries.add(new Profile.Entry(e.getKey(), t.calls, t.selfHost / 1e6, t.inclusiveHost / 1e6,
                        deviceTime ? t.selfDevice / 1e6 : Double.NaN, t.syncs));
                syncs += t.syncs;
            }
        }
        entries.sort(Comparator.comparingDouble(Profile.Entry::ms).reversed().thenComparing(Profile.Entry::op));
        double outsideMs;
        synchronized (this) { outsideMs = wallMs - ownerTopLevelNanos / 1e6; }
        Profile.Peak peak;
        synchronized (this) { peak = new Profile.Peak(peakBytes, peakDevice, peakAt, peakOpIndex, ops); }
        return new Profile(entries, wallMs, outsideMs, deviceTime, syncs, peak);
    }
}
