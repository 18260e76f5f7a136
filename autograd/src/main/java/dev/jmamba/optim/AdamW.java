package dev.jmamba.optim;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.Updates;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Adam with decoupled weight decay, as PyTorch's {@code torch.optim.AdamW}. For the t-th update
 * of a parameter p with gradient g:
 * <pre>
 *   p = p · (1 − lr·wd)                          (decay first, decoupled from the gradient)
 *   m = β1·m + (1 − β1)·g
 *   v = β2·v + (1 − β2)·g²
 *   p = p − (lr / (1 − β1^t)) · m / (sqrt(v) / sqrt(1 − β2^t) + eps)
 * </pre>
 * State: {@code exp_avg.<name>} (m) and {@code exp_avg_sq.<name>} (v). Each parameter is updated by
 * one fused pass ({@link Updates#adamw}); its comment gives the exact order of the rounded operations.
 */
public final class AdamW extends Optimizer {
    private final double beta1, beta2, eps;

    /** β1 0.9, β2 0.999, eps 1e-8 (PyTorch defaults). */
    public AdamW(List<ParamGroup> groups, double lr) { this(groups, lr, 0.9, 0.999, 1e-8); }

    public AdamW(List<ParamGroup> groups, double lr, double beta1, double beta2, double eps) {
        super(groups, lr);
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps > 0)) {
            throw new JmambaException("AdamW: need betas in [0, 1) and eps > 0, got " + beta1 + ", " + beta2 + ", " + eps);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    @Override protected void update(String name, Tensor value, Tensor grad, long t, double lr, double weightDecay) {
        Tensor m = state("exp_avg", name, value), v = state("exp_avg_sq", name, value);
        Tensor target = value.isContiguous() ? value : value.contiguous();
        Updates.adamw(target, grad.contiguous(), m, v, lr, beta1, beta2, eps, weightDecay, 1 - Math.pow(beta1, t), 1 - Math.pow(beta2, t));
        if (target != value) value.copyFrom(target);
    }

    /**
     * The step's updates as one {@link Updates#adamwList} per device (contiguous parameters; a non-contiguous one
     * goes through {@link #update} on its own): on a GPU many parameters per launch instead of one launch each,
     * with the same bits.
     */
    @Override protected void updateAll(List<Pending> pending) {
        Map<Device, List<Pending>> byDevice = new LinkedHashMap<>();
        for (Pending p : pending) {
            if (p.value().isContiguous()) byDevice.computeIfAbsent(p.value().device(), d -> new ArrayList<>()).add(p);
            else super.updateAll(List.of(p));
        }
        for (List<Pending> list : byDevice.values()) {
            List<Tensor[]> updates = new ArrayList<>(list.size());
            for (Pending p : list) {
                updates.add(new Tensor[] {p.value(), p.grad().contiguous(), state("exp_avg", p.name(), p.value()),
                        state("exp_avg_sq", p.name(), p.value())});
            }
            if (list.get(0).factors() != null) {
                Updates.adamwList(updates, list.stream().map(Pending::factors).toList());
            } else {
                double[][] hyper = new double[list.size()][];
                for (int i = 0; i < hyper.length; i++) {
                    Pending p = list.get(i);
                    hyper[i] = new double[] {p.lr(), beta1, beta2, eps, p.weightDecay(), 1 - Math.pow(beta1, p.t()), 1 - Math.pow(beta2, p.t())};
                }
                Updates.adamwList(updates, hyper);
            }
        }
    }

    @Override protected int factorCount() { return Updates.AdamwFactors.COUNT; }

    @Override protected void writeFactors(double[] out, int offset, long t, double lr, double weightDecay) {
        double[] f = Updates.AdamwFactors.derive(lr, beta1, beta2, eps, weightDecay, 1 - Math.pow(beta1, t), 1 - Math.pow(beta2, t)).values();
        System.arraycopy(f, 0, out, offset, f.length);
    }

    @Override protected void update(String name, Tensor value, Tensor grad, Tensor factors, double weightDecay) {
        Tensor m = state("exp_avg", name, value), v = state("exp_avg_sq", name, value);
        Tensor target = value.isContiguous() ? value : value.contiguous();
        Updates.adamw(target, grad.contiguous(), m, v, factors);
        if (target != value) value.copyFrom(target);
    }

    @Override protected Set<String> stateKinds() { return Set.of("exp_avg", "exp_avg_sq"); }

    /** Zero moments, as the first update creates them. */
    @Override protected void prepareState(String name, Tensor value) {
        state("exp_avg", name, value);
        state("exp_avg_sq", name, value);
    }

    @Override protected int gateFactor() { return Updates.AdamwFactors.STEP_SIZE; }

    /**
     * Device-factor mode: makes the step queued next treat every gradient as {@code scale} · g,
     * scale a () F64 tensor on the device (e.g. a clipping coefficient), without touching the
     * gradients: the factors 1 − β1 and 1 − β2 that multiply g and g² are multiplied by scale and
     * scale². Mathematically the update of scale · g; the rounding differs from scaling g first by
     * an ulp. Call it after {@link #writeDeviceFactors()} and before {@link #step()}.
     */
    public void scaleGradientsOnDevice(Tensor scale) {
        Tensor table = deviceFactorTable("scaleGradientsOnDevice");
        Tensor c = scale.reshape().to(DType.F64);
        Tensor b1 = table.narrow(1, Updates.AdamwFactors.ONE_MINUS_BETA1, 1), b2 = table.narrow(1, Updates.AdamwFactors.ONE_MINUS_BETA2, 1);
        b1.copyFrom(b1.mul(c));
        b2.copyFrom(b2.mul(c.square()));
    }
}
