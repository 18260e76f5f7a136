package dev.jmamba.nn;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;

/**
 * Classification losses composed from differentiable ops (log-softmax, gather, mean), so their
 * gradients come from autograd. Both return a 0-d mean over the batch.
 */
public final class Losses {
    private Losses() {}

    /**
     * Cross-entropy of logits (B, K) against class labels, with PyTorch's label smoothing ε: the
     * target is (1−ε)·onehot(label) + ε/K, so loss = mean_b[(1−ε)·(−log p_b,label) + ε·mean_k(−log p_b,k)].
     */
    public static Var crossEntropy(Var logits, int[] labels, double labelSmoothing) {
        checkLogits("crossEntropy", logits);
        if (labels.length != logits.size(0)) {
            throw new JmambaException("crossEntropy: expected " + logits.size(0) + " labels for logits "
                    + Arrays.toString(logits.shape()) + ", got " + labels.length);
        }
        int k = logits.size(1);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= k) {
                throw new JmambaException("crossEntropy: label " + i + " must be in [0, " + k + "), got " + labels[i]);
            }
        }
        checkSmoothing(labelSmoothing);
        return crossEntropyAt(logits, Tensor.of(labels, labels.length, 1).to(logits.device()), labelSmoothing); // (B, 1) I32
    }

    /** Cross-entropy with {@code index} (B, 1) integer labels on the logits' device. */
    private static Var crossEntropyAt(Var logits, Tensor index, double labelSmoothing) {
        Var logp = logits.logSoftmax(1);                                        // (B, K)
        Var nll = logp.gather(1, index).mean().neg();                           // ()
        if (labelSmoothing == 0) return nll;
        Var uniform = logp.mean(false, 1).mean().neg();                        // () mean over classes and batch
        return nll.mul(1 - labelSmoothing).add(uniform.mul(labelSmoothing));
    }

    /**
     * {@link #crossEntropy(Var, int[], double)} with labels given as an integer tensor (B). Labels on
     * a GPU that holds the logits too are used where they are, without a read to the host (so a CUDA
     * graph can capture the loss); a label out of range is then reported by the gather kernel's
     * device-side check at the next host read instead of here.
     */
    public static Var crossEntropy(Var logits, Tensor labels, double labelSmoothing) {
        if (labels.rank() != 1 || labels.dtype().isFloating()) {
            throw new JmambaException("crossEntropy: expected integer labels of shape (B), got " + labels);
        }
        if (labels.device() instanceof Device.Cpu || !labels.device().equals(logits.device())) {
            return crossEntropy(logits, labels.toIntArray(), labelSmoothing);
        }
        checkLogits("crossEntropy", logits);
        if (labels.size(0) != logits.size(0)) {
            throw new JmambaException("crossEntropy: expected " + logits.size(0) + " labels for logits "
                    + Arrays.toString(logits.shape()) + ", got " + labels.size(0));
        }
        checkSmoothing(labelSmoothing);
        return crossEntropyAt(logits, labels.reshape(labels.size(0), 1), labelSmoothing);
    }

    private static void checkSmoothing(double labelSmoothing) {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new JmambaException("crossEntropy: label smoothing must be in [0, 1], got " + labelSmoothing);
        }
    }

    /**
     * Cross-entropy against soft targets (B, K) (rows are distributions, e.g. mixup/cutmix):
     * loss = mean_b Σ_k −t_b,k · log softmax(logits)_b,k.
     */
    public static Var softCrossEntropy(Var logits, Tensor targets) {
        checkLogits("softCrossEntropy", logits);
        if (!Arrays.equals(targets.shape(), logits.shape())) {
            throw new JmambaException("softCrossEntropy: targets must have the logits' shape "
                    + Arrays.toString(logits.shape()) + ", got " + Arrays.toString(targets.shape()));
        }
        Var logp = logits.logSoftmax(1);                                          // (B, K)
        Var t = Var.of(targets.to(logits.device()).to(logits.dtype()));           // (B, K) constant
        return logp.mul(t).sum(false, 1).mean().neg();                            // ()
    }

    private static void checkLogits(String op, Var logits) {
        if (logits.rank() != 2 || logits.size(0) < 1 || logits.size(1) < 1 || !logits.dtype().isFloating()) {
            throw new JmambaException(op + ": expected floating logits of shape (B, K), got "
                    + Arrays.toString(logits.shape()) + " " + logits.dtype());
        }
    }
}
