package dev.jmamba.autograd;

import dev.jmamba.tensor.Tensor;
import java.util.HashMap;
import java.util.Map;

/** What a {@link CustomFunction}'s forward leaves for its backward: saved tensors and named values. */
public final class FunctionContext {
    private final boolean[] needsInputGrad;
    private Tensor[] saved = new Tensor[0];
    private final Map<String, Object> values = new HashMap<>();

    FunctionContext(boolean[] needsInputGrad) { this.needsInputGrad = needsInputGrad; }

    /** Saves tensors for backward (replaces what was saved before). */
    public void save(Tensor... tensors) { saved = tensors.clone(); }

    public Tensor[] saved() { return saved.clone(); }

    /** Stores a non-tensor value (sizes, flags, ...) for backward. */
    public void put(String key, Object value) { values.put(key, value); }

    /** The value stored under {@code key}, or null. */
    @SuppressWarnings("unchecked")
    public <T> T get(String key) { return (T) values.get(key); }

    /** Every tensor saved or stored here (inside arrays, records, collections): what backward may read. */
    Tensor[] tensors() { return Activations.tensorsIn(saved, values); }

    /** Whether input {@code i} wants a gradient (false for constants and absent inputs). */
    public boolean needsInputGrad(int i) {
        if (i < 0 || i >= needsInputGrad.length) {
            throw new IndexOutOfBoundsException("needsInputGrad: expected an input index in [0, " + needsInputGrad.length + "), got " + i);
        }
        return needsInputGrad[i];
    }
}
