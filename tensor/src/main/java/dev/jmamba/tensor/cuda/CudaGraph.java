package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.Backend;

/**
 * A captured and instantiated CUDA graph: the kernels that {@code work} queued on the context's
 * stream, replayed by {@link #launch()} for the cost of about one launch.
 *
 * <p>Capture uses relaxed mode so the allocator may call cuMemAlloc while capturing. Device
 * blocks freed during the capture are held by the allocator until {@link #close()} (the graph
 * reads and writes them on every replay); blocks that the graph uses and the caller keeps must
 * stay allocated until then too. Replays run with the same pointers and the same argument values.
 */
public final class CudaGraph implements Backend.Graph {
    private final CudaContext context;
    private final long graph;
    private final long executable;
    private final CachingAllocator.CapturedBlocks heldBlocks;
    private boolean closed;

    private CudaGraph(CudaContext context, long graph, long executable, CachingAllocator.CapturedBlocks heldBlocks) {
        this.context = context;
        this.graph = graph;
        this.executable = executable;
        this.heldBlocks = heldBlocks;
    }

    /** Records what {@code work} queues on {@code context}'s stream (nothing runs yet) and instantiates it. */
    public static CudaGraph capture(CudaContext context, Runnable work) {
        CachingAllocator allocator = context.allocator();
        allocator.beginCapture();
        long graph = 0;
        CachingAllocator.CapturedBlocks held;
        try {
            CudaDriver.streamBeginCapture(context.stream(), CudaDriver.CAPTURE_MODE_RELAXED);
            try {
                work.run();
            } finally {
                graph = CudaDriver.streamEndCapture(context.stream());
            }
        } catch (RuntimeException | Error failed) {
            CachingAllocator.CapturedBlocks orphaned = allocator.endCapture();
            if (graph != 0) CudaDriver.graphDestroy(graph);
            // nothing captured will ever run: the blocks can be reused at once
            allocator.releaseCaptured(orphaned);
            throw failed;
        }
        held = allocator.endCapture();
        long executable = CudaDriver.graphInstantiate(graph, 0);
        return new CudaGraph(context, graph, executable, held);
    }

    /** Queues one replay on the context's stream (asynchronous). */
    public void launch() {
        if (closed) throw new IllegalStateException("this CUDA graph was closed");
        CudaDriver.graphLaunch(executable, context.stream());
    }

    /** Waits for pending replays, destroys the graph and lets the allocator reuse its blocks. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        context.synchronize();
        CudaDriver.graphExecDestroy(executable);
        CudaDriver.graphDestroy(graph);
        context.allocator().releaseCaptured(heldBlocks);
    }
}
