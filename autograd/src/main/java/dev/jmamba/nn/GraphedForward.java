package dev.jmamba.nn;

import dev.jmamba.autograd.Autograd;
import dev.jmamba.tensor.Backend;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import java.util.Objects;

/**
 * An inference forward (no gradients) captured once in a CUDA graph and replayed per batch for the
 * cost of one launch: the forward-only counterpart of {@link dev.jmamba.optim.GraphedStep}.
 *
 * <p>How: {@link #capture} runs {@code body} eagerly {@code warmup} times on the static input
 * (compiling kernels, creating the model's lazily built device tables, filling the allocator's
 * cache), then records one more call on the device's stream. Every call runs inside
 * {@link Autograd#noGrad()} and its own {@link Scope}: the temporaries of the captured forward
 * (activations, autocast's bf16 copies of the weights) are freed when that scope closes during the
 * capture, and the caching allocator then holds their blocks for the graph until {@link #close()},
 * exactly as for a graphed training step's gradients. The body's result is copied once, inside the
 * graph, into {@link #output()}, a tensor this object owns. {@link #replay(Tensor)} copies a batch
 * into the static input and launches the graph; both are queued on one stream, so the copy of replay
 * k+1 waits for replay k.
 *
 * <p>What the body must do: read its input only from the tensor it is given (the static input),
 * make no host reads ({@code item()}, {@code toArray}) and no uploads ({@code Tensor.to(cuda)}) —
 * the CUDA backend refuses both during a capture — and draw no random numbers (put the model in
 * {@link Module#eval()} mode: a replay would repeat the captured dropout masks). Autocast applies
 * as in an eager call: the accelerator default, or a scope opened inside the body. The graph reads
 * the parameters' storage as it was at capture (and casts it again on every replay under autocast):
 * change weights only in place ({@code copyFrom}), never by swapping their tensors.
 */
public final class GraphedForward implements AutoCloseable {
    /** One forward: {@code input} (the static input, e.g. images (B, C, H, W)) → the output, e.g. logits (B, classes). */
    @FunctionalInterface
    public interface Body {
        Tensor run(Tensor input);
    }

    private final Tensor input;
    private final Backend.Graph graph;
    private final Tensor output;
    private boolean closed;

    private GraphedForward(Tensor input, Backend.Graph graph, Tensor output) {
        this.input = input;
        this.graph = graph;
        this.output = output;
    }

    /**
     * Runs {@code body} {@code warmup} (≥ 1) times eagerly on {@code staticInput}, then captures one
     * call. {@code staticInput} (any shape, e.g. images (B, C, H, W)) must be on a CUDA device and
     * stay allocated until {@link #close()}; its contents during the warm-up are the caller's choice.
     */
    public static GraphedForward capture(Tensor staticInput, int warmup, Body body) {
        Objects.requireNonNull(staticInput, "GraphedForward: the static input is null");
        Objects.requireNonNull(body, "GraphedForward: the body is null");
        if (warmup < 1) {
            throw new JmambaException("GraphedForward: expected at least 1 warm-up forward (it compiles the kernels and fills"
                    + " the allocator's cache), got " + warmup);
        }
        Device device = staticInput.device();
        Backend backend = Backends.raw(device);
        if (!backend.supportsGraphs()) {
            throw new JmambaException("GraphedForward: CUDA graphs need the input on a CUDA device, got " + device);
        }
        for (int i = 0; i < warmup; i++) {
            try (Scope call = Scope.open(); var noGrad = Autograd.noGrad()) {
                requireOnDevice(body.run(staticInput), device);
            }
        }
        backend.synchronize();
        Tensor[] output = new Tensor[1];
        Backend.Graph graph;
        try {
            graph = backend.captureGraph(() -> {
                try (Scope call = Scope.open(); var noGrad = Autograd.noGrad()) {
                    Tensor result = requireOnDevice(body.run(staticInput), device);
                    output[0] = Scope.unowned(result::copy);   // allocated while capturing, kept until close()
                }
            });
        } catch (RuntimeException | Error e) {
            if (output[0] != null) output[0].storage().release();
            throw e;
        }
        return new GraphedForward(staticInput, graph, output[0]);
    }

    private static Tensor requireOnDevice(Tensor result, Device device) {
        if (result == null) throw new JmambaException("GraphedForward: the body returned null instead of its output tensor");
        if (!result.device().equals(device)) {
            throw new JmambaException("GraphedForward: the body must return a tensor on the input's device " + device
                    + ", got one on " + result.device());
        }
        return result;
    }

    /**
     * Queues one forward on {@code batch}: a tensor of the static input's shape, dtype and device
     * (any strides), copied into the static input first. Asynchronous: read {@link #output()} to wait.
     */
    public void replay(Tensor batch) {
        if (closed) throw new IllegalStateException("GraphedForward: replay after close()");
        checkBatch(input, batch);
        if (batch != input) input.copyFrom(batch);
        graph.launch();
    }

    /** Queues one forward on what the static input holds now. */
    public void replay() {
        if (closed) throw new IllegalStateException("GraphedForward: replay after close()");
        graph.launch();
    }

    /** Refuses a batch that differs from the static input in shape, dtype or device, naming both. */
    static void checkBatch(Tensor expected, Tensor batch) {
        Objects.requireNonNull(batch, "GraphedForward.replay: the batch is null");
        if (!Shapes.same(batch.shape(), expected.shape()) || batch.dtype() != expected.dtype()
                || !batch.device().equals(expected.device())) {
            throw new JmambaException("GraphedForward.replay: expected a batch " + describe(expected)
                    + " like the static input, got " + describe(batch));
        }
    }

    private static String describe(Tensor t) {
        return Shapes.str(t.shape()) + " " + t.dtype() + " on " + t.device();
    }

    /** The static input the graph reads (owned by the caller). */
    public Tensor input() { return input; }

    /** The output of the latest replay: a device tensor that each replay overwrites (undefined before the first). */
    public Tensor output() { return output; }

    /** Waits for queued replays, destroys the graph and frees its memory and {@link #output()}; not the static input. */
    @Override public void close() {
        if (closed) return;
        closed = true;
        graph.close();
        output.storage().release();
    }
}
