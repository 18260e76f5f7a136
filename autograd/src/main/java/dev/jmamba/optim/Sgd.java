package dev.jmamba.optim;

import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.Updates;

import java.util.List;
import java.util.Set;

/**
 * Stochastic gradient descent as PyTorch's {@code torch.optim.SGD} with dampening 0:
 * <pre>
 *   d = g + wd·p                      (coupled weight decay, when wd > 0)
 *   buf = μ·buf + d                   (buf starts at 0, so the first buf is d; when μ > 0)
 *   d = nesterov ? d + μ·buf : buf    (when μ > 0)
 *   p = p − lr·d
 * </pre>
 * State: {@code momentum_buffer.<name>}. Each parameter is updated by one fused pass ({@link Updates#sgd}).
 */
public final class Sgd extends Optimizer {
    private final double momentum;
    private final boolean nesterov;

    public Sgd(List<ParamGroup> groups, double lr, double momentum, boolean nesterov) {
        super(groups, lr);
        if (!(momentum >= 0 && momentum < 1)) throw new JmambaException("Sgd: momentum must be in [0, 1), got " + momentum);
        if (nesterov && momentum == 0) throw new JmambaException("Sgd: Nesterov needs momentum > 0");
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    @Override protected void update(String name, Tensor value, Tensor grad, long t, double lr, double weightDecay) {
        boolean first = momentum > 0 && !hasState("momentum_buffer", name);
        Tensor buf = momentum > 0 ? state("momentum_buffer", name, value) : null;
        Tensor target = value.isContiguous() ? value : value.contiguous();
        Updates.sgd(target, grad.contiguous(), buf, lr, momentum, 0, weightDecay, nesterov, first);
        if (target != value) value.copyFrom(target);
    }

    @Override protected int factorCount() { return Updates.SgdFactors.COUNT; }

    /** (lr, momentum, 1 − dampening, weight decay): dampening is 0, as {@link #update} passes it. */
    @Override protected void writeFactors(double[] out, int offset, long t, double lr, double weightDecay) {
        out[offset] = lr;
        out[offset + 1] = momentum;
        out[offset + 2] = 1 - 0.0;
        out[offset + 3] = weightDecay;
    }

    @Override protected void update(String name, Tensor value, Tensor grad, Tensor factors, double weightDecay) {
        boolean first = momentum > 0 && !hasState("momentum_buffer", name);
        Tensor buf = momentum > 0 ? state("momentum_buffer", name, value) : null;
        Tensor target = value.isContiguous() ? value : value.contiguous();
        Updates.sgd(target, grad.contiguous(), buf, factors, weightDecay != 0, nesterov, first);
        if (target != value) value.copyFrom(target);
    }

    @Override protected Set<String> stateKinds() { return Set.of("momentum_buffer"); }

    @Override protected int gateFactor() { return Updates.SgdFactors.LR; }
}
