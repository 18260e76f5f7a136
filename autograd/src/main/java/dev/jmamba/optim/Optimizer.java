package dev.jmamba.optim;

import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Profiler;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.Updates;

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
 *
 * <p><b>Factors on the device</b> (for a replayed CUDA graph, see {@link GraphedStep}). A graph
 * replays its kernels with the arguments they were captured with, so the per-step scalars (lr
 * from a schedule, bias corrections 1 − β^t) cannot be kernel arguments. After
 * {@link #useDeviceFactors()}, {@link #step()} only queues updates that read their factors from a
 * (P, K) F64 table on the device (row per parameter), and {@link #writeDeviceFactors()} advances
 * the step counters and uploads the next step's factors into it: one host-to-device copy on the
 * stream, queued before each replay (outside the graph). The factors are the same doubles the
 * eager step derives, so both modes give the same bits.
 */
public abstract class Optimizer {
    private final List<ParamGroup> groups;
    private final Map<String, Parameter> byName = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tensor> state = new LinkedHashMap<>();
    private final Map<String, Long> paramSteps = new HashMap<>();
    private final Map<String, ParamGroup> groupOf = new HashMap<>();
    /** Names of the parameters the latest eager step updated (those with a gradient). */
    private final List<String> lastUpdated = new ArrayList<>();
    private double lr;
    private long steps;
    /** Device-factor mode: parameter name → row of {@link #factorTable}; null in eager mode. */
    private Map<String, Integer> factorRows;
    private Tensor factorTable;     // (P, K) F64 on the parameters' device
    private double[] hostFactors;   // (P·K) the next step's factors before upload

    protected Optimizer(List<ParamGroup> groups, double lr) {
        this.groups = List.copyOf(groups);
        for (ParamGroup g : this.groups) {
            for (var e : g.params().entrySet()) {
                groupOf.put(e.getKey(), g);
                if (byName.put(e.getKey(), e.getValue()) != null) {
                    throw new JmambaException(getClass().getSimpleName() + ": parameter '" + e.getKey() + "' is in more than one group");
                }
            }
        }
        setLr(lr);
    }

    /** The base learning rate (each group uses lr · lrScale). */
    public double lr() { return lr; }

    /** Sets the base learning rate (schedules call this before each step). */
    public void setLr(double lr) {
        if (!(lr >= 0)) throw new JmambaException(getClass().getSimpleName() + ": lr must be >= 0, got " + lr);
        this.lr = lr;
    }

    public List<ParamGroup> groups() { return groups; }

    /** Calls of {@link #step()} so far. */
    public long stepCount() { return steps; }

    /**
     * Updates every parameter that has a gradient, in place (timed as {@code <Class>.step} by the
     * {@link Profiler}). In device-factor mode it only queues the updates, reading the factors that
     * {@link #writeDeviceFactors()} uploaded, and leaves the step counters to that method.
     */
    public void step() {
        if (factorRows != null) {
            stepFromDeviceFactors();
            return;
        }
        steps++;
        lastUpdated.clear();
        try (Profiler.Section s = Profiler.section(getClass().getSimpleName(), ".step")) {
            List<Pending> pending = new ArrayList<>();
            for (ParamGroup g : groups) {
                for (var e : g.params().entrySet()) {
                    Parameter p = e.getValue();
                    Tensor grad = p.grad();
                    if (grad == null) continue;
                    long t = paramSteps.merge(e.getKey(), 1L, Long::sum);
                    lastUpdated.add(e.getKey());
                    Tensor value = p.value();
                    pending.add(new Pending(e.getKey(), value, grad.to(value.dtype()), t, lr * g.lrScale(), g.weightDecay(), null));
                }
            }
            updateAll(pending);
        }
    }

    /**
     * One parameter's update in a step: its name, value and gradient (the value's dtype), then either the update
     * count t and lr (eager) or the factors row (device-factor mode, t and lr unused).
     */
    protected record Pending(String name, Tensor value, Tensor grad, long t, double lr, double weightDecay, Tensor factors) {}

    /**
     * Runs one step's updates, in group order: by default one {@link #update} call each; an optimizer may run them
     * together (AdamW: many per GPU launch) as long as every parameter ends up as its own update would leave it.
     */
    protected void updateAll(List<Pending> pending) {
        for (Pending p : pending) {
            if (p.factors() == null) update(p.name(), p.value(), p.grad(), p.t(), p.lr(), p.weightDecay());
            else update(p.name(), p.value(), p.grad(), p.factors(), p.weightDecay());
        }
    }

    private void stepFromDeviceFactors() {
        try (Profiler.Section s = Profiler.section(getClass().getSimpleName(), ".step")) {
            List<Pending> pending = new ArrayList<>();
            for (ParamGroup g : groups) {
                for (var e : g.params().entrySet()) {
                    String name = e.getKey();
                    Tensor grad = e.getValue().grad();
                    Integer row = factorRows.get(name);
                    if ((grad == null) != (row == null)) {
                        throw new IllegalStateException(getClass().getSimpleName() + ".step (device factors): parameter '" + name + "' "
                                + (grad == null ? "has no gradient, but" : "has a gradient, but was not") + " updated by the eager step "
                                + "before useDeviceFactors(); every step must update the same parameters");
                    }
                    if (grad == null) continue;
                    Tensor value = e.getValue().value();
                    pending.add(new Pending(name, value, grad.to(value.dtype()), 0, 0, g.weightDecay(), factorTable.select(0, row)));
                }
            }
            updateAll(pending);
        }
    }

    /**
     * Switches to device-factor mode (see the class comment): from now on {@link #step()} updates
     * the parameters that the latest eager step updated, with factors read from the device, and
     * {@link #writeDeviceFactors()} must run before each step. Needs at least one eager step first:
     * it creates the optimizer state, which a captured step must not create.
     */
    public void useDeviceFactors() {
        if (factorRows != null) throw new IllegalStateException(getClass().getSimpleName() + ": device factors are already in use");
        if (lastUpdated.isEmpty()) {
            throw new IllegalStateException(getClass().getSimpleName() + ".useDeviceFactors: expected at least one eager step() "
                    + "that updated parameters first (it creates the optimizer state), got none");
        }
        Map<String, Integer> rows = new LinkedHashMap<>();
        for (String name : lastUpdated) rows.put(name, rows.size());
        Tensor first = byName.get(lastUpdated.get(0)).value();
        int k = factorCount();
        factorTable = Scope.unowned(() -> Tensor.zeros(DType.F64, first.device(), rows.size(), k));
        hostFactors = new double[rows.size() * k];
        factorRows = rows;
    }

    /**
     * Switches to device-factor mode without an eager step first: the rows are the parameters that
     * have a gradient now (call it after the first backward), and their optimizer state is created
     * as an eager first update would create it ({@link #prepareState}). The updates that follow are
     * those of eager steps bit for bit. Optimizers whose first update initialises state from the
     * gradient (SGD's momentum buffer) refuse: they need {@link #useDeviceFactors()} after an eager step.
     */
    public void useDeviceFactorsForGradients() {
        if (factorRows != null) throw new IllegalStateException(getClass().getSimpleName() + ": device factors are already in use");
        List<String> names = new ArrayList<>();
        for (ParamGroup g : groups) {
            for (var e : g.params().entrySet()) if (e.getValue().grad() != null) names.add(e.getKey());
        }
        if (names.isEmpty()) {
            throw new IllegalStateException(getClass().getSimpleName() + ".useDeviceFactorsForGradients: no parameter has a gradient (call it after backward())");
        }
        for (String name : names) prepareState(name, byName.get(name).value());
        lastUpdated.clear();
        lastUpdated.addAll(names);
        useDeviceFactors();
    }

    /** Creates the state of parameter {@code name} that its first update would create (see {@link #useDeviceFactorsForGradients}). */
    protected void prepareState(String name, Tensor value) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + ": its first update sets state from the gradient; "
                + "use useDeviceFactors() after one eager step instead");
    }

    /** Back to eager mode; frees the factor table (nothing that reads it may still be queued or replayed). */
    public void useHostFactors() {
        if (factorRows == null) return;
        factorTable.storage().release();
        factorTable = null;
        hostFactors = null;
        factorRows = null;
    }

    /** True in device-factor mode. */
    public boolean usesDeviceFactors() { return factorRows != null; }

    /**
     * Device-factor mode: advances the step counters as an eager {@link #step()} would and uploads
     * the factors of that step (current lr, new bias corrections) into the device table, queued
     * on the device's stream ahead of the step's updates (or the graph replay that holds them).
     */
    public void writeDeviceFactors() {
        if (factorRows == null) throw new IllegalStateException(getClass().getSimpleName() + ".writeDeviceFactors: call useDeviceFactors() first");
        steps++;
        int k = factorCount();
        for (var e : factorRows.entrySet()) {
            ParamGroup g = groupOf.get(e.getKey());
            long t = paramSteps.merge(e.getKey(), 1L, Long::sum);
            writeFactors(hostFactors, e.getValue() * k, t, lr * g.lrScale(), g.weightDecay());
        }
        try (Scope upload = Scope.open()) {   // the host tensor and its device copy are temporaries
            factorTable.copyFrom(Tensor.of(hostFactors, factorRows.size(), k).to(factorTable.device()));
        }
    }

    /**
     * Device-factor mode: calls off the step queued next unless {@code keep} (a () tensor on the
     * parameters' device, any dtype; non-zero = keep) says otherwise, without a host read: the
     * factor {@link #gateFactor()} of every row becomes NaN where keep is 0, which the update
     * kernels read as "leave the parameter and its state as they are" ({@link Updates}). Call it
     * after {@link #writeDeviceFactors()} and before {@link #step()}. The step counters advance
     * either way (they were advanced by writeDeviceFactors, before anything was known).
     */
    public void gateDeviceStep(Tensor keep) {
        requireDeviceFactors("gateDeviceStep");
        if (keep.numel() != 1) throw new dev.jmamba.tensor.JmambaException(getClass().getSimpleName() + ".gateDeviceStep: keep must be a single value, got shape "
                + Arrays.toString(keep.shape()));
        Tensor column = factorTable.narrow(1, gateFactor(), 1);                                   // (P, 1)
        column.copyFrom(Tensor.where(keep.reshape(), column, Tensor.scalar(Double.NaN, DType.F64, column.device())));
    }

    /** The device factor table (P, K) F64 in device-factor mode (rows: parameters updated by the eager step, in group order). */
    protected Tensor deviceFactorTable(String op) {
        requireDeviceFactors(op);
        return factorTable;
    }

    private void requireDeviceFactors(String op) {
        if (factorRows == null) throw new IllegalStateException(getClass().getSimpleName() + "." + op + ": call useDeviceFactors() first");
    }

    /** Index of the factor whose NaN calls an update off (the step size, or the lr). */
    protected abstract int gateFactor();

    /**
     * Updates {@code value} in place from {@code grad} (both the parameter's shape and dtype).
     * {@code t} counts this parameter's updates including this one (1 on the first).
     */
    protected abstract void update(String name, Tensor value, Tensor grad, long t, double lr, double weightDecay);

    /** Number of factors per parameter in device-factor mode (K of the (P, K) table). */
    protected abstract int factorCount();

    /**
     * The device-mode factors of the update {@link #update(String, Tensor, Tensor, long, double, double)}
     * would make with these arguments, into {@code out[offset .. offset + K)}: the same doubles.
     */
    protected abstract void writeFactors(double[] out, int offset, long t, double lr, double weightDecay);

    /** Updates {@code value} in place from {@code grad}, the factors read from {@code factors} (K) F64 on its device. */
    protected abstract void update(String name, Tensor value, Tensor grad, Tensor factors, double weightDecay);

    /** The state kinds this optimizer keeps per parameter (e.g. {@code exp_avg}, {@code exp_avg_sq}). */
    protected abstract Set<String> stateKinds();

    /** State tensor {@code kind} of parameter {@code name}, created as zeros like {@code like} on first use. */
    protected Tensor state(String kind, String name, Tensor like) {
        if (factorRows != null && !state.containsKey(kind + "." + name)) {
            // created inside a captured step, its zero fill would be replayed every step
            throw new IllegalStateException(getClass().getSimpleName() + ": state '" + kind + "." + name
                    + "' does not exist in device-factor mode; an eager step must create it first");
        }
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

    /** Bytes of device (or heap) memory the state tensors hold, counted without copying them. */
    public long stateBytes() {
        long bytes = 0;
        for (Tensor t : state.values()) bytes += (long) t.storage().size() * t.storage().dtype().bytes();
        return bytes;
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
        if (!problems.isEmpty()) throw new JmambaException(getClass().getSimpleName() + ".loadStateDict: " + String.join("; ", problems));
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
