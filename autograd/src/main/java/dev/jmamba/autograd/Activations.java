package dev.jmamba.autograd;

import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Storage;
import dev.jmamba.tensor.Tensor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Supplier;

/**
 * Frees the forward pass's temporaries as soon as a block is done with them.
 *
 * <p>Memory in jmamba lives in {@link Scope}s: everything a training step allocates stays until
 * the step's scope closes. Most of a forward pass's tensors are needed until then, because a
 * backward rule reads them (a matmul's input, an exp's output). The rest are temporaries: a matmul
 * result that only feeds a bias add, a scan output that only feeds a merge. PyTorch frees those by
 * reference counting; here a <em>region</em> does it:
 *
 * <pre>{@code
 * Var y = Activations.region(() -> block.forward(x));
 * }</pre>
 *
 * runs the body in its own scope and, when it returns, releases every storage the body allocated
 * except the result's and those the graph recorded inside it saves for backward (each node
 * declares them: {@code Node#saved}, a {@link CustomFunction}'s {@link FunctionContext}). Regions
 * nest; what an inner region keeps, the outer one keeps too. Without grad mode (evaluation) nothing
 * is saved, so only the result survives.
 *
 * <p>Safety: a rule that reads a tensor it did not declare would find it released ("expected a live
 * tensor"); {@link GradCheck} runs every checked function inside a region, so each op's
 * declaration is tested by its gradient check.
 */
public final class Activations {
    private static final ThreadLocal<ArrayDeque<Frame>> FRAMES = ThreadLocal.withInitial(ArrayDeque::new);

    private Activations() {}

    /** One open region: its scope and the storages saved by nodes recorded inside it. */
    private record Frame(Scope scope, Set<Storage> saved) {}

    /**
     * Runs {@code body} and frees every storage it allocated except those of its result and those
     * saved for backward by the nodes it recorded.
     */
    public static Var region(Supplier<Var> body) {
        return regionOf(() -> new Var[] {body.get()})[0];
    }

    /** {@link #region} for a body with several results. */
    public static Var[] regionOf(Supplier<Var[]> body) {
        ArrayDeque<Frame> frames = FRAMES.get();
        Frame frame = new Frame(Scope.open(), Collections.newSetFromMap(new IdentityHashMap<>()));
        frames.push(frame);
        try {
            Var[] out = body.get();
            Set<Storage> results = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Var v : out) if (v != null) results.add(v.value().storage());
            synchronized (RELEASED_AFTER_READERS) {
                for (Storage s : frame.saved) {   // internal to the region, only its nodes read them: free after their backward
                    if (!results.contains(s) && frame.scope.owns(s)) RELEASED_AFTER_READERS.add(s);
                }
                RELEASED_AFTER_READERS.removeAll(results);   // a result (or a view of one) lives on outside
            }
            for (Var v : out) if (v != null) frame.scope.keep(v.value());
            for (Storage s : frame.saved) frame.scope.keep(s);
            return out;
        } finally {
            frames.pop();
            Frame parent = frames.peek();
            if (parent != null) parent.saved.addAll(frame.saved);
            frame.scope.close();
        }
    }

    /**
     * Storages a region allocated and kept only because nodes recorded inside it saved them for backward: nothing
     * outside the region holds them, so the engine releases each once the backward of every node that saved it
     * has run ({@link #releasedAfterReaders}) — as PyTorch frees a node's saved tensors after its backward — instead
     * of at the end of the step. Weak: a graph that is never backwarded leaves nothing behind here.
     */
    private static final Set<Storage> RELEASED_AFTER_READERS = Collections.newSetFromMap(new WeakHashMap<>());

    /** Whether {@code s} is released once the nodes that saved it ran their backward (see {@link #RELEASED_AFTER_READERS}). */
    static boolean releasedAfterReaders(Storage s) {
        synchronized (RELEASED_AFTER_READERS) { return RELEASED_AFTER_READERS.contains(s); }
    }

    /** True while the current thread is inside a region. */
    public static boolean inRegion() { return !FRAMES.get().isEmpty(); }

    /** Called for every recorded node: its saved tensors must outlive the enclosing regions. */
    static void recordSaved(Tensor[] saved) {
        Frame top = FRAMES.get().peek();
        if (top == null || saved == null) return;
        for (Tensor t : saved) if (t != null) top.saved.add(t.storage());
    }

    /**
     * Every tensor reachable from {@code o} through tensors, arrays, records, iterables and map
     * values: what a custom function left in its context for backward.
     */
    static Tensor[] tensorsIn(Object... roots) {
        List<Tensor> found = new ArrayList<>();
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        ArrayDeque<Object> todo = new ArrayDeque<>();
        for (Object r : roots) if (r != null) todo.push(r);
        while (!todo.isEmpty()) {
            Object o = todo.pop();
            if (!seen.add(o)) continue;
            switch (o) {
                case Tensor t -> found.add(t);
                case Object[] a -> { for (Object e : a) if (e != null) todo.push(e); }
                case Iterable<?> it -> { for (Object e : it) if (e != null) todo.push(e); }
                case Map<?, ?> m -> { for (Object e : m.values()) if (e != null) todo.push(e); }
                case Record r -> {
                    for (RecordComponent c : r.getClass().getRecordComponents()) {
                        Object v = component(c, r);
                        if (v != null) todo.push(v);
                    }
                }
                default -> { }
            }
        }
        return found.toArray(new Tensor[0]);
    }

    private static Object component(RecordComponent c, Record r) {
        try {
            var accessor = c.getAccessor();
            accessor.setAccessible(true);
            return accessor.invoke(r);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("Activations: cannot read component '" + c.getName() + "' of "
                    + r.getClass().getName() + " (saved for backward)", e);
        }
    }
}
