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

    /** x ← x·s + y then x ← sigmoid-free mix, alternating kernels so the order matters. */
    private static void work(CudaKernels kernels, long x, long y, long scale, long temp) {
        for (int i = 0; i < LAUNCHES; i++) {
            switch (i % 4) {
                case 0 -> kernels.binary(CudaKernels.BinaryOp.MUL, x, scale, x, N);
                case 1 -> kernels.binary(CudaKernels.BinaryOp.ADD, x, y, x, N);
                case 2 -> kernels.unary(CudaKernels.UnaryOp.TANH, x, temp, N);
                default -> kernels.binary(CudaKernels.BinaryOp.SUB, x, temp, x, N);
            }
        }
    }

    @Test
    void replayEqualsEager() {
        CudaContext context = GpuTests.context();
        CudaKernels kernels = GpuTests.kernels();
        float[] x0 = GpuTests.uniform(51, N, -1, 1);
        long y = context.upload(GpuTests.uniform(52, N, -1, 1));
        long scale = context.upload(GpuTests.uniform(53, N, 0.5, 1.5));
        long temp = context.allocator().allocate(4L * N, context.stream());

        long eagerX = context.upload(x0);
        work(kernels, eagerX, y, scale, temp);
        float[] eager = context.download(eagerX, N);
        work(kernels, eagerX, y, scale, temp);
        float[] eagerTwice = context.download(eagerX, N);

        long graphX = context.upload(x0);
        long[] freedInside = new long[1];
        CudaGraph graph = CudaGraph.capture(context, () -> {
            long scratch = context.allocator().allocate(4L * N, context.stream());
            kernels.fill(scratch, N, 0f);
            work(kernels, graphX, y, scale, temp);
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
