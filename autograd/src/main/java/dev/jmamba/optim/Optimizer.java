package dev.jmamba.optim;

import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.Profiler;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Base of the optimizers: parameter groups, the learning rate, a step counter, and per-parameter
 * state tensors keyed {@code <kind>.<param name>} (e.g. {@code exp_avg.layers.0.weight}). State is
 * created lazily (zeros, outside any Scope) and updated in place, as are the parameters, so a
 * step may run inside a per-step {@link Scope}. Parameters without a gradient are skipped.
 *
 * <p>State dict: {@code step} (I64 scalar: calls of {@link #step()}), {@code param_step.<name>}
 * (I64 scalar: updates of that parameter) and every state tensor.
 */
public abstract class Optimizer {
    private final List<ParamGroup> groups;
    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tensor> state = new LinkedHashMap<>();
    private final Map<String, Long> paramSteps = new HashMap<>();
    private double lr;
    private long steps;

    protected Optimizer(List<ParamGroup> groups, double lr) {
        this.groups = List.copyOf(groups);
        for (ParamGroup g : this.groups) {
            for (var e : g.params().entrySet()) {
                if (byName.put(e.getKey(), e.getValue()) != null) {
                    throw new IllegalArgumentException(getClass().getSimpleName() + ": parameter '" + e.getKey() + "' is in more than one group");
                }
            }
        }
        setLr(lr);
    }

    /** The base learning rate (each group uses lr · lrScale). */
    public double lr() { return lr; }

    /** Sets the base learning rate (schedules call this before each step). */
    public void setLr(double lr) {
        if (!(lr >= 0)) throw new IllegalArgumentException(getClass().getSimpleName() + ": lr must be >= 0, got " + lr);
        this.lr = lr;
    }

    public List<ParamGroup> groups() { return groups; }

    /** Calls of {@link #step()} so far. */
    public long stepCount() { return steps; }

    /** Updates every parameter that has a gradient, in place (timed as {@code <Class>.step} by the {@link Profiler}). */
    public void step() {
        steps++;
        try (Profiler.Section s = Profiler.section(getClass().getSimpleName(), ".step")) {
            for (ParamGroup g : groups) {
                for (var e : g.params().entrySet()) {
                    Parameter p = e.getValue();
                    Tensor grad = p.grad();
                    if (grad == null) continue;
                    long t = paramSteps.merge(e.getKey(), 1L, Long::sum);
                    Tensor value = p.value();
                    update(e.getKey(), value, grad.to(value.dtype()), t, lr * g.lrScale(), g.weightDecay());
                }
            }
        }
    }

    /**
     * Updates {@code value} in place from {@code grad} (both the parameter's shape and dtype).
     * {@code t} counts this parameter's updates including this one (1 on the first).
     */
    protected abstract void update(String name, Tensor value, Tensor grad, long t, double lr, double weightDecay);

    /** The state kinds this optimizer keeps per parameter (e.g. {@code exp_avg}, {@code exp_avg_sq}). */
    protected abstract Set<String> stateKinds();

    /** State tensor {@code kind} of parameter {@code name}, created as zeros like {@code like} on first use. */
    protected Tensor state(String kind, String name, Tensor like) {
        return state.computeIfAbsent(kind + "." + name,
                k -> Scope.unowned(() -> Tensor.zeros(like.dtype(), like.device(), like.shape())));
    }

    /** True when state tensor {@code kind} of parameter {@code name} exists (created by an update or loaded). */
    protected boolean hasState(String kind, String name) {
        return state.containsKey(kind + "." + name);
    }

    /** Drops the gradients of every parameter of every group. */
    public void zeroGrad() {
        for (Parameter p : byName.values()) p.var().zeroGrad();
    }

    /** Copies of the step counters and state tensors (see the class comment for the keys). */
    public LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        out.put("step", Tensor.of(new long[] {steps}));
        for (String name : byName.keySet()) {
            Long t = paramSteps.get(name);
            if (t != null) out.put("param_step." + name, Tensor.of(new long[] {t}));
        }
        for (var e : state.entrySet()) out.put(e.getKey(), e.getValue().copy());
        return out;
    }

    /**
     * Restores a {@link #stateDict()}. Every key must be {@code step}, {@code param_step.<name>} or
     * {@code <kind>.<name>} for a known kind and parameter, with the parameter's shape; otherwise one
     * exception lists every bad key and nothing changes. Tensors are converted to the parameter's
     * dtype and device.
     */
    public void loadStateDict(Map<String, Tensor> dict) {
        List<String> problems = new ArrayList<>();
        if (!dict.containsKey("step")) problems.add("missing key 'step'");
        for (var e : dict.entrySet()) {
            String key = e.getKey();
            if (key.equals("step")) continue;
            int dot = key.indexOf('.');
            String kind = dot < 0 ? key : key.substring(0, dot), name = dot < 0 ? "" : key.substring(dot + 1);
            Parameter p = byName.get(name);
            if (p == null || !(kind.equals("param_step") || stateKinds().contains(kind))) {
                problems.add("unexpected key '" + key + "'");
            } else if (!kind.equals("param_step") && !Arrays.equals(e.getValue().shape(), p.shape())) {
                problems.add("'" + key + "': expected shape " + Arrays.toString(p.shape()) + ", got " + Arrays.toString(e.getValue().shape()));
            }
        }
        if (!problems.isEmpty()) throw new IllegalArgumentException(getClass().getSimpleName() + ".loadStateDict: " + String.join("; ", problems));
        state.clear();
        paramSteps.clear();
        steps = (long) dict.get("step").item();
        for (var e : dict.entrySet()) {
            String key = e.getKey();
            if (key.equals("step")) continue;
            String kind = key.substring(0, key.indexOf('.')), name = key.substring(key.indexOf('.') + 1);
            if (kind.equals("param_step")) {
                paramSteps.put(name, (long) e.getValue().item());
            } else {
                Tensor like = byName.get(name).value();
                state(kind, name, like).copyFrom(e.getValue().to(like.device()).to(like.dtype()));
            }
        }
    }
}
