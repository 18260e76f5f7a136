package dev.jmamba.tensor;

/**
 * Fused in-place optimizer updates: one pass (one kernel on a GPU) per parameter instead of a
 * chain of element-wise ops. {@link #adamw} and {@link #sgd} dispatch to the parameter's
 * {@link Backend}; the factor records hold the scalars every backend derives from the
 * hyper-parameters, so that all devices round them identically (in double, then once to the dtype).
 *
 * <p><b>Factors in a tensor.</b> The overloads that take a {@code factors} tensor read the same
 * scalars ({@link AdamwFactors#values()}, {@link SgdFactors#values()}) from a small F64 tensor on
 * the parameter's device instead of host arguments. A captured CUDA graph replays its kernels with
 * fixed arguments; writing each step's factors (new lr, new bias corrections) into that tensor
 * before a replay lets the replayed update follow a schedule. Same factors, same bits as the
 * host-argument form on every backend.
 *
 * <p><b>A step called off on the device.</b> In a factors tensor, a NaN step size (AdamW, index
 * {@link AdamwFactors#STEP_SIZE}) or a NaN lr (SGD, index {@link SgdFactors#LR}) means: leave
 * the parameter and its state untouched. A training step that finds a non-finite loss or gradient
 * on the device writes the NaN there, so nothing waits for the host to decide.
 */
public final class Updates {
    private Updates() {}

    /**
     * One AdamW step in place ({@link Backend#adamwUpdate}): updates param, expAvg and expAvgSq.
     * All four tensors: the same shape (any), contiguous, one dtype (F32 or F64), one device.
     * biasCorrection1/2 are {@code 1 − β1^t} and {@code 1 − β2^t} for the t-th update (t from 1).
     */
    public static void adamw(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1, double beta2,
                             double eps, double weightDecay, double biasCorrection1, double biasCorrection2) {
        param.backend().adamwUpdate(param, grad, expAvg, expAvgSq, lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2);
    }

    /**
     * One SGD step in place ({@link Backend#sgdUpdate}): updates param and momentumBuf (null when
     * momentum is 0). On {@code firstStep} the buffer is set to the direction (as PyTorch's clone).
     */
    public static void sgd(Tensor param, Tensor grad, Tensor momentumBuf, double lr, double momentum, double dampening,
                           double weightDecay, boolean nesterov, boolean firstStep) {
        param.backend().sgdUpdate(param, grad, momentumBuf, lr, momentum, dampening, weightDecay, nesterov, firstStep);
    }

    /**
     * {@link #adamw} with its factors read from {@code factors}: (8) F64, contiguous, on param's
     * device, holding {@link AdamwFactors#values()} (written by the caller, e.g. before a graph replay).
     */
    public static void adamw(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, Tensor factors) {
        param.backend().adamwUpdate(param, grad, expAvg, expAvgSq, factors);
    }

    /**
     * Several {@link #adamw} steps at once ({@link Backend#adamwUpdateList}): {@code updates[i]} = {param, grad,
     * expAvg, expAvgSq} (each as {@link #adamw}; all on one device) with {@code hyper[i]} = {lr, β1, β2, eps,
     * weightDecay, biasCorrection1, biasCorrection2}. The same bits as one {@link #adamw} per entry.
     */
    public static void adamwList(java.util.List<Tensor[]> updates, double[][] hyper) {
        if (hyper.length != updates.size()) throw new JmambaException("adamwList: expected one hyper-parameter row per update, got "
                + hyper.length + " for " + updates.size());
        if (!updates.isEmpty()) oneDevice("adamwList", updates).backend().adamwUpdateList(updates, hyper);
    }

    /** {@link #adamwList} with entry i's factors read from {@code factorRows[i]} ((8) F64 on the device, as {@link #adamw(Tensor, Tensor, Tensor, Tensor, Tensor)}). */
    public static void adamwList(java.util.List<Tensor[]> updates, java.util.List<Tensor> factorRows) {
        if (factorRows.size() != updates.size()) throw new JmambaException("adamwList: expected one factor row per update, got "
                + factorRows.size() + " for " + updates.size());
        if (!updates.isEmpty()) oneDevice("adamwList", updates).backend().adamwUpdateList(updates, factorRows);
    }

