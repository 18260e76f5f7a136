package dev.jmamba.nn;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node of the model tree: its own parameters, buffers (non-trainable state such as BatchNorm
 * running statistics) and child modules, each kept in registration order. Names follow PyTorch:
 * a parameter's full name is the dotted path of child names, e.g.
 * {@code layers.0.mixer.in_proj.weight}, so checkpoints line up with PyTorch's {@code state_dict}.
 * Within one module, its parameters come first, then its buffers, then its children's entries.
 *
 * <p>Subclasses register their parts in the constructor and define a {@code forward} with whatever
 * signature fits ({@link Layer} for the common one-in/one-out case). Build modules outside any
 * {@link dev.jmamba.tensor.Scope} (their tensors must outlive per-step scopes); updates by
 * optimizers, loading and running statistics write into the existing tensors in place.
 */
public abstract class Module {
    private final LinkedHashMap<String, Parameter> params = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
    private final LinkedHashMap<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    // ------------------------------------------------------------------ registration

    /** Registers a child module under {@code name} (the field name, as in PyTorch) and returns it. */
    protected <T extends Module> T register(String name, T child) {
        checkName(name);
        if (child == null) throw new JmambaException(getClass().getSimpleName() + ": child '" + name + "' is null");
        children.put(name, child);
        return child;
    }

    /** Registers a trainable parameter initialised with {@code init} (used as is, not copied). */
    protected Parameter param(String name, Tensor init) {
        checkName(name);
        Parameter p = new Parameter(name, init);
        params.put(name, p);
        return p;
    }

    /** Registers a buffer: state saved in the state dict but not trained. */
    protected Tensor buffer(String name, Tensor value) {
        checkName(name);
        buffers.put(name, value);
        return value;
    }

    /** The current tensor of own buffer {@code name}. */
    protected Tensor buffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) throw new JmambaException(getClass().getSimpleName() + " has no buffer '" + name + "'");
        return t;
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new JmambaException(getClass().getSimpleName() + ": a name must be non-empty without dots, got '" + name + "'");
        }
        if (params.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new JmambaException(getClass().getSimpleName() + ": name '" + name + "' is already registered");
        }
    }

    // ------------------------------------------------------------------ traversal

    /** Direct children in registration order. */
    public LinkedHashMap<String, Module> namedChildren() { return new LinkedHashMap<>(children); }

    /** This module (name "") and every descendant under its dotted name, depth first, pre-order. */
    public LinkedHashMap<String, Module> namedModules() {
        LinkedHashMap<String, Module> out = new LinkedHashMap<>();
        collectModules("", this, out);
        return out;
    }

    private static void collectModules(String prefix, Module m, Map<String, Module> out) {
        out.put(prefix, m);
        for (var e : m.children.entrySet()) collectModules(join(prefix, e.getKey()), e.getValue(), out);
    }

    /** Every parameter under its dotted name. */
    public LinkedHashMap<String, Parameter> namedParameters() {
        LinkedHashMap<String, Parameter> out = new LinkedHashMap<>();
        for (var m : namedModules().entrySet()) {
            for (var p : m.getValue().params.entrySet()) out.put(join(m.getKey(), p.getKey()), p.getValue());
        }
        return out;
    }

    /** Every parameter, in {@link #namedParameters()} order. */
    public List<Parameter> parameters() { return new ArrayList<>(namedParameters().values()); }

    /** Every buffer under its dotted name. */
    public LinkedHashMap<String, Tensor> namedBuffers() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (var m : namedModules().entrySet()) {
            for (var b : m.getValue().buffers.entrySet()) out.put(join(m.getKey(), b.getKey()), b.getValue());
        }
        return out;
    }

    /**
     * Parameters and buffers under dotted names, PyTorch order (per module: parameters, buffers,
     * then children). The tensors are the live ones, not copies.
     */
    public LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        stateInto("", this, out);
        return out;
    }

    private static void stateInto(String prefix, Module m, Map<String, Tensor> out) {
        for (var p : m.params.entrySet()) out.put(join(prefix, p.getKey()), p.getValue().value());
        for (var b : m.buffers.entrySet()) out.put(join(prefix, b.getKey()), b.getValue());
        for (var c : m.children.entrySet()) stateInto(join(prefix, c.getKey()), c.getValue(), out);
    }

    private static String join(String prefix, String name) { return prefix.isEmpty() ? name : prefix + "." + name; }

    // ------------------------------------------------------------------ loading

    /**
     * Copies {@code state} into this module's parameters and buffers in place (values are converted
     * to each target's dtype and device). Strict: when any key is missing, unexpected or of another
     * shape, throws one {@link StateDictException} listing all of them and changes nothing.
     * Non-strict: loads every key that matches in name and shape and returns the rest.
     */
    public LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        LinkedHashMap<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>(), unexpected = new ArrayList<>(), mismatched = new ArrayList<>();
        for (var e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) missing.add(e.getKey());
            else if (!Arrays.equals(src.shape(), e.getValue().shape())) {
                mismatched.add(e.getKey() + ": expected " + shapeStr(e.getValue().shape()) + ", got " + shapeStr(src.shape()));
            }
        }
        for (String k : state.keySet()) if (!own.containsKey(k)) unexpected.add(k);
        LoadResult result = new LoadResult(missing, unexpected, mismatched);
        if (strict && !result.isClean()) throw new StateDictException(getClass().getSimpleName(), result);
        for (var e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null || !Arrays.equals(src.shape(), e.getValue().shape())) continue;
            Tensor dst = e.getValue();
            dst.copyFrom(src.to(dst.device()).to(dst.dtype()));
        }
        return result;
    }

    private static String shapeStr(int[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) sb.append(i > 0 ? ", " : "").append(shape[i]);
        return sb.append(")").toString();
    }

    // ------------------------------------------------------------------ modes and bulk operations

    /** Sets training mode on this module and every descendant. */
    public void train(boolean on) {
        for (Module m : namedModules().values()) m.training = on;
    }

    /** Same as {@code train(false)}. */
    public void eval() { train(false); }

    public boolean isTraining() { return training; }

    /** Drops every parameter's gradient. */
    public void zeroGrad() {
        for (Parameter p : parameters()) p.var().zeroGrad();
    }

    /** Total number of parameter elements. */
    public long numParameters() {
        long n = 0;
        for (Parameter p : parameters()) n += p.numel();
        return n;
    }

    /**
     * Converts every floating parameter and buffer to {@code dtype} (integer buffers such as
     * counters keep theirs). Parameters get fresh leaves, so gradients are dropped. Returns this.
     */
    public Module to(DType dtype) {
        for (Module m : namedModules().values()) {
            for (Parameter p : m.params.values()) if (p.value().dtype() != dtype) p.replace(p.value().to(dtype));
            m.buffers.replaceAll((k, b) -> b.dtype().isFloating() ? b.to(dtype) : b);
        }
        return this;
    }

    /** Moves every parameter and buffer to {@code device}. Returns this. */
    public Module to(Device device) {
        for (Module m : namedModules().values()) {
            for (Parameter p : m.params.values()) if (!p.value().device().equals(device)) p.replace(p.value().to(device));
            m.buffers.replaceAll((k, b) -> b.to(device));
        }
        return this;
    }

    @Override public String toString() {
        return getClass().getSimpleName() + "(" + numParameters() + " parameters)";
    }
}
