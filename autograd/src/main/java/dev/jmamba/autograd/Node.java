package dev.jmamba.autograd;

import dev.jmamba.autograd.rules.Rule;
import dev.jmamba.tensor.Tensor;

/**
 * One recorded op in the graph: its backward function, the inputs that want gradients, and,
 * while {@link Engine#backward} runs, the gradients summed so far for each of its outputs.
 */
final class Node {
    /** d(loss)/d(outputs) (null entries: no gradient) → d(loss)/d(inputs) (null where not needed). */
    interface Backward {
        Tensor[] apply(Tensor[] gradOutputs, boolean[] needsInputGrad);
    }

    final String op;
    /** The tensors the backward reads (nulls allowed): what {@link Activations} keeps alive and counts. */
    final Tensor[] saved;
    final Var[] inputs;      // inputs that require a gradient; null where absent or not needed
    final boolean[] needs;   // needs[i] == (inputs[i] != null)
    final int outputs;
    /**
     * Leaves this node's backward adds gradients to besides its inputs (a recomputed segment's
     * parameters), for {@link LeafReadiness}: empty for ordinary ops; null when unknown (the node may
     * reach any leaf).
     */
    final Var[] reaches;
    private final Backward backward;
    private Tensor[] pending; // summed output gradients; null until one arrives

    Node(String op, int outputs, Backward backward, Tensor[] saved, Var... inputs) {
        this(op, outputs, backward, saved, NO_LEAVES, inputs);
    }

    private static final Var[] NO_LEAVES = new Var[0];

    /** A node whose backward also adds to the leaves {@code reaches} (null: to leaves not known in advance). */
    Node(String op, int outputs, Backward backward, Tensor[] saved, Var[] reaches, Var... inputs) {
        this.op = op;
        this.reaches = reaches;
        this.saved = saved;
        this.outputs = outputs;
        this.backward = backward;
        this.inputs = new Var[inputs.length];
        this.needs = new boolean[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            needs[i] = inputs[i] != null && inputs[i].requiresGrad();
            this.inputs[i] = needs[i] ? inputs[i] : null;
        }
        Activations.recordSaved(saved);
    }

    /** A node for a single-output op with a {@link Rule} that reads the tensors {@code saved}. */
    static Node of(String op, Rule rule, Tensor[] saved, Var... inputs) {
        return new Node(op, 1, (gys, needs) -> rule.backward(gys[0], needs), saved, inputs);
    }

    /**
     * Adds {@code g} to the gradient of output {@code slot}; returns the gradient it replaced (or null). Two
     * gradients in the same non-row-major layout are summed in it (the consumer, e.g. a kernel reading the
     * output's own layout, then needs no copy).
     */
    Tensor accumulate(int slot, Tensor g) {
        if (pending == null) pending = new Tensor[outputs];
        Tensor old = pending[slot];
        pending[slot] = old == null ? g : old.addPreservingLayout(g);
        return old;
    }

    /** The gradient summed so far for output {@code slot}, or null. */
    Tensor pendingAt(int slot) { return pending == null ? null : pending[slot]; }

    /** Hands out the summed output gradients (null if none arrived) and forgets them. */
    Tensor[] takePending() {
        Tensor[] p = pending;
        pending = null;
        return p;
    }

    Tensor[] runBackward(Tensor[] gradOutputs) {
        if (saved != null) {
            for (Tensor t : saved) {
                if (t != null && t.storage().isReleased()) {
                    throw new dev.jmamba.tensor.JmambaException("backward of '" + op + "': a tensor it saved for backward was freed"
                            + " — a second backward through the same graph (saved activations are freed once the nodes that read"
                            + " them ran their backward, as in PyTorch without retain_graph): run the forward again");
                }
            }
        }
        return backward.apply(gradOutputs, needs.clone());
    }

    /** The distinct storages of {@link #saved} (a node may save two views of one storage); computed once, read twice per backward. */
    dev.jmamba.tensor.Storage[] savedStorages() {
        if (savedStorages == null) {
            java.util.Set<dev.jmamba.tensor.Storage> set = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            if (saved != null) for (Tensor t : saved) if (t != null) set.add(t.storage());
            savedStorages = set.toArray(new dev.jmamba.tensor.Storage[0]);
        }
        return savedStorages;
    }

    private dev.jmamba.tensor.Storage[] savedStorages;
}