    /** The first parameter of {@code updates}, after checking that every entry has four tensors on its device. */
    private static Tensor oneDevice(String op, java.util.List<Tensor[]> updates) {
        Tensor first = updates.get(0)[0];
        for (Tensor[] u : updates) {
            if (u.length != 4) throw new JmambaException(op + ": expected {param, grad, expAvg, expAvgSq} per update, got " + u.length + " tensors");
            for (Tensor t : u) {
                if (!t.device().equals(first.device())) {
                    throw new TensorException(op, "every tensor on " + first.device(), "one on " + t.device());
                }
            }
        }
        return first;
    }

    /**
     * {@link #sgd} with lr, momentum, 1 − dampening and weight decay read from {@code factors}:
     * (4) F64, contiguous, on param's device, holding {@link SgdFactors#values()}. {@code decayed}
     * (weight decay ≠ 0) and the other flags stay host arguments; without a buffer momentum is unused.
     */
    public static void sgd(Tensor param, Tensor grad, Tensor momentumBuf, Tensor factors, boolean decayed, boolean nesterov,
                           boolean firstStep) {
        param.backend().sgdUpdate(param, grad, momentumBuf, factors, decayed, nesterov, firstStep);
    }

    /**
     * {@code out[i] = Σ xs[i]²} in double ({@link Backend#sumOfSquaresInto}): one pass over each
     * tensor, no temporary, one kernel per 64 tensors on a GPU. xs: (any) contiguous F32 or F64, all
     * on one device; out: (m ≥ xs.size()) contiguous F64 on that device (out[i] for i ≥ xs.size() untouched).
     */
    public static void sumOfSquares(java.util.List<Tensor> xs, Tensor out) {
        String op = "sumOfSquares";
        out.storage().checkAlive(op);
        if (out.dtype() != DType.F64) throw new TensorException.DType(op, "out of dtype F64", out.dtype().toString());
        if (out.rank() != 1 || !out.isContiguous()) {
            throw new TensorException.Shape(op, "a contiguous out of shape (m)", Shapes.str(out.shapeRef()) + (out.isContiguous() ? "" : " (not contiguous)"));
        }
        if (xs.size() > out.size(0)) throw new TensorException.Shape(op, "out with at least " + xs.size() + " elements", Shapes.str(out.shapeRef()));
        for (int i = 0; i < xs.size(); i++) {
            Tensor x = xs.get(i);
            String name = "xs[" + i + "]";
            if (x == null) throw new TensorException(op, "a tensor as " + name, "null");
            x.storage().checkAlive(op);
            if (x.dtype() != DType.F32 && x.dtype() != DType.F64) throw new TensorException.DType(op, name + " of dtype F32 or F64", x.dtype().toString());
            if (!x.isContiguous()) throw new TensorException.Shape(op, "a contiguous " + name, Shapes.str(x.shapeRef()) + " (not contiguous)");
            if (!x.device().equals(out.device())) throw new TensorException.Device(op, name + " on out's device " + out.device(), name + " on " + x.device());
        }
        if (!xs.isEmpty()) out.backend().sumOfSquaresInto(xs, out);
    }

    /** Checks a factors tensor: {@code count} contiguous F64 values on param's device. */
    public static void checkFactors(String op, Tensor param, Tensor factors, int count) {
        if (factors == null) throw new TensorException(op, "a factors tensor", "null");
        factors.storage().checkAlive(op);
        if (factors.dtype() != DType.F64) throw new TensorException.DType(op, "factors of dtype F64", factors.dtype().toString());
        if (factors.rank() != 1 || factors.size(0) != count || !factors.isContiguous()) {
            throw new TensorException.Shape(op, "contiguous factors of shape (" + count + ")",
                    Shapes.str(factors.shapeRef()) + (factors.isContiguous() ? "" : " (not contiguous)"));
        }
        if (!factors.device().equals(param.device())) {
            throw new TensorException.Device(op, "factors on param's device " + param.device(), "factors on " + factors.device());
        }
    }

