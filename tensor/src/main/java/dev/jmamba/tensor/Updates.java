package dev.jmamba.tensor;

/**
 * Fused in-place optimizer updates: one pass (one kernel on a GPU) per parameter instead of a
 * chain of element-wise ops. {@link #adamw} and {@link #sgd} dispatch to the parameter's
 * {@link Backend}; the factor records hold the scalars every backend derives from the
 * hyper-parameters, so that all devices round them identically (in double, then once to the dtype).
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
     * The scalars of one AdamW step, in double; kernels round each once to the dtype. {@code decay}
     * is {@code 1 − lr·wd}, or exactly 1 when wd = 0 (multiplying by 1 changes no bit, so no branch).
     */
    public record AdamwFactors(double decay, double beta1, double oneMinusBeta1, double beta2, double oneMinusBeta2,
                               double invSqrtBias2, double eps, double stepSize) {

        /** Checks the operands (see {@link Checks#updateOperands}) and hyper-parameters, then derives the factors. */
        public static AdamwFactors of(Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, double lr, double beta1, double beta2,
                                      double eps, double weightDecay, double biasCorrection1, double biasCorrection2) {
            Checks.updateOperands("adamwUpdate", param, new String[] {"grad", "expAvg", "expAvgSq"}, grad, expAvg, expAvgSq);
            if (!(biasCorrection1 > 0 && biasCorrection2 > 0)) {
                throw new TensorException("adamwUpdate", "bias corrections 1 − β^t > 0", biasCorrection1 + " and " + biasCorrection2);
            }
            return new AdamwFactors(weightDecay == 0 ? 1.0 : 1 - lr * weightDecay, beta1, 1 - beta1, beta2, 1 - beta2,
                    1.0 / Math.sqrt(biasCorrection2), eps, lr / biasCorrection1);
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
            if (momentumBuf == null) {
                Checks.updateOperands("sgdUpdate", param, new String[] {"grad"}, grad);
                if (momentum != 0) throw new TensorException("sgdUpdate", "a momentumBuf when momentum ≠ 0", "null with momentum " + momentum);
                if (nesterov) throw new TensorException("sgdUpdate", "a momentumBuf for Nesterov momentum", "null");
            } else {
                Checks.updateOperands("sgdUpdate", param, new String[] {"grad", "momentumBuf"}, grad, momentumBuf);
            }
            return new SgdFactors(lr, momentum, 1 - dampening, weightDecay, weightDecay != 0, momentumBuf != null, nesterov, firstStep);
        }
    }
}
