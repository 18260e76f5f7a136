package dev.jmamba.nn;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;

/**
 * Batch normalisation of (N, C, H, W) per channel, as PyTorch's {@code nn.BatchNorm2d}.
 * Training: normalise with the batch mean and biased variance over (N, H, W), and update the
 * buffers {@code running_mean} ← (1−m)·running_mean + m·mean and {@code running_var} ←
 * (1−m)·running_var + m·unbiased variance (m = momentum, 0.1), and count
 * {@code num_batches_tracked}. Eval: normalise with the running statistics.
 * Weight (C) = 1 and bias (C) = 0, flagged no-weight-decay.
 */
public final class BatchNorm2d extends Layer {
    private final int channels;
    private final double eps, momentum;
    private final Parameter weight; // (C)
    private final Parameter bias;   // (C)

    /** eps 1e-5, momentum 0.1 (PyTorch defaults). */
    public BatchNorm2d(int channels) { this(channels, 1e-5, 0.1); }

    public BatchNorm2d(int channels, double eps, double momentum) {
        if (channels < 1 || !(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new JmambaException("BatchNorm2d: need channels >= 1, eps > 0, momentum in [0, 1], got "
                    + channels + ", " + eps + ", " + momentum);
        }
        this.channels = channels;
        this.eps = eps;
        this.momentum = momentum;
        this.weight = param("weight", Init.constant(1, channels)).noWeightDecay(true);
        this.bias = param("bias", Init.constant(0, channels)).noWeightDecay(true);
        buffer("running_mean", Init.constant(0, channels));
        buffer("running_var", Init.constant(1, channels));
        buffer("num_batches_tracked", Tensor.zeros(DType.I64, Device.CPU));
    }

    public Parameter weight() { return weight; }

    public Parameter bias() { return bias; }

    /** The running mean (C) (live buffer). */
    public Tensor runningMean() { return buffer("running_mean"); }

    /** The running variance (C) (live buffer). */
    public Tensor runningVar() { return buffer("running_var"); }

    /** x (N, C, H, W) → (N, C, H, W). */
    @Override public Var forward(Var x) {
        if (x.rank() != 4 || x.size(1) != channels) {
            throw new JmambaException("BatchNorm2d(" + channels + "): expected input (N, " + channels + ", H, W), got " + Arrays.toString(x.shape()));
        }
        Var mean, var;                                   // (1, C, 1, 1) each
        if (isTraining()) {
            long n = (long) x.size(0) * x.size(2) * x.size(3);
            if (n < 2) throw new JmambaException("BatchNorm2d: training needs more than one value per channel, got input " + Arrays.toString(x.shape()));
            mean = x.mean(true, 0, 2, 3);
            var = x.var(false, true, 0, 2, 3);
            updateRunningStats(mean.value(), var.value(), n);
        } else {
            mean = Var.of(runningMean().to(x.dtype()).view(1, channels, 1, 1));
            var = Var.of(runningVar().to(x.dtype()).view(1, channels, 1, 1));
        }
        Var normed = x.sub(mean).mul(var.add(eps).rsqrt());                  // (N, C, H, W)
        Var w = weight.var().view(1, channels, 1, 1), b = bias.var().view(1, channels, 1, 1);
        return normed.mul(w).add(b);
    }

    /** In place, on plain tensors (nothing recorded): running ← (1−m)·running + m·batch (unbiased variance). */
    private void updateRunningStats(Tensor batchMean, Tensor batchVarBiased, long n) {
        Tensor rm = runningMean(), rv = runningVar();                               // (C) each
        Tensor mean = batchMean.reshape(channels).to(rm.dtype());                   // (C)
        Tensor unbiased = batchVarBiased.reshape(channels).mul((double) n / (n - 1)).to(rv.dtype()); // (C)
        rm.copyFrom(rm.mul(1 - momentum).add(mean.mul(momentum)));
        rv.copyFrom(rv.mul(1 - momentum).add(unbiased.mul(momentum)));
        Tensor count = buffer("num_batches_tracked");                               // () I64, on the model's device
        count.copyFrom(count.add(1));   // on the device: no host read, so a CUDA graph captures (and replays) the count
    }
}
