package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Split contractions ({@code jmamba.cuda.splitK=on}, {@link MatmulKernels#splitChunks}) against the CPU in float64,
 * on the layouts of the weight gradients they are for: a (.., m, k) operand stored row-major (a chunk is a range of
 * columns, read with the full row length) or transposed (a range of rows), and the same for (.., k, n).
 *
 * <p>Tolerance: float32 products with float32 accumulation over k terms of inputs in [-1, 1): the error grows like
 * sqrt(k)·ε per unit of the result's magnitude (about sqrt(k)); 1e-5 · k per element bounds both the split and the
 * unsplit GEMM with a wide margin, and the split must not be worse than 4× the unsplit one's largest error.
 */
@Tag("gpu")
class MatmulSplitKGpuTest {

    private static Tensor uniform(long seed, int... shape) {
        return Tensor.random(RandomKind.UNIFORM, seed, -1, 1, DType.F32, Device.CPU, shape);
    }

    @Test void splitProductsMatchTheCpu() {
        GpuTests.context();
        Device gpu = Device.cuda(0);
        int k = 8192;
        // {batches, m, n}: LocalMamba's batched x_proj / dt_proj weight gradients, and a 2-D in_proj one
        int[][] cases = {{4, 44, 96}, {4, 96, 12}, {1, 96, 48}};
        long seed = 1;
        for (int[] c : cases) {
            for (boolean aTransposed : new boolean[] {false, true}) {
                for (boolean bTransposed : new boolean[] {false, true}) {
                    int b = c[0], m = c[1], n = c[2];
                    Tensor a = aTransposed ? uniform(seed++, b, k, m).transpose(1, 2) : uniform(seed++, b, m, k);   // (b, m, k)
                    Tensor bb = bTransposed ? uniform(seed++, b, n, k).transpose(1, 2) : uniform(seed++, b, k, n);  // (b, k, n)
                    if (b == 1) {
                        a = a.reshape(m, k);
                        bb = bb.reshape(k, n);
                    }
                    assertTrue(MatmulKernels.splitChunks(b, m, n, k, CudaContext.get(0).multiprocessors()) > 1, "the case must split");
                    double[] want = a.to(DType.F64).matmul(bb.to(DType.F64)).toDoubleArray();
                    Tensor ag = a.to(gpu), bg = bb.to(gpu);
                    boolean before = MatmulKernels.splitK, beforeTuned = MatmulKernels.splitTuned;
                    double[] split, whole;
                    try {
                        MatmulKernels.splitTuned = false;   // "whole" below must be the unsplit GEMM
                        MatmulKernels.splitK = true;
                        Tensor out = ag.matmul(bg);
                        assertArrayEquals(a.matmul(bb).shape(), out.shape());
                        split = out.to(Device.CPU).toDoubleArray();
                        MatmulKernels.splitK = false;
                        whole = ag.matmul(bg).to(Device.CPU).toDoubleArray();
                    } finally {
                        MatmulKernels.splitK = before;
                        MatmulKernels.splitTuned = beforeTuned;
                    }
                    double worstSplit = 0, worstWhole = 0;
                    for (int i = 0; i < want.length; i++) {
                        worstSplit = Math.max(worstSplit, Math.abs(split[i] - want[i]));
                        worstWhole = Math.max(worstWhole, Math.abs(whole[i] - want[i]));
                    }
                    String what = java.util.Arrays.toString(c) + " aT=" + aTransposed + " bT=" + bTransposed;
                    assertTrue(worstSplit <= 1e-5 * k, what + ": split error " + worstSplit);
                    assertTrue(worstSplit <= 4 * Math.max(worstWhole, 1e-6), what + ": split " + worstSplit + " vs whole " + worstWhole);
                }
            }
        }
    }

    /**
     * A weight-gradient-shaped pair on the GPU: a (m, k) stored (k, m) there too (a transposed view of the uploaded
     * (k, m) tensor, as a weight gradient's activations are), b (k, n), and their product in float64.
     */
    private record WeightGradPair(Tensor a, Tensor b, double[] want) {
        static WeightGradPair of(long seed, int m, int n, int k) {
            Tensor stored = uniform(seed, k, m), b = uniform(seed + 1, k, n);
            Device gpu = Device.cuda(0);
            return new WeightGradPair(stored.to(gpu).transpose(0, 1), b.to(gpu),
                    stored.transpose(0, 1).to(DType.F64).matmul(b.to(DType.F64)).toDoubleArray());
        }

        double worstError(double[] got) {
            double worst = 0;
            for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
            return worst;
        }
    }

    /** Runs {@code body} with the split-K rule and the tuned choice switched as given, restoring both after. */
    private static void withSplitting(boolean rule, boolean tuned, Runnable body) {
        boolean beforeRule = MatmulKernels.splitK, beforeTuned = MatmulKernels.splitTuned;
        try {
            MatmulKernels.splitK = rule;
            MatmulKernels.splitTuned = tuned;
            body.run();
        } finally {
            MatmulKernels.splitK = beforeRule;
            MatmulKernels.splitTuned = beforeTuned;
        }
    }

    private static double[] host(Tensor t) { return t.to(Device.CPU).toDoubleArray(); }

    private static MatmulKernels kernels() {
        return ((CudaBackend) dev.jmamba.tensor.Backends.raw(Device.cuda(0))).matmulKernels();
    }

    /**
     * Forced chunk counts ({@link MatmulKernels#matmul(Tensor, Tensor, boolean, int)}, as the split sweep uses them) on
     * a weight-gradient layout: every count that divides k, and one that does not (3: the product runs whole), within
     * the tolerance above; the one-chunk result is the unsplit GEMM's, bit for bit.
     */
    @Test void forcedChunkCountsMatchTheCpu() {
        GpuTests.context();
        int k = 4096;
        WeightGradPair p = WeightGradPair.of(11, 80, 320, k);
        withSplitting(false, false, () -> {
            double[] whole = host(p.a().matmul(p.b()));
            assertArrayEquals(whole, host(kernels().matmul(p.a(), p.b(), false, 1)), 0.0, "one chunk");
            assertArrayEquals(whole, host(kernels().matmul(p.a(), p.b(), false, 3)), 0.0, "3 does not divide k");
            for (int chunks : new int[] {2, 4, 16, 64}) {
                double worst = p.worstError(host(kernels().matmul(p.a(), p.b(), false, chunks)));
                assertTrue(worst <= 1e-5 * k, chunks + " chunks: error " + worst);
            }
        });
    }

    /**
     * The measured choice ({@code jmamba.cuda.splitK=auto}, {@link SplitKTuner}): a weight-gradient-shaped product
     * (few tiles, long k) is timed once, its choice cached, and both calls agree with the CPU in float64 within the
     * tolerance above and with each other bit for bit (the cached choice is reused).
     */
    @Test void tunedProductsMatchTheCpuAndReuseTheirChoice() {
        GpuTests.context();
        int m = 80, n = 320, k = 16384;
        WeightGradPair p = WeightGradPair.of(21, m, n, k);
        withSplitting(false, true, () -> {
            double[] first = host(p.a().matmul(p.b()));
            int choice = kernels().tuner().chosen(m, n, k, true, false);
            assertTrue(choice >= 1, "the shape must have been measured, got " + choice);
            assertArrayEquals(first, host(p.a().matmul(p.b())), 0.0, "the cached choice (" + choice + " chunks) gives the same bits");
            double worst = p.worstError(first);
            assertTrue(worst <= 1e-5 * k, choice + " chunks: error " + worst);
        });
    }
}
