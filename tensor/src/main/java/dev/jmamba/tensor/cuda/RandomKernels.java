package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;

/**
 * Counter-based random fills ({@code random.cu}): element i of a contiguous tensor takes the
 * value {@link dev.jmamba.tensor.Philox} gives (seed, i) on the CPU, in any dtype.
 */
final class RandomKernels extends Launcher {
    static final String SOURCE = "random.cu";

    // (out, n, kind, seed, a, b)
    private final KernelArgs args = new KernelArgs(8, 4, 4, 8, 8, 8);
    // (out, n, kind, seeds pointer, index, a, b)
    private final KernelArgs deviceSeedArgs = new KernelArgs(8, 4, 4, 8, 4, 8, 8);

    RandomKernels(CudaContext context) {
        super(context, SOURCE);
    }

    /** dst (contiguous) = random numbers of {@code kind} with parameters a, b (see {@link RandomKind}). */
    synchronized void fill(Tensor dst, RandomKind kind, long seed, double a, double b) {
        int n = dst.numel();
        if (n == 0) return;
        args.setLong(0, address(dst)).setInt(1, n).setInt(2, kind.ordinal()).setLong(3, seed);
        setDouble(args, 4, a);
        setDouble(args, 5, b);
        launch("random_" + suffix(dst.dtype()), n, args);
    }

    /** As {@link #fill}, the seed read by the kernel from {@code seeds[index]} (I64 (m) contiguous, checked by the caller). */
    synchronized void fill(Tensor dst, RandomKind kind, Tensor seeds, int index, double a, double b) {
        int n = dst.numel();
        if (n == 0) return;
        deviceSeedArgs.setLong(0, address(dst)).setInt(1, n).setInt(2, kind.ordinal()).setLong(3, address(seeds)).setInt(4, index);
        setDouble(deviceSeedArgs, 5, a);
        setDouble(deviceSeedArgs, 6, b);
        launch("random_dev_" + suffix(dst.dtype()), n, deviceSeedArgs);
    }

    /** Every kernel name this launcher may use. */
    static java.util.List<String> kernelNames() {
        return java.util.List.of("random_f32", "random_f64", "random_i32", "random_i64", "random_bf16",
                "random_dev_f32", "random_dev_f64", "random_dev_i32", "random_dev_i64", "random_dev_bf16");
    }
}
