package dev.jmamba.nn;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;

/**
 * Weight initialisers. Each draws from the counter-based generator ({@link Tensor#random}) with an
 * explicit seed, so the same (seed, shape) gives the same numbers on every device and thread
 * count. Results are fresh F32 CPU tensors; use {@link Parameter#set} to re-initialise a parameter.
 *
 * <p>Fans follow PyTorch: for a weight of shape (out, in, k...) fanIn = in·∏k and fanOut = out·∏k;
 * a 1-D tensor has fanIn = fanOut = its size.
 */
public final class Init {
    private Init() {}

    /** The value PyTorch's {@code trunc_normal_} uses for its bounds by default: [-2, 2] (absolute). */
    public static final double TIMM_TRUNC_BOUND = 2.0;

    /** Every element = {@code value}. */
    public static Tensor constant(double value, int... shape) {
        return Tensor.full(value, DType.F32, Device.CPU, shape);
    }

    /** U[lo, hi). */
    public static Tensor uniform(long seed, double lo, double hi, int... shape) {
        return Tensor.random(RandomKind.UNIFORM, seed, lo, hi, DType.F32, Device.CPU, shape);
    }

    /** N(mean, std²). */
    public static Tensor normal(long seed, double mean, double std, int... shape) {
        return Tensor.random(RandomKind.NORMAL, seed, mean, std, DType.F32, Device.CPU, shape);
    }

    /**
     * N(mean, std²) conditioned on [lo, hi] (rejection: out-of-range elements are redrawn from
     * fresh streams of the seed until none is left), as {@code torch.nn.init.trunc_normal_}.
     */
    public static Tensor truncNormalBetween(long seed, double mean, double std, double lo, double hi, int... shape) {
        if (!(lo < hi) || !(std > 0)) throw new JmambaException("truncNormalBetween: need std > 0 and lo < hi, got std " + std + ", [" + lo + ", " + hi + "]");
        Tensor x = normal(seed, mean, std, shape);
        for (int round = 1; ; round++) {
            Tensor outside = x.lt(Tensor.scalar(lo, DType.F32, Device.CPU)).add(x.gt(Tensor.scalar(hi, DType.F32, Device.CPU)));
            if (outside.sum().item() == 0) return x;
            if (round > 1000) throw new IllegalStateException("truncNormalBetween: [" + lo + ", " + hi + "] holds almost no mass of N(" + mean + ", " + std + "²)");
            x = Tensor.where(outside, normal(Seeds.derive(seed, round), mean, std, shape), x);
        }
    }

    /**
     * timm's {@code trunc_normal_(t, std=std)}: mean 0, bounds ±2 absolute (for std 0.02 that is ±100σ,
     * so practically a plain normal).
     */
    public static Tensor truncNormal(long seed, double std, int... shape) {
        return truncNormalBetween(seed, 0, std, -TIMM_TRUNC_BOUND, TIMM_TRUNC_BOUND, shape);
    }

    /**
     * Kaiming (He) uniform, fan-in mode, leaky-ReLU gain with slope {@code a}:
     * U(±sqrt(6 / ((1 + a²)·fanIn))). With a = √5 this is U(±1/sqrt(fanIn)), PyTorch's default for
     * Linear and Conv weights.
     */
    public static Tensor kaimingUniform(long seed, double a, int... shape) {
        double bound = Math.sqrt(6.0 / ((1 + a * a) * fanIn(shape)));
        return uniform(seed, -bound, bound, shape);
    }

    /** PyTorch's default Linear/Conv weight init: kaiming-uniform with a = √5, i.e. U(±1/sqrt(fanIn)). */
    public static Tensor torchDefaultWeight(long seed, int... shape) {
        return kaimingUniform(seed, Math.sqrt(5), shape);
    }

    /** PyTorch's default Linear/Conv bias init: U(±1/sqrt(fanIn)) with the weight's fan-in. */
    public static Tensor torchDefaultBias(long seed, int fanIn, int size) {
        double bound = 1 / Math.sqrt(fanIn);
        return uniform(seed, -bound, bound, size);
    }

    /** Xavier (Glorot) uniform: U(±gain·sqrt(6 / (fanIn + fanOut))). */
    public static Tensor xavierUniform(long seed, double gain, int... shape) {
        double bound = gain * Math.sqrt(6.0 / (fanIn(shape) + fanOut(shape)));
        return uniform(seed, -bound, bound, shape);
    }

    /**
     * LeCun normal as timm's {@code lecun_normal_} (Vim's Conv2d init): variance 1/fanIn, truncated
     * normal with std sqrt(1/fanIn)/0.8796… (the std of a unit normal cut at ±2σ) and timm's default
     * absolute bounds ±2.
     */
    public static Tensor lecunNormal(long seed, int... shape) {
        double std = Math.sqrt(1.0 / fanIn(shape)) / 0.87962566103423978;
        return truncNormal(seed, std, shape);
    }

    /** Input fan of a weight shape (out, in, k...): in·∏k; a 1-D shape gives its size. */
    public static int fanIn(int... shape) {
        if (shape.length == 0) throw new JmambaException("fanIn: need a shape of rank >= 1, got a scalar");
        if (shape.length == 1) return shape[0];
        return shape[1] * receptive(shape);
    }

    /** Output fan of a weight shape (out, in, k...): out·∏k; a 1-D shape gives its size. */
    public static int fanOut(int... shape) {
        if (shape.length == 0) throw new JmambaException("fanOut: need a shape of rank >= 1, got a scalar");
        if (shape.length == 1) return shape[0];
        return shape[0] * receptive(shape);
    }

    private static int receptive(int[] shape) {
        int r = 1;
        for (int i = 2; i < shape.length; i++) r *= shape[i];
        return r;
    }
}
