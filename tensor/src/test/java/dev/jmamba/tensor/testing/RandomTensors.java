package dev.jmamba.tensor.testing;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import java.util.SplittableRandom;

/** Seeded random inputs for tests, and ways to present the same values as non-contiguous views. */
public final class RandomTensors {
    private final SplittableRandom rng;

    public RandomTensors(long seed) { this.rng = new SplittableRandom(seed); }

    public SplittableRandom rng() { return rng; }

    /** Uniform values in [-1, 1) of the given shape as a double[] (row-major). */
    public double[] values(int... shape) {
        int n = 1;
        for (int s : shape) n *= s;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rng.nextDouble(-1, 1);
        return v;
    }

    /** (shape) float64 CPU tensor of standard-normal values drawn from a fresh {@code SplittableRandom(seed)}. */
    public static Tensor gaussian(long seed, int... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 1;
        for (int s : shape) n *= s;
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = r.nextGaussian();
        return Tensor.of(v, shape);
    }

    /** A contiguous tensor of {@code dtype} on {@code device} holding {@code values}. */
    public static Tensor tensor(double[] values, DType dtype, Device device, int... shape) {
        return Tensor.of(values, shape).to(dtype).to(device);
    }

    /** A random tensor (values in [-1, 1)). */
    public Tensor uniform(DType dtype, Device device, int... shape) { return tensor(values(shape), dtype, device, shape); }

    /**
     * The same values as {@code t} but as a non-contiguous view: stored transposed in its last two
     * dims (or, for rank < 2, as every second element of a twice-as-long buffer).
     */
    public static Tensor nonContiguous(Tensor t) {
        int r = t.rank();
        if (r >= 2) {
            Tensor stored = t.transpose(r - 2, r - 1).contiguous();  // physically transposed
            Tensor v = stored.transpose(r - 2, r - 1);               // same logical values, strided
            return v;
        }
        int[] shape = t.shape();
        int n = r == 0 ? 1 : shape[0];
        Tensor big = Tensor.zeros(t.dtype(), t.device(), 2 * n);
        Tensor view = big.slice(0, 0, 2 * n, 2);
        view.copyFrom(t.reshape(n));
        return r == 0 ? view.reshape() : view;
    }

    /** A random int in [lo, hi]. */
    public int between(int lo, int hi) { return lo + rng.nextInt(hi - lo + 1); }

    /** A random shape of the given rank with dims in [lo, hi]. */
    public int[] shape(int rank, int lo, int hi) {
        int[] s = new int[rank];
        for (int i = 0; i < rank; i++) s[i] = between(lo, hi);
        return s;
    }
}