    /**
     * The scalars of one AdamW step, in double; kernels round each once to the dtype. {@code decay}
     * is {@code 1 − lr·wd}, or exactly 1 when wd = 0 (multiplying by 1 changes no bit, so no branch).
     */
    public record AdamwFactors(double decay, double beta1, double oneMinusBeta1, double beta2, double oneMinusBeta2,
                               double invSqrtBias2, double eps, double stepSize) {

        /** Checks the operands (see {@link Checks#updateOperands}) and hyper-parameters, then derives the factors. */
        public static AdamwFactors of(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1, double beta2,
                                      double eps, double weightDecay, double biasCorrection1, double biasCorrection2) {
            Checks.updateOperands("adamwUpdate", param, new String[] {"grad", "expAvg", "expAvgSq"}, grad, expAvg, expAvgSq);
            return derive(lr, beta1, beta2, eps, weightDecay, biasCorrection1, biasCorrection2);
        }

        /** The factors of one step from the hyper-parameters (no operands to check). */
        public static AdamwFactors derive(double lr, double beta1, double beta2, double eps, double weightDecay,
                                          double biasCorrection1, double biasCorrection2) {
            if (!(biasCorrection1 > 0 && biasCorrection2 > 0)) {
                throw new TensorException("adamwUpdate", "bias corrections 1 − β^t > 0", biasCorrection1 + " and " + biasCorrection2);
            }
            return new AdamwFactors(weightDecay == 0 ? 1.0 : 1 - lr * weightDecay, beta1, 1 - beta1, beta2, 1 - beta2,
                    1.0 / Math.sqrt(biasCorrection2), eps, lr / biasCorrection1);
        }

        /** The {@value #COUNT} factors in record order, as a factors tensor holds them. */
        public double[] values() {
            return new double[] {decay, beta1, oneMinusBeta1, beta2, oneMinusBeta2, invSqrtBias2, eps, stepSize};
        }

        /** Number of values of a factors tensor. */
        public static final int COUNT = 8;
        /** Index of the step size in a factors tensor (NaN there: no update). */
        public static final int STEP_SIZE = 7;
        /** Indexes of 1 − β1 and 1 − β2, the factors that multiply g and g² (scaling them by c and c² scales the gradient by c). */
        public static final int ONE_MINUS_BETA1 = 2, ONE_MINUS_BETA2 = 4;

        /** The factors read back from {@link #values()} order: v (8). */
        public static AdamwFactors fromValues(double[] v) {
            if (v.length != COUNT) throw new JmambaException("AdamwFactors: expected " + COUNT + " values, got " + v.length);
            return new AdamwFactors(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        }
    }

    /**
     * The scalars of one SGD step, in double. {@code decayed}: wd ≠ 0 (d = g + p·wd, else d = g);
     * {@code momentum}: a buffer is kept.
     */
    public record SgdFactors(double lr, double momentum, double oneMinusDampening, double weightDecay,
                             boolean decayed, boolean hasBuffer, boolean nesterov, boolean firstStep) {

        /** Checks the operands and hyper-parameters, then derives the factors. */
        public static SgdFactors of(Tensor param, Tensor grad, Tensor momentumBuf, double lr, double momentum, double dampening,
                                    double weightDecay, boolean nesterov, boolean firstStep) {
            if (momentumBuf == null && momentum != 0) {
                Checks.updateOperands("sgdUpdate", param, new String[] {"grad"}, grad);
                throw new TensorException("sgdUpdate", "a momentumBuf when momentum ≠ 0", "null with momentum " + momentum);
            }
            checkOperands(param, grad, momentumBuf, nesterov);
            return new SgdFactors(lr, momentum, 1 - dampening, weightDecay, weightDecay != 0, momentumBuf != null, nesterov, firstStep);
        }

        /** Checks param, grad and momentumBuf (all contiguous, one shape, dtype and device; null: no momentum, so no Nesterov). */
        public static void checkOperands(Tensor param, Tensor grad, Tensor momentumBuf, boolean nesterov) {
            if (momentumBuf == null) {
                Checks.updateOperands("sgdUpdate", param, new String[] {"grad"}, grad);
                if (nesterov) throw new TensorException("sgdUpdate", "a momentumBuf for Nesterov momentum", "null");
            } else {
                Checks.updateOperands("sgdUpdate", param, new String[] {"grad", "momentumBuf"}, grad, momentumBuf);
            }
        }

        /** Number of values of a factors tensor. */
        public static final int COUNT = 4;
        /** Index of lr in a factors tensor (NaN there: no update). */
        public static final int LR = 0;

        /** The {@value #COUNT} numeric factors (lr, momentum, 1 − dampening, weight decay), as a factors tensor holds them. */
        public double[] values() {
            return new double[] {lr, momentum, oneMinusDampening, weightDecay};
        }

        /** The factors from {@link #values()} order (v (4)) and the host-side flags. */
        public static SgdFactors fromValues(double[] v, boolean decayed, boolean hasBuffer, boolean nesterov, boolean firstStep) {
            if (v.length != COUNT) throw new JmambaException("SgdFactors: expected " + COUNT + " values, got " + v.length);
            return new SgdFactors(v[0], v[1], v[2], v[3], decayed, hasBuffer, nesterov, firstStep);
        }
    }
}
