package dev.jmamba.optim;

import dev.jmamba.nn.Module;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Exponential moving average of a model's weights (timm's {@code ModelEmaV2} style, evaluated as a
 * separate copy): after each optimizer step, {@link #update} sets
 * shadow ← decay·shadow + (1 − decay)·param for every parameter and copies every buffer as is.
 * {@link #copyTo} loads the shadow into a module of the same structure (e.g. for evaluation).
 * The shadow is keyed by the module's state-dict names.
 */
public final class Ema {
    private final double decay;
    private final LinkedHashMap<String, Tensor> shadow = new LinkedHashMap<>();
    private final java.util.Set<String> paramNames;

    /** Starts the shadow as a copy of {@code model}'s current parameters and buffers. */
    public Ema(Module model, double decay) {
        if (!(decay >= 0 && decay <= 1)) throw new JmambaException("Ema: decay must be in [0, 1], got " + decay);
        this.decay = decay;
        this.paramNames = java.util.Set.copyOf(model.namedParameters().keySet());
        Scope.unowned(() -> {
            for (var e : model.stateDict().entrySet()) shadow.put(e.getKey(), e.getValue().copy());
            return null;
        });
    }

    public double decay() { return decay; }

    /** shadow ← decay·shadow + (1 − decay)·param for parameters; buffers copied. In place. */
    public void update(Module model) {
        Map<String, Tensor> current = model.stateDict();
        if (!current.keySet().equals(shadow.keySet())) {
            throw new JmambaException("Ema.update: the model's state keys differ from the shadow's: model "
                    + current.keySet() + ", shadow " + shadow.keySet());
        }
        for (var e : shadow.entrySet()) {
            Tensor s = e.getValue(), v = current.get(e.getKey()).to(s.dtype());
            if (paramNames.contains(e.getKey())) s.copyFrom(s.mul(decay).add(v.mul(1 - decay)));
            else s.copyFrom(v);
        }
    }

    /**
     * {@link #update} where {@code keep} (a () tensor on the model's device; non-zero = update) says
     * so, and the shadow unchanged where not, decided on the device without a host read. The
     * updated values are {@link #update}'s bit for bit.
     */
    public void updateGated(Module model, Tensor keep) {
        Map<String, Tensor> current = model.stateDict();
        if (!current.keySet().equals(shadow.keySet())) {
            throw new dev.jmamba.tensor.JmambaException("Ema.updateGated: the model's state keys differ from the shadow's: model "
                    + current.keySet() + ", shadow " + shadow.keySet());
        }
        Tensor k = keep.reshape();
        for (var e : shadow.entrySet()) {
            Tensor s = e.getValue(), v = current.get(e.getKey()).to(s.dtype());
            Tensor updated = paramNames.contains(e.getKey()) ? s.mul(decay).add(v.mul(1 - decay)) : v;
            s.copyFrom(Tensor.where(k.to(s.device()), updated, s).to(s.dtype()));
        }
    }

    /** Copies the shadow into {@code target}'s parameters and buffers (strict names and shapes). */
    public void copyTo(Module target) {
        target.loadStateDict(shadow, true);
    }

    /** The shadow tensors (copies), keyed by state-dict name. */
    public LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (var e : shadow.entrySet()) out.put(e.getKey(), e.getValue().copy());
        return out;
    }

    /** Restores the shadow from {@link #stateDict()} output: same keys and shapes, or one exception. */
    public void loadStateDict(Map<String, Tensor> dict) {
        java.util.List<String> problems = new java.util.ArrayList<>();
        for (String k : shadow.keySet()) {
            Tensor t = dict.get(k);
            if (t == null) problems.add("missing '" + k + "'");
            else if (!t.sameShape(shadow.get(k))) problems.add("'" + k + "' shape " + java.util.Arrays.toString(t.shape())
                    + ", expected " + java.util.Arrays.toString(shadow.get(k).shape()));
        }
        for (String k : dict.keySet()) if (!shadow.containsKey(k)) problems.add("unexpected '" + k + "'");
        if (!problems.isEmpty()) throw new JmambaException("Ema.loadStateDict: " + String.join("; ", problems));
        for (var e : shadow.entrySet()) e.getValue().copyFrom(dict.get(e.getKey()).to(e.getValue().dtype()));
    }
}
