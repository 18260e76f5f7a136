package dev.jmamba.nn;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The seeds of a training step's random draws (dropout, drop path) in a device table, so that a step
 * captured in a CUDA graph draws new masks on every replay. While a step is recorded
 * ({@link #record(long)}), each {@link RandomLayer} draw on this thread takes its seed from a slot of
 * the table, keyed by the layer's seed and the draw's position within the step
 * ({@code calls − step · CALLS_PER_STEP}); before each replay {@link #write(long)} fills every slot
 * with the seed the eager step would use, {@code Seeds.derive(layer seed, step · CALLS_PER_STEP + position)}.
 * So replayed masks are those of eager steps, bit for bit, and stay resume-exact. A draw repeated
 * within a step (activation checkpointing replays the forward) reuses its slot.
 */
public final class DeviceSeeds implements AutoCloseable {
    private static final ThreadLocal<DeviceSeeds> RECORDING = new ThreadLocal<>();

    private record Key(long layerSeed, long position) {}

    private final Device device;
    private final Tensor table;                         // (capacity) I64 on device, outside any Scope
    private final Map<Key, Integer> slots = new LinkedHashMap<>();
    private long stepBase = -1;
    private boolean closed;

    /** A table of {@code capacity} seeds on {@code device}. */
    public DeviceSeeds(Device device, int capacity) {
        if (capacity < 1) throw new JmambaException("DeviceSeeds: capacity must be >= 1, got " + capacity);
        this.device = device;
        this.table = Scope.unowned(() -> Tensor.zeros(DType.I64, device, capacity));
    }

    /** A table for the random layers under {@code root}: four draws per layer and step, at least 16. */
    public static DeviceSeeds forModel(Module root, Device device) {
        int layers = 0;
        for (Module m : root.namedModules().values()) if (m instanceof RandomLayer) layers++;
        return new DeviceSeeds(device, Math.max(16, 4 * layers));
    }

    /** The table recording draws on this thread, or null (then random layers draw with seeds by value). */
    static DeviceSeeds recording() {
        return RECORDING.get();
    }

    /**
     * Routes the random layers' draws on this thread through this table until the returned handle is
     * closed; {@code step} is the step being recorded (its layers were moved to
     * {@code step · CALLS_PER_STEP} by {@link RandomLayer#seekAll}).
     */
    public AutoCloseable record(long step) {
        if (closed) throw new IllegalStateException("DeviceSeeds: record after close()");
        if (RECORDING.get() != null) throw new IllegalStateException("DeviceSeeds: this thread is already recording a step");
        stepBase = Math.multiplyExact(step, RandomLayer.CALLS_PER_STEP);
        RECORDING.set(this);
        return () -> RECORDING.remove();
    }

    /** Uniform [0, 1) numbers of {@code shape} for draw {@code call} of the layer seeded {@code layerSeed}, the seed read from the table. */
    Tensor uniform(long layerSeed, long call, DType dtype, Device on, int... shape) {
        long position = call - stepBase;
        if (position < 0 || position >= RandomLayer.CALLS_PER_STEP) {
            throw new IllegalStateException("DeviceSeeds: draw " + call + " lies outside the recorded step's positions (" + stepBase
                    + " + [0, " + RandomLayer.CALLS_PER_STEP + ")); move the random layers with RandomLayer.seekAll before recording");
        }
        if (!on.equals(device)) throw new IllegalStateException("DeviceSeeds: a draw on " + on + " but the seed table is on " + device);
        Integer slot = slots.get(new Key(layerSeed, position));
        if (slot == null) {
            if (slots.size() == table.size(0)) {
                throw new IllegalStateException("DeviceSeeds: the step draws random numbers more than " + table.size(0)
                        + " times; the seed table holds no more");
            }
            slot = slots.size();
            slots.put(new Key(layerSeed, position), slot);
        }
        return Tensor.random(RandomKind.UNIFORM, table, slot, 0, 1, dtype, on, shape);
    }

    /** Number of distinct draws recorded so far. */
    public int draws() { return slots.size(); }

    /** Writes the seeds of step {@code step} into the table (queued on the device's stream; before each replay). */
    public void write(long step) {
        if (closed) throw new IllegalStateException("DeviceSeeds: write after close()");
        long base = Math.multiplyExact(step, RandomLayer.CALLS_PER_STEP);
        long[] seeds = new long[table.size(0)];
        for (var e : slots.entrySet()) seeds[e.getValue()] = Seeds.derive(e.getKey().layerSeed(), base + e.getKey().position());
        try (Scope upload = Scope.open()) {
            table.copyFrom(Tensor.of(seeds, seeds.length).to(device));
        }
    }

    /** Frees the table (nothing that reads it may still be queued or replayed). */
    @Override public void close() {
        if (closed) return;
        closed = true;
        table.storage().release();
    }
}
