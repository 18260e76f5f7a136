package dev.jmamba.nn;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;

/**
 * Stochastic depth on a residual branch, x (B, ...) → same shape: in training each sample of the
 * batch is dropped entirely with probability {@code rate} and kept samples are scaled by
 * 1/(1−rate) (timm's {@code DropPath}, scale_by_keep). Identity in eval or when rate = 0.
 *
 * <p>Reproducible like {@link Dropout}: call i draws its (B) uniforms with seed
 * {@code Seeds.derive(seed, i)}. In a data-parallel run ({@link RandomLayer#setBatchShard}) it draws the
 * global batch's (B·count) uniforms and keeps its own rows, so the ranks together drop exactly the samples
 * one process with the global batch would.
 */
public final class DropPath extends Layer implements RandomLayer {
    private final double rate;
    private final long seed;
    private long calls;

    public DropPath(double rate, long seed) {
        if (!(rate >= 0 && rate < 1)) throw new JmambaException("DropPath: rate must be in [0, 1), got " + rate);
        this.rate = rate;
        this.seed = seed;
    }

    public double rate() { return rate; }

    /** Number of training-mode calls so far (the stream index of the next mask). */
    @Override public long calls() { return calls; }

    @Override public void seek(long position) {
        if (position < 0) throw new JmambaException("DropPath.seek: position must be >= 0, got " + position);
        calls = position;
    }

    /** x (B, ...) → (B, ...). */
    @Override public Var forward(Var x) {
        if (!isTraining() || rate == 0) return x;
        return x.mul(Var.of(scaledMask(x)));
    }

    /**
     * {@code residual + forward(branch + bias)} as one node and one pass ({@link Var#residualAdd}): residual and branch
     * (B, ..., C) float32, bias (C) or null (a branch's output bias folded in). The same values as the separate ops.
     */
    public Var addTo(Var residual, Var branch, Var bias) {
        if (residual.dtype() != dev.jmamba.tensor.DType.F32 || branch.dtype() != dev.jmamba.tensor.DType.F32) {
            Var b = bias == null ? branch : branch.add(bias);
            return residual.add(forward(b));
        }
        Tensor scale = !isTraining() || rate == 0 ? null : scaledMask(branch);
        return residual.residualAdd(branch, bias, scale == null ? null : scale.reshape(branch.size(0)));
    }

    /** The per-sample factors (B, 1, ..., 1) of x's rank: 0 or 1/keep, from this layer's seed and call count. */
    private Tensor scaledMask(Var x) {
        if (x.rank() < 1) throw new JmambaException("DropPath: expected input (B, ...), got a scalar");
        int[] maskShape = new int[x.rank()];                                  // (B·count, 1, ..., 1)
        java.util.Arrays.fill(maskShape, 1);
        RandomLayer.BatchShard shard = RandomLayer.batchShard();             // data parallel: this rank's rows of the global batch
        int b = x.size(0);
        maskShape[0] = Math.multiplyExact(b, shard.count());
        double keep = 1 - rate;
        long call = calls++;
        DeviceSeeds table = DeviceSeeds.recording();   // a step being captured in a CUDA graph: the seed comes from the device
        Tensor u = table != null ? table.uniform(seed, call, x.dtype(), x.device(), maskShape)
                : Tensor.random(RandomKind.UNIFORM, Seeds.derive(seed, call), 0, 1, x.dtype(), x.device(), maskShape);
        if (shard.count() > 1) u = u.narrow(0, shard.index() * b, b);
        return u.lt(Tensor.scalar(keep, x.dtype(), x.device())).mul(1 / keep).to(x.dtype()); // 0 or 1/keep
    }
}
