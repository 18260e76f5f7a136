package dev.jmamba.tensor;

import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Owns the storages created while it is the current scope of a thread; closing it releases them.
 * Long-lived tensors (parameters, optimizer state) are created outside any scope or in an outer
 * one; per-step temporaries live in a per-step scope:
 *
 * <pre>{@code
 * try (Scope step = Scope.open()) {
 *     Tensor loss = model.forward(x) ...;
 *     double v = loss.item();
 * }   // every temporary of the step is released here (device memory goes back to the allocator)
 * }</pre>
 *
 * {@link #keep(Tensor)} moves a tensor's storage to the enclosing scope (or makes it unowned).
 * On the CPU releasing only drops the array; on CUDA it returns the memory to the allocator.
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<ArrayDeque<Scope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final Set<Storage> owned = new LinkedHashSet<>();   // storages compare by identity
    private final Thread thread = Thread.currentThread();
    private boolean closed;

    private Scope() {}

    /** Opens a scope and makes it current on this thread. */
    public static Scope open() {
        Scope s = new Scope();
        STACK.get().push(s);
        return s;
    }

    /** Runs {@code body} with no current scope (storages created there are unowned). */
    public static <T> T unowned(java.util.function.Supplier<T> body) {
        ArrayDeque<Scope> saved = STACK.get();
        STACK.set(new ArrayDeque<>());
        try {
            return body.get();
        } finally {
            STACK.set(saved);
        }
    }

    static void register(Storage s) {
        Scope cur = STACK.get().peek();
        if (cur != null) cur.owned.add(s);
    }

    /** Moves {@code t}'s storage out of this scope into the enclosing one (or unowned) and returns t. */
    public Tensor keep(Tensor t) {
        keep(t.storage());
        return t;
    }

    /** Moves {@code s} out of this scope into the enclosing one (or unowned); nothing if this scope does not own it. */
    public void keep(Storage s) {
        if (owned.remove(s)) {
            ArrayDeque<Scope> stack = STACK.get();
            for (Scope outer : stack) {
                if (outer != this && !outer.closed) {
                    outer.owned.add(s);
                    break;
                }
            }
        }
    }

    /**
     * Takes {@code s} out of whichever open scope of this thread owns it, so that it lives until released by hand (as
     * storages made under {@link #unowned} do); false, and nothing changed, when no open scope owns it.
     */
    public static boolean disown(Storage s) {
        for (Scope scope : STACK.get()) if (!scope.closed && scope.owned.remove(s)) return true;
        return false;
    }

    /** Whether this scope owns {@code s} (allocated while it was the innermost scope, or moved into it by {@link #keep}). */
    public boolean owns(Storage s) { return owned.contains(s); }

    /** Number of storages this scope owns. */
    public int ownedCount() { return owned.size(); }

    /** Number of storages this scope owns that are not released yet (a memory diagnostic). */
    public int liveCount() {
        int n = 0;
        for (Storage s : owned) if (!s.isReleased()) n++;
        return n;
    }

    @Override public void close() {
        if (closed) return;
        if (Thread.currentThread() != thread) throw new IllegalStateException("a Scope must be closed on the thread that opened it");
        closed = true;
        ArrayDeque<Scope> stack = STACK.get();
        stack.remove(this);
        for (Storage s : owned) s.release();
        owned.clear();
    }
}
