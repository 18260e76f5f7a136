package dev.jmamba.io.pth;

import java.util.List;

/**
 * A Python tuple read from a pickle: an immutable list of values. Only flat tuples of scalars
 * may be dictionary keys (see {@link PickleReader}), so {@code hashCode} never recurses deeply.
 *
 * @param items the elements, in order
 */
public record PyTuple(List<Object> items) {
    public PyTuple {
        items = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(items));
    }

    public int size() { return items.size(); }

    public Object get(int i) { return items.get(i); }

    @Override public String toString() { return "tuple(" + items.size() + " items)"; }
}
