package dev.jmamba.autograd;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which leaves' gradients are final, during one outermost backward pass, for the leaves that have
 * {@link GradReadyListener}s. The engine visits the topological order from its end; a leaf's last
 * contribution comes from the referencing node visited last, i.e. the one at the smallest index of
 * the order. So before the visit the tracker finds, per listened-to leaf, that index (over the nodes
 * that have the leaf as an input or declare that they reach it, {@link Node#reaches}), and after the
 * engine has passed index k — visited the node, or skipped it because no gradient flowed into it —
 * it reports the leaves whose index is k.
 *
 * <p>A node that may reach leaves it does not declare (a {@link Recompute} segment made without the
 * list: {@code reaches == null}) is <em>opaque</em>: any leaf may get a gradient when it runs, so no
 * report comes before the last opaque node is passed. Leaves that no node of the order references
 * but that receive gradients anyway (inside a recomputed segment, or as roots) are reported after the
 * last opaque node, or at the end of the pass.
 *
 * <p>Nested passes (a segment's recomputation runs its own backward inside the outer one) report
 * nothing themselves: their contributions are part of the outer pass, which tracks them. The tracker
 * of the running outermost pass is a thread-local.
 */
final class LeafReadiness {
    private static final ThreadLocal<LeafReadiness> CURRENT = new ThreadLocal<>();
    /** Listeners registered and not removed, in the whole process: with none, passes track nothing (no planning cost). */
    private static final java.util.concurrent.atomic.AtomicInteger LISTENERS = new java.util.concurrent.atomic.AtomicInteger();

    /** Per index of the order: the listened-to leaves whose last contribution comes at or before that node. */
    private final Map<Integer, List<Var>> reportAfter = new java.util.HashMap<>();
    private final Set<Var> tracked = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Var> reported = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Leaves that received gradients without being referenced by the order, in the order they first did. */
    private final Set<Var> untracked = new LinkedHashSet<>();
    /** The smallest index of an opaque node, or -1. */
    private int lastOpaque = -1;

    private LeafReadiness() {}

    /**
     * A tracker for the pass that starts now, or null when a pass is already running on this thread
     * (this one is nested) or no leaf anywhere has a listener.
     */
    static LeafReadiness openOutermost() {
        if (LISTENERS.get() == 0 || CURRENT.get() != null) return null;
        LeafReadiness r = new LeafReadiness();
        CURRENT.set(r);
        return r;
    }

    /** A listener was added ({@code +1}) or removed ({@code -1}) somewhere. */
    static void listenerCount(int change) {
        LISTENERS.addAndGet(change);
    }

    /** Ends tracking (normally or after an exception: what was not reported is not). */
    void close() {
        if (CURRENT.get() == this) CURRENT.remove();
    }

    /** Finds, for the leaves with listeners, the node of {@code order} after which each is final. */
    void plan(List<Node> order) {
        Map<Var, Integer> last = new IdentityHashMap<>();
        for (int k = 0; k < order.size(); k++) {
            Node node = order.get(k);
            for (Var in : node.inputs) note(last, in, k);
            if (node.reaches == null) {
                if (lastOpaque < 0) lastOpaque = k;
            } else {
                for (Var leaf : node.reaches) note(last, leaf, k);
            }
        }
        for (Map.Entry<Var, Integer> e : last.entrySet()) {
            int k = lastOpaque >= 0 ? Math.min(e.getValue(), lastOpaque) : e.getValue();
            reportAfter.computeIfAbsent(k, i -> new ArrayList<>()).add(e.getKey());
            tracked.add(e.getKey());
        }
    }

    private static void note(Map<Var, Integer> last, Var v, int k) {
        if (v != null && v.node == null && v.hasGradReadyListeners()) last.putIfAbsent(v, k);   // k rises: the first is the smallest
    }

    /** The engine has passed the node at index {@code k} of the order. */
    void passed(int k) {
        List<Var> due = reportAfter.remove(k);
        if (due != null) for (Var leaf : due) report(leaf);
        if (k == lastOpaque) reportUntracked();
    }

    /** The pass is over: reports the leaves that got gradients without a node of the order referencing them. */
    void finish() {
        reportUntracked();
    }

    /** Called by {@link Var#accumulate} for a leaf with listeners, in whatever pass (outer or nested) of this thread. */
    static void accumulated(Var leaf) {
        LeafReadiness r = CURRENT.get();
        if (r == null) return;
        if (r.reported.contains(leaf)) {
            throw new IllegalStateException("a gradient reached " + leaf + " after its gradient was reported final: a node's backward "
                    + "adds to a leaf that is not its input and that it does not declare (Recompute.applyAll's 'reaches' list)");
        }
        if (!r.tracked.contains(leaf)) r.untracked.add(leaf);
    }

    private void reportUntracked() {
        List<Var> due = new ArrayList<>(untracked);
        untracked.clear();
        for (Var leaf : due) report(leaf);
    }

    private void report(Var leaf) {
        if (reported.add(leaf)) leaf.gradReady();
    }
}
