package dev.jmamba.vision.models;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Init;
import dev.jmamba.nn.Layer;
import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.util.Arrays;

/**
 * Batch normalisation of channels-last activations (B, H, W, C) per channel, with the semantics and
 * state-dict names of PyTorch's {@code BatchNorm2d}: in training, normalise with the batch mean and
 * biased variance over (B, H, W) and update {@code running_mean}, {@code running_var} (unbiased, with
 * momentum 0.1) and {@code num_batches_tracked}; in eval, use the running statistics. eps 1e-5.
 */
public final class ChannelsLastBatchNorm extends Layer {
    private static final double EPS = 1e-5, MOMENTUM = 0.1;
    private final int channels;
    private final Parameter weight; // (C)
    private final Parameter bias;   // (C)

    public ChannelsLastBatchNorm(int channels) {
        if (channels < 1) throw new JmambaException("ChannelsLastBatchNorm: channels must be >= 1, got " + channels);
        this.channels = channels;
        this.weight = param("weight", Init.constant(1, channels)).noWeightDecay(true);
        this.bias = param("bias", Init.constant(0, channels)).noWeightDecay(true);
        buffer("running_mean", Init.constant(0, channels));
        buffer("running_var", Init.constant(1, channels));
        buffer("num_batches_tracked", Tensor.zeros(DType.I64, Device.CPU));
    }

    /** x (B, H, W, C) → (B, H, W, C). */
    @Override public Var forward(Var x) {
        if (x.rank() != 4 || x.size(3) != channels) {
            throw new JmambaException("ChannelsLastBatchNorm(" + channels + "): expected input (B, H, W, " + channels + "), got " + Arrays.toString(x.shape()));
        }
        Var mean, var;                                                   // (1, 1, 1, C) each
        if (isTraining()) {
            long n = (long) x.size(0) * x.size(1) * x.size(2);
            if (n < 2) throw new JmambaException("ChannelsLastBatchNorm: training needs more than one value per channel, got " + Arrays.toString(x.shape()));
            mean = x.mean(true, 0, 1, 2);
            var = x.var(false, true, 0, 1, 2);
            updateRunningStats(mean.value(), var.value(), n);
        } else {
            mean = Var.of(buffer("running_mean").to(x.dtype()).to(x.device()).view(1, 1, 1, channels));
            var = Var.of(buffer("running_var").to(x.dtype()).to(x.device()).view(1, 1, 1, channels));
        }
        Var scale = var.add(EPS).rsqrt().mul(weight.var());              // (1, 1, 1, C)
        return x.sub(mean).mul(scale).add(bias.var());
    }

    /** running ← (1−m)·running + m·batch, with the unbiased batch variance; in place. */
    private void updateRunningStats(Tensor batchMean, Tensor batchVarBiased, long n) {
        Tensor rm = buffer("running_mean"), rv = buffer("running_var");                  // (C) each
        Tensor mean = batchMean.reshape(channels).to(rm.device()).to(rm.dtype());
        Tensor unbiased = batchVarBiased.reshape(channels).mul((double) n / (n - 1)).to(rv.device()).to(rv.dtype());
        rm.copyFrom(rm.mul(1 - MOMENTUM).add(mean.mul(MOMENTUM)));
        rv.copyFrom(rv.mul(1 - MOMENTUM).add(unbiased.mul(MOMENTUM)));
        Tensor count = buffer("num_batches_tracked");                               // () I64, on the model's device
        count.copyFrom(count.add(1));   // on the device: no host read, so a CUDA graph captures (and replays) the count
    }
}
