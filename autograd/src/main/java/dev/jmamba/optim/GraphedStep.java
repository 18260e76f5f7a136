package dev.jmamba.optim;

import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.Backend;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * A whole training step (forward, backward, optimizer step, zeroGrad) captured once in a CUDA
 * graph and replayed per batch for the cost of one launch.
 *
 * <p>How: {@link #capture} runs the step eagerly {@code warmupSteps} times (compiling kernels,
 * creating the optimizer state, filling the allocator's cache), switches the optimizer to device
 * factors ({@link Optimizer#useDeviceFactors()}), then records one step on the device's stream.
 * {@link #replay} copies the batch into the static input tensors the step reads, uploads the
 * step's optimizer factors ({@link Optimizer#writeDeviceFactors()}: current lr, next bias
 * corrections) and launches the graph; the step's loss lands in the static tensor {@link #loss()},
 * read only when asked. Everything is queued on one stream, so the copies of replay k+1 wait for
 * replay k.
 *
 * <p>What the step must do: read its inputs only from the static tensors given to capture, end
 * with {@code optimizer.zeroGrad()} (gradients then live inside the step: allocated and freed
 * while capturing, their blocks are held for the graph by the allocator), make no host reads
 * ({@code item()}, {@code toArray}) and no uploads ({@code Tensor.to(cuda)}) — the CUDA backend
 * refuses both during a capture — and draw no fresh random numbers by seed value (a replay repeats
 * the captured seeds, so dropout and drop path would repeat their masks) unless the step is recorded
 * with {@link dev.jmamba.nn.DeviceSeeds} and its seeds are written before each replay. Parameters, optimizer state and the
 * static inputs keep their storage, so the graph updates them in place.
 */
public final class GraphedStep implements AutoCloseable {
    /** One training step on the static inputs; returns its loss (any shape, usually ()). */
    @FunctionalInterface
    public interface Body {
        Tensor run();
    }

    private final Optimizer optimizer;
    private final List<Tensor> inputs;
    private final Backend.Graph graph;
    private final Tensor loss;
    private final boolean ownsDeviceFactors;
    private boolean closed;

    private GraphedStep(Optimizer optimizer, List<Tensor> inputs, Backend.Graph graph, Tensor loss, boolean ownsDeviceFactors) {
        this.optimizer = optimizer;
        this.inputs = inputs;
        this.graph = graph;
        this.loss = loss;
        this.ownsDeviceFactors = ownsDeviceFactors;
    }

    /**
     * Warms up with {@code warmupSteps} (≥ 1) eager steps at the optimizer's current lr, then
     * captures one step. {@code staticInputs}: the device tensors {@code body} reads (any shapes);
     * the parameters must be on a CUDA device.
     */
    public static GraphedStep capture(Optimizer optimizer, List<Tensor> staticInputs, int warmupSteps, Body body) {
        if (warmupSteps < 1) {
            throw new JmambaException("GraphedStep: expected at least 1 warm-up step (it creates the optimizer state), got " + warmupSteps);
        }
        if (optimizer.usesDeviceFactors()) throw new IllegalStateException("GraphedStep: the optimizer is already used by a graphed step");
        Device device = deviceOf(optimizer);
        Backend backend = Backends.raw(device);
        if (!backend.supportsGraphs()) {
            throw new JmambaException("GraphedStep: CUDA graphs need the parameters on a CUDA device, got " + device);
        }
        for (Tensor t : staticInputs) {
            if (!t.device().equals(device)) {
                throw new JmambaException("GraphedStep: static inputs must be on the parameters' device " + device + ", got one on " + t.device());
            }
        }
        for (int i = 0; i < warmupSteps; i++) {
            try (Scope step = Scope.open()) {
                body.run();
            }
            requireNoGradients(optimizer, "after a warm-up step");
        }
        backend.synchronize();
        optimizer.useDeviceFactors();
        return record(optimizer, staticInputs, backend, body, true);
    }

    /**
     * Captures one step for an optimizer already in device-factor mode after eager steps (e.g. a
     * trainer whose first step ran eagerly after {@link Optimizer#useDeviceFactorsForGradients}): no
     * warm-up here, kernels and optimizer state exist. {@link #close()} (and a failed capture) leave
     * the optimizer in device-factor mode, as it was. {@code staticInputs} and {@code body} as in
     * {@link #capture}.
     */
    public static GraphedStep captureWarm(Optimizer optimizer, List<Tensor> staticInputs, Body body) {
        if (!optimizer.usesDeviceFactors()) {
            throw new IllegalStateException("GraphedStep.captureWarm: the optimizer must already use device factors (after an eager step)");
        }
        Device device = deviceOf(optimizer);
        Backend backend = Backends.raw(device);
        if (!backend.supportsGraphs()) {
            throw new JmambaException("GraphedStep: CUDA graphs need the parameters on a CUDA device, got " + device);
        }
        for (Tensor t : staticInputs) {
            if (!t.device().equals(device)) {
                throw new JmambaException("GraphedStep: static inputs must be on the parameters' device " + device + ", got one on " + t.device());
            }
        }
        requireNoGradients(optimizer, "before the capture");
        backend.synchronize();
        return record(optimizer, staticInputs, backend, body, false);
    }

    /** Captures {@code body} once; {@code ownsDeviceFactors}: switch the optimizer back to host factors on failure and close. */
    private static GraphedStep record(Optimizer optimizer, List<Tensor> staticInputs, Backend backend, Body body, boolean ownsDeviceFactors) {
        Tensor[] loss = new Tensor[1];
        Backend.Graph graph;
        try {
            graph = backend.captureGraph(() -> {
                try (Scope step = Scope.open()) {
                    Tensor stepLoss = body.run();
                    loss[0] = Scope.unowned(stepLoss::copy);   // allocated while capturing, kept until close()
                }
            });
        } catch (RuntimeException | Error e) {
            if (ownsDeviceFactors) optimizer.useHostFactors();
            if (loss[0] != null) loss[0].storage().release();
            throw e;
        }
        GraphedStep graphed = new GraphedStep(optimizer, List.copyOf(staticInputs), graph, loss[0], ownsDeviceFactors);
        try {
            requireNoGradients(optimizer, "after the captured step");
        } catch (IllegalStateException e) {
            graphed.close();
            throw e;
        }
        return graphed;
    }

    private static Device deviceOf(Optimizer optimizer) {
        for (ParamGroup g : optimizer.groups()) {
            for (Parameter p : g.params().values()) return p.value().device();
        }
        throw new JmambaException("GraphedStep: the optimizer has no parameters");
    }

    /** A gradient that outlives the step would be written by every replay behind the Var's back. */
    private static void requireNoGradients(Optimizer optimizer, String when) {
        List<String> kept = new ArrayList<>();
        for (ParamGroup g : optimizer.groups()) {
            for (var e : g.params().entrySet()) if (e.getValue().grad() != null) kept.add(e.getKey());
        }
        if (!kept.isEmpty()) {
            throw new IllegalStateException("GraphedStep: the step must end with optimizer.zeroGrad(); " + kept.size()
                    + " parameters still have a gradient " + when + " (first: '" + kept.get(0) + "')");
        }
    }

    /**
     * Queues one step on {@code batch}: one tensor per static input, same shapes (any device; a
     * host tensor is uploaded). Asynchronous: read {@link #loss()} to wait for it.
     */
    public void replay(Tensor... batch) {
        if (closed) throw new IllegalStateException("GraphedStep: replay after close()");
        if (batch.length != inputs.size()) {
            throw new JmambaException("GraphedStep.replay: expected " + inputs.size() + " batch tensors, got " + batch.length);
        }
        try (Scope copies = Scope.open()) {
            for (int i = 0; i < batch.length; i++) {
                Tensor target = inputs.get(i);
                if (!Shapes.same(batch[i].shape(), target.shape()) || batch[i].dtype() != target.dtype()) {
                    throw new JmambaException("GraphedStep.replay: batch tensor " + i + " must be " + Shapes.str(target.shape())
                            + " " + target.dtype() + " like its static input, got " + Shapes.str(batch[i].shape()) + " " + batch[i].dtype());
                }
                if (batch[i] != target) target.copyFrom(batch[i].to(target.device()));
            }
        }
        replay();
    }

    /** Queues one step on what the static inputs hold now. */
    public void replay() {
        if (closed) throw new IllegalStateException("GraphedStep: replay after close()");
        optimizer.writeDeviceFactors();
        graph.launch();
    }

    /** The loss of the latest replay: a device tensor that each replay overwrites (undefined before the first). */
    public Tensor loss() { return loss; }

    /** Waits for queued replays, destroys the graph and puts the optimizer back in eager mode (not after {@link #captureWarm}). */
    @Override public void close() {
        if (closed) return;
        closed = true;
        graph.close();
        loss.storage().release();
        if (ownsDeviceFactors) optimizer.useHostFactors();
    }
}
