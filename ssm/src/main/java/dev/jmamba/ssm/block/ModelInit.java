package dev.jmamba.ssm.block;

import dev.jmamba.nn.Init;
import dev.jmamba.nn.Linear;
import dev.jmamba.tensor.JmambaException;

/**
 * The parts of the model-level re-initialisation of Vim / mamba_ssm ({@code _init_weights(n_layer)},
 * spec selective-scan.md §5) that touch a mixer's own layers.
 */
final class ModelInit {
    private ModelInit() {}

    /** Zeroes a Linear's bias, if it has one (every Linear bias not flagged "no re-init"). */
    static void zeroBias(Linear linear) {
        if (linear.bias() != null) linear.bias().set(linear.bias().value().mul(0.0));
    }

    /** out_proj.weight ← kaiming-uniform(a = √5), i.e. U(±1/sqrt(fan_in)), divided by sqrt(nLayer). */
    static void rescaleOutProj(Linear outProj, int nLayer, long seed) {
        if (nLayer < 1) throw new JmambaException("model init: n_layer must be >= 1, got " + nLayer);
        int[] shape = outProj.weight().shape();
        outProj.weight().set(Init.kaimingUniform(seed, Math.sqrt(5), shape).div(Math.sqrt(nLayer)));
    }
}
