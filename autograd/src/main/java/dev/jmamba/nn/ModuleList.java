package dev.jmamba.nn;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** An indexed list of modules registered as children "0", "1", ... (PyTorch's {@code nn.ModuleList}). */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {
    private final List<M> items = new ArrayList<>();

    @SafeVarargs
    public ModuleList(M... modules) {
        for (M m : modules) add(m);
    }

    /** Appends a module and returns it. */
    public M add(M module) {
        register(Integer.toString(items.size()), module);
        items.add(module);
        return module;
    }

    public M get(int i) {
        if (i < 0 || i >= items.size()) throw new IndexOutOfBoundsException("ModuleList index " + i + " outside [0, " + items.size() + ")");
        return items.get(i);
    }

    public int size() { return items.size(); }

    @Override public Iterator<M> iterator() { return List.copyOf(items).iterator(); }
}
