package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** 100 small launches captured into a graph and replayed give exactly what eager launches give. */
@Tag("gpu")
class CudaGraphGpuTest {
    private static final int N = 4099;
    private static final int LAUNCHES = 100;
    private static final int THREADS = 256;

    /** One test kernel with four steps, so that launch order matters: x·s, x + y, t = tanh(x), x − t; kind 4 zeroes x. */
    private static final String SOURCE = """
            extern "C" __global__ void graph_step(float* x, const float* y, const float* s, float* t, int n, int kind) {
                int i = blockIdx.x * blockDim.x + threadIdx.x;
                if (i >= n) return;
                switch (kind) {
                    case 0: x[i] = x[i] * s[i]; break;
                    case 1: x[i] = x[i] + y[i]; break;
                    case 2: t[i] = tanhf(x[i]); break;
                    case 3: x[i] = x[i] - t[i]; break;
                    default: x[i] = 0.0f;
                }
            }
            """;

    private final KernelArgs args = new KernelArgs(8, 8, 8, 8, 4, 4);

    private void launch(CudaContext context, long function, long x, long y, long scale, long temp, int kind) {
        args.setLong(0, x).setLong(1, y).setLong(2, scale).setLong(3, temp).setInt(4, N).setInt(5, kind);
        CudaDriver.launchKernel(function, (N + THREADS - 1) / THREADS, 1, 1, THREADS, 1, 1, 0, context.stream(), args);
    }

    private void work(CudaContext context, long function, long x, long y, long scale, long temp) {
        for (int i = 0; i < LAUNCHES; i++) launch(context, function, x, y, scale, temp, i % 4);
    }

    @Test
    void replayEqualsEager() {
        CudaContext context = GpuTests.context();
        long function = context.kernels().function(SOURCE, "graph_step_test.cu", KernelCache.standardOptions(), "graph_step");
        float[] x0 = GpuTests.uniform(51, N, -1, 1);
        long y = context.upload(GpuTests.uniform(52, N, -1, 1));
        long scale = context.upload(GpuTests.uniform(53, N, 0.5, 1.5));
        long temp = context.allocator().allocate(4L * N, context.stream());

        long eagerX = context.upload(x0);
        work(context, function, eagerX, y, scale, temp);
        float[] eager = context.download(eagerX, N);
        work(context, function, eagerX, y, scale, temp);
        float[] eagerTwice = context.download(eagerX, N);

        long graphX = context.upload(x0);
        long[] freedInside = new long[1];
        CudaGraph graph = CudaGraph.capture(context, () -> {
            long scratch = context.allocator().allocate(4L * N, context.stream());
            launch(context, function, scratch, y, scale, temp, 4);           // zero the scratch block
            work(context, function, graphX, y, scale, temp);
            context.allocator().free(scratch);   // held until the graph is closed
            freedInside[0] = scratch;
        });
        float[] notRun = context.download(graphX, N);
        assertArrayEquals(x0, notRun, "capture must not run the kernels");
        long other = context.allocator().allocate(4L * N, context.stream());
        assertTrue(other != freedInside[0], "a block the graph uses must not be handed out while the graph lives");
        graph.launch();
        assertArrayEquals(eager, context.download(graphX, N), "one replay = one eager pass, bit for bit");
        graph.launch();
        assertArrayEquals(eagerTwice, context.download(graphX, N), "two replays = two eager passes");
        graph.close();
        context.allocator().free(other);
        for (long p : new long[] {y, scale, temp, eagerX, graphX}) context.allocator().free(p);
        assertEquals(0, context.allocator().stats().allocatedBytes() % 512);
    }
}
