package dev.jmamba.nn;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;

/**
 * Inverted dropout, any shape: in training each element is zeroed with probability {@code p} and
 * the survivors are scaled by 1/(1−p); in eval (or with p = 0) the input passes unchanged.
 *
 * <p>Reproducible: the mask of the i-th training call (i = 0, 1, ...) is drawn from the
 * counter-based generator with seed {@code Seeds.derive(seed, i)}, so two modules with the same seed
 * give the same masks for the same call sequence on any device.
 */
public final class Dropout extends Layer implements RandomLayer {
    private final double p;
    private final long seed;
    private long calls;

    public Dropout(double p, long seed) {
        if (!(p >= 0 && p < 1)) throw new JmambaException("Dropout: p must be in [0, 1), got " + p);
        this.p = p;
        this.seed = seed;
    }

    /** Number of training-mode calls so far (the stream index of the next mask). */
    @Override public long calls() { return calls; }

    @Override public void seek(long position) {
        if (position < 0) throw new JmambaException("Dropout.seek: position must be >= 0, got " + position);
        calls = position;
    }

    /** x (any shape) → same shape. */
    @Override public Var forward(Var x) {
        if (!isTraining() || p == 0) return x;
        long call = calls++;
        DeviceSeeds table = DeviceSeeds.recording();   // a step being captured in a CUDA graph: the seed comes from the device
        Tensor u = table != null ? table.uniform(seed, call, x.dtype(), x.device(), x.shape())
                : Tensor.random(RandomKind.UNIFORM, Seeds.derive(seed, call), 0, 1, x.dtype(), x.device(), x.shape());
        Tensor scaledMask = u.ge(Tensor.scalar(p, x.dtype(), x.device())).mul(1 / (1 - p)).to(x.dtype()); // 0 or 1/(1-p)
        return x.mul(Var.of(scaledMask));
    }
}
