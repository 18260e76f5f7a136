package dev.jmamba.autograd;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Storage;
import dev.jmamba.tensor.Tensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The backward pass: a topological sort of the graph, then one visit per node, output first.
 *
 * <p>Intermediate gradients are freed as soon as nothing needs them (as PyTorch does): the engine
 * counts, per storage, the pending gradient slots that hold it, and after each node releases the
 * storages of the gradients it consumed or summed away that no slot holds any more. Without this,
 * every intermediate gradient of a step would stay allocated until the step's {@code Scope} closes
 * (on the GPU, the peak memory of a step would be all activations plus all backward temporaries).
 * Never released: the seed (the caller's tensor) and leaf gradients (a leaf keeps its own copy, or takes the rule's
 * fresh result itself when nothing else holds it: {@link Var#adoptGradient}).
 * Saved activations go the same way: a storage an {@link Activations#region} kept only because nodes inside it
 * saved it is released as soon as every node of the pass that saved it ran its backward (a second backward
 * through the same graph then fails with a clear message, as PyTorch's does without retain_graph).
 * After each node the outermost pass tells {@link LeafReadiness} which leaves' gradients are final,
 * so {@link GradReadyListener}s run while the rest of the graph is still being visited.
 * Each rule also runs in its own {@link Scope}: the temporaries it makes (e.g. a broadcast gradient
 * before it is summed down) are freed when it returns; only its results move to the caller's scope.
 */
final class Engine {
    private final Map<Storage, Integer> holders = new IdentityHashMap<>();
    private final List<Tensor> consumed = new ArrayList<>();
    private final Set<Storage> seedStorages = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Per storage a region lets go early (Activations): nodes of this pass that saved it and have not run their backward. */
    private final Map<Storage, Integer> savedReaders = new IdentityHashMap<>();

    private Engine(Tensor... seeds) { for (Tensor s : seeds) seedStorages.add(s.storage()); }

    /** Propagates {@code seed} = d(loss)/d(root) to every leaf that requires a gradient. */
    static void backward(Var root, Tensor seed) {
        LeafReadiness readiness = LeafReadiness.openOutermost();   // null inside another pass (a recomputation)
        try {
            if (root.node == null) root.accumulate(seed);           // a leaf: its gradient is the seed itself
            else new Engine(seed).run(new Var[] {root}, new Tensor[] {seed}, readiness);
            if (readiness != null) readiness.finish();
        } finally {
            if (readiness != null) readiness.close();
        }
    }

    /**
     * Propagates {@code seeds[i]} = d(loss)/d(roots[i]) for every i in one pass (each node runs once,
     * with the gradients of all roots summed), as {@code torch.autograd.backward(tensors, grads)}.
     */
    static void backward(Var[] roots, Tensor[] seeds) {
        LeafReadiness readiness = LeafReadiness.openOutermost();
        try {
            backward(roots, seeds, readiness);
            if (readiness != null) readiness.finish();
        } finally {
            if (readiness != null) readiness.close();
        }
    }

    private static void backward(Var[] roots, Tensor[] seeds, LeafReadiness readiness) {
        List<Var> graphRoots = new ArrayList<>();
        List<Tensor> graphSeeds = new ArrayList<>();
        for (int i = 0; i < roots.length; i++) {
            if (roots[i].node == null) roots[i].accumulate(seeds[i]);
            else {
                graphRoots.add(roots[i]);
                graphSeeds.add(seeds[i]);
            }
        }
        if (graphRoots.isEmpty()) return;
        Tensor[] s = graphSeeds.toArray(new Tensor[0]);
        new Engine(s).run(graphRoots.toArray(new Var[0]), s, readiness);
    }

    /** The pass; {@code readiness} (null in a nested pass) reports leaves whose gradients are final as the visit goes. */
    private void run(Var[] roots, Tensor[] seeds, LeafReadiness readiness) {
        List<Node> rootNodes = new ArrayList<>();
        for (Var r : roots) rootNodes.add(r.node);
        List<Node> order = topologicalOrder(rootNodes);
        if (readiness != null) readiness.plan(order);
        for (Node n : order) {
            for (Storage s : n.savedStorages()) if (Activations.releasedAfterReaders(s)) savedReaders.merge(s, 1, Integer::sum);
        }
        try {
            for (int i = 0; i < roots.length; i++) put(roots[i].node, roots[i].slot, seeds[i]);
            for (int k = order.size() - 1; k >= 0; k--) {
                Node node = order.get(k);
                Tensor[] gradOutputs = node.takePending();
                if (gradOutputs == null) {           // nothing flowed into this node
                    releaseSaved(node);
                    if (readiness != null) readiness.passed(k);
                    continue;
                }
                for (Tensor g : gradOutputs) if (g != null) { drop(g); consumed.add(g); }
                Tensor[] gradInputs;
                try (Scope ruleScope = Scope.open()) {   // a rule's temporaries die with it; its results move out
                    gradInputs = node.runBackward(gradOutputs);
                    if (gradInputs != null) for (Tensor g : gradInputs) if (g != null) ruleScope.keep(g);
                }
                gradOutputs = null;                  // drop the reference early
                deliver(node, gradInputs);
                releaseUnheld();
                releaseSaved(node);
                if (readiness != null) readiness.passed(k);
            }
        } finally {
            for (Node n : order) n.takePending(); // leave no gradients behind after an exception
        }
    }

    /** Adds {@code g} to output {@code slot} of {@code node}, counting the slot's holder. */
    private void put(Node node, int slot, Tensor g) {
        Tensor old = node.accumulate(slot, g);
        hold(node.pendingAt(slot));
        if (old != null) {                   // summed: the old sum and g are no longer held by this slot
            drop(old);
            consumed.add(old);
            consumed.add(g);
        }
    }

    private void hold(Tensor t) { holders.merge(t.storage(), 1, Integer::sum); }

    private void drop(Tensor t) { holders.computeIfPresent(t.storage(), (s, n) -> n == 1 ? null : n - 1); }

    /**
     * After {@code node}'s backward (or its skip): frees the storages it saved that a region let go early
     * (Activations) once no other node of this pass still has to read them and no pending gradient holds them.
     */
    private void releaseSaved(Node node) {
        if (savedReaders.isEmpty()) return;
        for (Storage s : node.savedStorages()) {
            Integer readers = savedReaders.get(s);
            if (readers == null) continue;
            if (readers > 1) {
                savedReaders.put(s, readers - 1);
                continue;
            }
            savedReaders.remove(s);
            if (!seedStorages.contains(s) && !holders.containsKey(s) && !s.isReleased()) s.release();
        }
    }

    /** Frees the consumed gradients whose storage no pending slot holds (never the seed's). */
    private void releaseUnheld() {
        for (Tensor t : consumed) {
            Storage s = t.storage();
            if (!seedStorages.contains(s) && !holders.containsKey(s)) s.release();
        }
        consumed.clear();
    }

    private void deliver(Node node, Tensor[] gradInputs) {
        if (gradInputs == null || gradInputs.length != node.inputs.length) {
            throw new IllegalStateException("backward of '" + node.op + "': expected " + node.inputs.length
                    + " input gradients, got " + (gradInputs == null ? "null" : String.valueOf(gradInputs.length)));
        }
        for (int i = 0; i < gradInputs.length; i++) {
            Var input = node.inputs[i];
            Tensor g = gradInputs[i];
            if (input == null || g == null) continue;
            if (!Shapes.same(g.shape(), input.shape())) {
                throw new IllegalStateException("backward of '" + node.op + "': expected a gradient of shape "
                        + Shapes.str(input.shape()) + " for input " + i + ", got " + Shapes.str(g.shape()));
            }
            if (input.node != null) {
                DType want = Autocast.gradientType(input.value().dtype());     // float32 for bf16 activations
                put(input.node, input.slot, g.dtype() == want ? g : g.to(want));
            } else if (!sharedElsewhere(g, gradInputs, i) && input.adoptGradient(g)) {
                // the leaf's first gradient is the rule's fresh tensor itself: no copy
            } else {
                input.accumulate(g);         // a leaf copies or sums into its own gradient
                consumed.add(g);
            }
        }
    }

    /**
     * Whether {@code gradInputs[i]}'s storage is also a pending gradient, the seed, a gradient this node consumed
     * (an identity rule hands its incoming gradient on) or another of this node's results: then no leaf may own it.
     */
    private boolean sharedElsewhere(Tensor g, Tensor[] gradInputs, int i) {
        Storage s = g.storage();
        if (holders.containsKey(s) || seedStorages.contains(s)) return true;
        for (Tensor c : consumed) if (c.storage() == s) return true;
        for (int j = 0; j < gradInputs.length; j++) if (j != i && gradInputs[j] != null && gradInputs[j].storage() == s) return true;
        return false;
    }

    /**
     * Nodes reachable from {@code root}, every node after all the nodes it consumes (inputs
     * first). An explicit stack replaces recursion, so graph depth is limited only by memory.
     */
    static List<Node> topologicalOrder(Node root) { return topologicalOrder(List.of(root)); }

    /** {@link #topologicalOrder(Node)} for several roots: one order over the union of their graphs. */
    static List<Node> topologicalOrder(List<Node> roots) {
        List<Node> order = new ArrayList<>();
        Set<Node> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Node> stack = new ArrayDeque<>();
        ArrayDeque<Integer> nextInput = new ArrayDeque<>(); // per stack entry: next input to visit
        for (Node root : roots) {
            if (!seen.add(root)) continue;
            stack.push(root);
            nextInput.push(0);
            depthFirst(stack, nextInput, seen, order);
        }
        return order;
    }

    private static void depthFirst(ArrayDeque<Node> stack, ArrayDeque<Integer> nextInput, Set<Node> seen, List<Node> order) {
        while (!stack.isEmpty()) {
            Node node = stack.peek();
            int i = nextInput.pop();
            if (i == node.inputs.length) {       // all inputs done: emit the node
                stack.pop();
                order.add(node);
                continue;
            }
            nextInput.push(i + 1);
            Var in = node.inputs[i];
            if (in != null && in.node != null && seen.add(in.node)) {
                stack.push(in.node);
                nextInput.push(0);
            }
        }
    }
}
