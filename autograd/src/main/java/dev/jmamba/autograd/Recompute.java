package dev.jmamba.autograd;

import dev.jmamba.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Activation checkpointing (PyTorch's {@code torch.utils.checkpoint}): trade compute for memory.
 *
 * <pre>{@code
 * Var y = Recompute.apply(x, block::forward, rewind);
 * }</pre>
 *
 * runs {@code body} without recording a graph, so none of its activations stay for backward; the
 * one node it records saves only the inputs. When the backward pass reaches that node, it calls
 * {@code rewind} (to put random layers back where the forward found them), runs {@code body} again
 * on copies of the inputs that require gradients — this time recording — and back-propagates the
 * incoming gradients through it: the parameters inside receive their gradients directly, and the
 * inputs' gradients are the node's results. With a deterministic body the gradients equal those of
 * the plain graph exactly. Layers with running statistics (BatchNorm) update them twice, as in
 * PyTorch.
 */
public final class Recompute {
    private Recompute() {}

    /** {@code body(x)}, keeping only x for backward; {@code rewind} runs before the recomputation (may be null). */
    public static Var apply(Var x, UnaryOperator<Var> body, Runnable rewind) {
        return applyAll(new Var[] {x}, in -> new Var[] {body.apply(in[0])}, rewind)[0];
    }

    /**
     * {@link #apply} for a body of several inputs (none null) and outputs. The leaves the body reads
     * (its parameters) are not known here, so until the segment has been recomputed in backward no
     * {@link GradReadyListener} is told of any leaf; {@link #applyAll(Var[], UnaryOperator, Runnable, List)}
     * with the list avoids that.
     */
    public static Var[] applyAll(Var[] inputs, UnaryOperator<Var[]> body, Runnable rewind) {
        return record(inputs, body, rewind, null);
    }

    /**
     * {@link #applyAll(Var[], UnaryOperator, Runnable)} for a body whose gradients reach only its
     * inputs and the leaves {@code reaches} (typically the parameters of the layers it runs): leaves
     * used elsewhere in the graph are then reported ready as soon as their last use is done, and
     * these once the segment's backward has run. A leaf the body reaches but that is not listed makes
     * backward fail (when it has a listener that was already told).
     */
    public static Var[] applyAll(Var[] inputs, UnaryOperator<Var[]> body, Runnable rewind, List<Var> reaches) {
        return record(inputs, body, rewind, reaches.toArray(new Var[0]));
    }

    private static Var[] record(Var[] inputs, UnaryOperator<Var[]> body, Runnable rewind, Var[] reaches) {
        if (!Autograd.isGradEnabled()) return body.apply(inputs);
        Var[] outputs;
        try (var off = Autograd.noGrad()) {
            outputs = Autograd.checkpointedForward(() -> body.apply(inputs));
        }
        Tensor[] saved = new Tensor[inputs.length];
        Var[] recorded = new Var[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            saved[i] = inputs[i].value();
            recorded[i] = inputs[i].requiresGrad() ? inputs[i] : null;
        }
        Node node = new Node("recompute", outputs.length, (gys, needs) -> recompute(saved, body, rewind, gys, needs), saved, reaches, recorded);
        Var[] result = new Var[outputs.length];
        for (int i = 0; i < outputs.length; i++) result[i] = new Var(outputs[i].value(), node, i);
        return result;
    }

    /** Runs body again with recording, back-propagates the output gradients; the inputs' gradients where needed. */
    private static Tensor[] recompute(Tensor[] saved, UnaryOperator<Var[]> body, Runnable rewind, Tensor[] gys, boolean[] needs) {
        if (rewind != null) rewind.run();
        Var[] leaves = new Var[saved.length];
        for (int i = 0; i < saved.length; i++) leaves[i] = Var.of(saved[i]).requiresGrad(true);
        Var[] outs;
        try (var on = Autograd.enableGrad()) {
            outs = body.apply(leaves);
        }
        List<Var> roots = new ArrayList<>();
        List<Tensor> seeds = new ArrayList<>();
        for (int i = 0; i < outs.length; i++) {
            if (gys[i] != null && outs[i].requiresGrad()) {
                roots.add(outs[i]);
                seeds.add(gys[i]);
            }
        }
        if (!roots.isEmpty()) Var.backward(roots.toArray(new Var[0]), seeds.toArray(new Tensor[0]));
        Tensor[] grads = new Tensor[saved.length];
        for (int i = 0; i < saved.length; i++) {
            Tensor g = leaves[i].grad();
            if (needs[i]) grads[i] = g;
            else if (g != null) g.storage().release();      // the parameters inside wanted gradients, this input did not
        }
        return grads;
    }
}
