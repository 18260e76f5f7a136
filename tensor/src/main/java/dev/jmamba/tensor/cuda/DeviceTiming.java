package dev.jmamba.tensor.cuda;

import java.util.Arrays;

/**
 * Timing helpers shared by the GPU benchmarks: device time from CUDA events recorded on the
 * context's stream (mean over a back-to-back batch, or median of separately timed runs), and host
 * wall time per pass with a synchronize on both ends.
 */
public final class DeviceTiming {
    private DeviceTiming() {}

    /** Mean device milliseconds per run of {@code work}: {@code warmup} untimed runs, then {@code iterations} back to back between two events. */
    public static double meanMillis(CudaContext context, int warmup, int iterations, Runnable work) {
        for (int i = 0; i < warmup; i++) work.run();
        long start = CudaDriver.eventCreate(CudaDriver.EVENT_DEFAULT), end = CudaDriver.eventCreate(CudaDriver.EVENT_DEFAULT);
        CudaDriver.eventRecord(start, context.stream());
        for (int i = 0; i < iterations; i++) work.run();
        CudaDriver.eventRecord(end, context.stream());
        CudaDriver.eventSynchronize(end);
        double ms = CudaDriver.eventElapsedMillis(start, end) / iterations;
        CudaDriver.eventDestroy(start);
        CudaDriver.eventDestroy(end);
        return ms;
    }

    /** Median device milliseconds of {@code work}: {@code warmup} untimed runs, then {@code repeats} runs each timed between its own pair of events. */
    public static double medianMillis(CudaContext context, int warmup, int repeats, Runnable work) {
        long stream = context.stream();
        long start = CudaDriver.eventCreate(CudaDriver.EVENT_DEFAULT), end = CudaDriver.eventCreate(CudaDriver.EVENT_DEFAULT);
        for (int i = 0; i < warmup; i++) work.run();
        double[] ms = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            CudaDriver.eventRecord(start, stream);
            work.run();
            CudaDriver.eventRecord(end, stream);
            CudaDriver.eventSynchronize(end);
            ms[i] = CudaDriver.eventElapsedMillis(start, end);
        }
        CudaDriver.eventDestroy(start);
        CudaDriver.eventDestroy(end);
        Arrays.sort(ms);
        return ms[repeats / 2];
    }

    /**
     * Host milliseconds per call of {@code pass}: one untimed call, a synchronize, then {@code passes}
     * calls timed with System.nanoTime up to and including a final synchronize.
     */
    public static double hostMillis(CudaContext context, int passes, Runnable pass) {
        pass.run();
        context.synchronize();
        long t0 = System.nanoTime();
        for (int i = 0; i < passes; i++) pass.run();
        context.synchronize();
        return (System.nanoTime() - t0) / 1e6 / passes;
    }
}
