package dev.jmamba.tensor.cuda;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Assumptions;

/** Shared set-up of the gpu-tagged tests: skip (visibly) without a device, else the device-0 context. */
final class GpuTests {
    private GpuTests() {}

    /** The device-0 context, current on this thread; skips the test when CUDA is not available. */
    static CudaContext context() {
        Assumptions.assumeTrue(CudaContext.available(), "no CUDA device (or no libcuda.so.1): gpu test skipped");
        CudaContext context = CudaContext.get(0);
        context.makeCurrent();
        return context;
    }

    /** Seeded uniform floats in [low, high). */
    static float[] uniform(long seed, int n, double low, double high) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) values[i] = (float) (low + (high - low) * random.nextDouble());
        return values;
    }
}
