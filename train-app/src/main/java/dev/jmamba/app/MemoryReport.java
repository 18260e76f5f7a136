package dev.jmamba.app;

import dev.jmamba.autograd.SavedMemory;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Module;
import dev.jmamba.nn.Parameter;
import dev.jmamba.optim.Optimizer;
import dev.jmamba.tensor.Backend;
import dev.jmamba.tensor.MemoryStats;
import dev.jmamba.tensor.Profile;
import dev.jmamba.tensor.Storage;
import dev.jmamba.tensor.Tensor;
import java.io.PrintStream;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where a training step's peak device memory goes ({@code bench train --profile}): parameters,
 * their gradients, the optimizer's state, the tensors the graph saved for backward (by op, measured
 * after the forward), everything else alive at the peak (temporaries, workspaces: the remainder of
 * the peak allocated bytes), and the allocator's slack (reserved − allocated at the peaks).
 *
 * <p>Use: {@link #begin} before the step, {@link #afterForward} with the loss, {@link #afterStep}
 * once the optimizer ran; then {@link #print} or {@link #json}.
 */
final class MemoryReport {
    private final Backend backend;
    private final Module model;
    private final Optimizer optimizer;
    private Map<String, Long> savedByOp = Map.of();
    private long savedBytes;
    private long gradBytes;
    private long optimizerBytes;
    private long parameterBytes;
    private MemoryStats atPeak;
    private Profile.Peak opPeak;

    private MemoryReport(Backend backend, Module model, Optimizer optimizer) {
        this.backend = backend;
        this.model = model;
        this.optimizer = optimizer;
    }

    /** Starts measuring: resets the backend's peaks. */
    static MemoryReport begin(Backend backend, Module model, Optimizer optimizer) {
        backend.resetPeakMemory();
        return new MemoryReport(backend, model, optimizer);
    }

    /** Records what the graph of {@code loss} saved for backward (call before backward). */
    void afterForward(Var loss) {
        Set<Storage> params = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Parameter p : model.parameters()) params.add(p.var().value().storage());
        savedByOp = SavedMemory.byOp(loss, params);
        savedBytes = savedByOp.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Records gradients, optimizer state and the peaks (call after the optimizer step, before zeroGrad). */
    void afterStep() {
        backend.synchronize();
        for (Parameter p : model.parameters()) {
            parameterBytes += bytes(p.var().value());
            Tensor g = p.var().grad();
            if (g != null) gradBytes += bytes(g);
        }
        optimizerBytes += optimizer.stateBytes();   // not stateDict(): that copies every state tensor inside the profiled step
        atPeak = backend.memoryStats();
    }

    private static long bytes(Tensor t) { return (long) t.storage().size() * t.storage().dtype().bytes(); }

    /** Where the profiler saw the most bytes held at an op boundary (printed with the breakdown). */
    void opBoundaryPeak(Profile.Peak peak) { this.opPeak = peak; }

    /** Named parts in bytes, in print order. */
    Map<String, Long> parts() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("parameters", parameterBytes);
        m.put("gradients", gradBytes);
        m.put("optimizer_state", optimizerBytes);
        m.put("saved_for_backward", savedBytes);
        m.put("other_at_peak", Math.max(0, atPeak.peakAllocatedBytes() - parameterBytes - gradBytes - optimizerBytes - savedBytes));
        m.put("peak_allocated", atPeak.peakAllocatedBytes());
        m.put("allocator_slack", atPeak.peakReservedBytes() - atPeak.peakAllocatedBytes());
        m.put("peak_reserved", atPeak.peakReservedBytes());
        return m;
    }

    void print(PrintStream out) {
        out.println("memory of one training step (GiB; saved-for-backward measured after the forward, by op):");
        for (Map.Entry<String, Long> e : parts().entrySet()) {
            out.println(String.format(Locale.ROOT, "  %-20s %8.3f", e.getKey().replace('_', ' '), MemoryStats.gib(e.getValue())));
        }
        savedByOp.entrySet().stream().limit(12).forEach(e -> out.println(String.format(Locale.ROOT,
                "    saved by %-28s %8.3f", e.getKey(), MemoryStats.gib(e.getValue()))));
        if (opPeak != null && opPeak.opCount() > 0) {
            out.println(String.format(Locale.ROOT, "  most held at an op boundary %.3f GiB, at op %d of %d: %s",
                    MemoryStats.gib(opPeak.bytes()), opPeak.opIndex(), opPeak.opCount(), opPeak.at()));
        }
    }

    void json(PrintStream out) {
        StringBuilder b = new StringBuilder("{\"case\":\"memory\",\"memory_gib\":{");
        String sep = "";
        for (Map.Entry<String, Long> e : parts().entrySet()) {
            b.append(sep).append(String.format(Locale.ROOT, "\"%s\":%.4f", e.getKey(), MemoryStats.gib(e.getValue())));
            sep = ",";
        }
        b.append("},\"saved_gib_by_op\":{");
        sep = "";
        for (Map.Entry<String, Long> e : savedByOp.entrySet()) {
            b.append(sep).append(String.format(Locale.ROOT, "\"%s\":%.4f", e.getKey(), MemoryStats.gib(e.getValue())));
            sep = ",";
        }
        b.append('}');
        if (opPeak != null && opPeak.opCount() > 0) {
            b.append(String.format(Locale.ROOT, ",\"op_boundary_peak\":{\"gib\":%.4f,\"op_index\":%d,\"op_count\":%d,\"at\":\"%s\"}",
                    MemoryStats.gib(opPeak.bytes()), opPeak.opIndex(), opPeak.opCount(), opPeak.at().replace("\"", "'")));
        }
        out.println(b.append('}'));
    }
}
