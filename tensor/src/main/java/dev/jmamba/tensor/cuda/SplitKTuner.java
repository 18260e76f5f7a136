package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Tensor;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * How many k chunks a float32 product with few output tiles and a long contraction runs in, measured on this device
 * the first time each product shape is seen ({@code jmamba.cuda.splitK=auto}, the default: docs/SETTINGS.md), as
 * PyTorch's TunableOp or cuDNN's benchmark mode choose kernels. Why measure: cuBLAS's own choice for such products (the weight gradients of
 * projections over all B·L tokens) is fast for some shapes and two to four times slower for mirror-image ones, with no
 * rule visible in the shapes. On an H200 (MatmulSplitSweep, 2026-12-06): (1280, 25088) @ (25088, 320) 0.94 ms whole,
 * 0.51 in 32 chunks; (640, 25088) @ (25088, 320) 0.24 whole, 0.27 at best split; VMamba-T's (1536, 25088) @ (25088, 384)
 * 0.58 whole, 0.66 at best split. A fixed rule (jmamba.cuda.splitK=on) wins the first and loses the others.
 *
 * <p>Candidates are the unsplit product and every power-of-two chunk count from 4 up to 512 that divides k into ranges
 * of at least {@value #MIN_RANGE}; each is timed (one untimed run, then the median of three, CUDA events). A split is
 * kept only when it is at least {@value #MIN_GAIN_PERCENT} % faster than the whole product, and then the fewest chunks
 * within 5 % of the fastest: borderline shapes stay whole, so the choice — and with it the bits of the result — does
 * not flip between runs on the same device except where two candidates time within a few percent. Choices are cached
 * per (m, n, k, layouts) for the process; products queued during a CUDA-graph capture are never timed (they run
 * whole until the shape has been measured outside a capture).
 */
final class SplitKTuner {
    /** Shortest k range of a timed chunk. */
    static final int MIN_RANGE = 256;
    /** How much faster than the whole product a split must be to be chosen. */
    static final int MIN_GAIN_PERCENT = 10;
    /** Most chunks tried. */
    static final int MAX_CHUNKS = 512;

    private record Shape(int m, int n, int k, boolean transposeA, boolean transposeB) {}

    private final CudaContext context;
    private final Map<Shape, Integer> chosen = new ConcurrentHashMap<>();

    SplitKTuner(CudaContext context) { this.context = context; }

    /**
     * The chunk count for this product: cached, or measured now by running {@code product} (chunks → the (m, n)
     * result, a fresh tensor the tuner releases) for every candidate; 1 while a CUDA graph is being captured.
     */
    int chunks(int m, int n, int k, boolean transposeA, boolean transposeB, IntFunction<Tensor> product) {
        Shape shape = new Shape(m, n, k, transposeA, transposeB);
        Integer known = chosen.get(shape);
        if (known != null) return known;
        if (context.allocator().isCapturing()) return 1;
        int choice = measure(k, product);
        chosen.put(shape, choice);
        return choice;
    }

    /** The choice made for a shape, or 0 when it has not been measured (tests). */
    int chosen(int m, int n, int k, boolean transposeA, boolean transposeB) {
        return chosen.getOrDefault(new Shape(m, n, k, transposeA, transposeB), 0);
    }

    private int measure(int k, IntFunction<Tensor> product) {
        double whole = time(product, 1);
        int[] counts = new int[16];
        double[] times = new double[16];
        int tried = 0;
        double best = Double.MAX_VALUE;
        for (int c = 4; c <= MAX_CHUNKS && k / c >= MIN_RANGE; c *= 2) {
            if (k % c != 0) continue;
            counts[tried] = c;
            times[tried] = time(product, c);
            best = Math.min(best, times[tried]);
            tried++;
        }
        if (tried == 0 || best > whole * (100 - MIN_GAIN_PERCENT) / 100.0) return 1;
        for (int i = 0; i < tried; i++) if (times[i] <= best * 1.05) return counts[i];
        return 1;
    }

    private double time(IntFunction<Tensor> product, int chunks) {
        return DeviceTiming.medianMillis(context, 1, 3, () -> product.apply(chunks).storage().release());
    }
}
