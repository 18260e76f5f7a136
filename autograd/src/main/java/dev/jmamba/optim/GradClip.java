package dev.jmamba.optim;

import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.Updates;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Gradient clipping by the global L2 norm (PyTorch's {@code clip_grad_norm_}). */
public final class GradClip {
    private GradClip() {}

    /**
     * Computes the L2 norm of all gradients together (parameters without a gradient are skipped) and,
     * when it exceeds {@code maxNorm}, scales every gradient in place by maxNorm / (norm + 1e-6).
     * Returns the norm before clipping. A non-finite norm is returned without touching the gradients
     * (the caller should skip the step).
     */
    public static double clipGlobalNorm(List<Parameter> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new JmambaException("clipGlobalNorm: maxNorm must be > 0, got " + maxNorm);
        Tensor sumSquares = null; // () F64
        for (Parameter p : params) {
            Tensor g = p.grad();
            if (g == null) continue;
            Tensor s = g.to(DType.F64).square().sum();
            sumSquares = sumSquares == null ? s : sumSquares.add(s.to(sumSquares.device()));
        }
        if (sumSquares == null) return 0;
        double total = Math.sqrt(sumSquares.item());
        if (!Double.isFinite(total)) return total;
        double coef = maxNorm / (total + 1e-6);
        if (coef < 1) {
            for (Parameter p : params) {
                Tensor g = p.grad();
                if (g != null) g.copyFrom(g.mul(coef));
            }
        }
        return total;
    }

    /**
     * Σ over the parameters with a gradient of Σ g², as a () F64 tensor on their device, without a
     * host read: each gradient's squares summed in double by one fused pass ({@link Updates#sumOfSquares}:
     * one kernel per 64 gradients on a GPU, no squared copy), the per-gradient sums then added in one
     * reduction. Not finite when a gradient is not. Null when no parameter has a gradient. Gradients on
     * several devices are summed per device and added on the first one's.
     */
    public static Tensor sumOfSquaresOnDevice(List<Parameter> params) {
        Map<Device, List<Tensor>> byDevice = new LinkedHashMap<>();
        for (Parameter p : params) {
            Tensor g = p.grad();
            if (g != null) byDevice.computeIfAbsent(g.device(), d -> new ArrayList<>()).add(g);
        }
        Tensor total = null; // () F64
        for (var e : byDevice.entrySet()) {
            List<Tensor> grads = e.getValue();
            Tensor partial = Tensor.empty(DType.F64, e.getKey(), grads.size());   // (P) F64
            List<Tensor> ready = new ArrayList<>(grads.size());
            for (Tensor g : grads) {
                if (g.dtype() != DType.F32 && g.dtype() != DType.F64) g = g.to(DType.F32);
                ready.add(g.isContiguous() ? g : g.contiguous());
            }
            Updates.sumOfSquares(ready, partial);
            Tensor s = partial.sum();
            total = total == null ? s : total.add(s.to(total.device()));
        }
        return total;
    }

    /**
     * The factor {@link #clipGlobalNorm} scales the gradients by, min(1, maxNorm / (sqrt(sumOfSquares) + 1e-6)),
     * as a () F64 tensor on the device of {@code sumOfSquares} (0 when it is infinite; when it is NaN the value
     * is unspecified — backends differ in min(NaN, 1) — and the step must be called off anyway).
     */
    public static Tensor clipCoefficientOnDevice(Tensor sumOfSquares, double maxNorm) {
        if (!(maxNorm > 0)) throw new dev.jmamba.tensor.JmambaException("clipCoefficientOnDevice: maxNorm must be > 0, got " + maxNorm);
        Tensor coef = sumOfSquares.sqrt().add(1e-6).reciprocal().mul(maxNorm);
        return coef.minimum(Tensor.scalar(1, DType.F64, coef.device()));
    }
}
