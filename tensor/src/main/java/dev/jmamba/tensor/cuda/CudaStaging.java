package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jmamba.tensor.BatchStaging;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The CUDA {@link BatchStaging} ring: per slot, page-locked host buffers (cuMemHostAlloc) and
 * device tensors (outside any Scope, kept until {@link #close}), and two events: {@code copied}
 * (recorded on the copy stream after the slot's copies) and {@code consumed} (recorded on the
 * compute stream after the work that reads the slot). An upload into slot s:
 * <ol>
 *   <li>waits on the host for {@code copied[s]} (the slot's previous copies have read the host buffers);</li>
 *   <li>copies the arrays into the host buffers;</li>
 *   <li>on the copy stream: waits for {@code consumed[s]}, queues the copies, records {@code copied[s]};</li>
 *   <li>on the compute stream: waits for {@code copied[s]}.</li>
 * </ol>
 * Nothing here waits for the compute stream on the host.
 */
final class CudaStaging implements BatchStaging {
    private final CudaBackend backend;
    private final CudaContext context;
    private final DType[] dtypes;
    private final int[][] shapes;
    private final long copyStream;
    private final long[][] host;            // [slot][input] page-locked addresses
    private final MemorySegment[][] hostSegments;
    private final Tensor[][] device;        // [slot][input]
    private final long[] copied, consumed;
    private final boolean[] everCopied;
    private int next, latest = -1;
    private boolean closed;
    /** Threads that copy one large array into page-locked memory together (the calling thread is one of them). */
    static final int COPY_THREADS = 4;
    /** Arrays from this size on are copied by {@link #COPY_THREADS} threads. */
    private static final long PARALLEL_COPY_BYTES = 4L << 20;
    /** COPY_THREADS − 1 daemon threads, made only when some input is that large; null otherwise. */
    private final ExecutorService copyPool;

    CudaStaging(CudaBackend backend, int slots, DType[] dtypes, int[][] shapes) {
        this.backend = backend;
        this.context = backend.context();
        this.dtypes = dtypes;
        this.shapes = shapes;
        backend.enter();
        copyStream = CudaDriver.streamCreate(CudaDriver.STREAM_NON_BLOCKING);
        host = new long[slots][dtypes.length];
        hostSegments = new MemorySegment[slots][dtypes.length];
        device = new Tensor[slots][dtypes.length];
        copied = new long[slots];
        consumed = new long[slots];
        everCopied = new boolean[slots];
        for (int s = 0; s < slots; s++) {
            copied[s] = CudaDriver.eventCreate(CudaDriver.EVENT_DEFAULT);
            consumed[s] = CudaDriver.eventCreate(CudaDriver.EVENT_DEFAULT);
            for (int i = 0; i < dtypes.length; i++) {
                long bytes = Math.max(1, (long) Shapes.numel(shapes[i]) * dtypes[i].bytes());
                host[s][i] = CudaDriver.memHostAlloc(bytes);
                hostSegments[s][i] = MemorySegment.ofAddress(host[s][i]).reinterpret(bytes);
                DType d = dtypes[i];
                int[] shape = shapes[i];
                device[s][i] = Scope.unowned(() -> Tensor.empty(d, backend.device(), shape));
            }
            CudaDriver.eventRecord(consumed[s], context.stream());   // nothing reads a fresh slot
        }
        long largest = 0;
        for (int i = 0; i < dtypes.length; i++) largest = Math.max(largest, (long) Shapes.numel(shapes[i]) * dtypes[i].bytes());
        copyPool = largest < PARALLEL_COPY_BYTES ? null : Executors.newFixedThreadPool(COPY_THREADS - 1, r -> {
            Thread t = new Thread(r, "jmamba-staging-copy");
            t.setDaemon(true);
            return t;
        });
    }

    @Override public Tensor[] upload(Object... arrays) {
        if (closed) throw new IllegalStateException("BatchStaging.upload after close()");
        if (arrays.length != dtypes.length) throw new dev.jmamba.tensor.JmambaException("BatchStaging.upload: expected " + dtypes.length + " arrays, got " + arrays.length);
        for (int i = 0; i < arrays.length; i++) BatchStaging.check(i, dtypes[i], shapes[i], arrays[i]);
        if (context.allocator().isCapturing()) {
            throw new IllegalStateException("BatchStaging.upload cannot run while a CUDA graph is being captured; upload before the replay");
        }
        backend.enter();
        int s = next;
        next = (next + 1) % copied.length;
        if (everCopied[s]) CudaDriver.eventSynchronize(copied[s]);
        copyToHost(arrays, hostSegments[s]);
        CudaDriver.streamWaitEvent(copyStream, consumed[s]);
        for (int i = 0; i < arrays.length; i++) {
            long bytes = (long) Shapes.numel(shapes[i]) * dtypes[i].bytes();
            if (bytes > 0) CudaDriver.memcpyHtoDAsync(Launcher.address(device[s][i]), hostSegments[s][i], bytes, copyStream);
        }
        CudaDriver.eventRecord(copied[s], copyStream);
        everCopied[s] = true;
        CudaDriver.streamWaitEvent(context.stream(), copied[s]);
        latest = s;
        return device[s].clone();
    }

    /**
     * Copies the arrays into the slot's page-locked buffers. A large array (an image batch: 77 MB at
     * b128, 224²) is split over {@link #COPY_THREADS} threads: one thread's memcpy would hold the
     * thread that queues the steps for several milliseconds per step.
     */
    private void copyToHost(Object[] arrays, MemorySegment[] dst) {
        List<Future<?>> parts = new ArrayList<>();
        for (int i = 0; i < arrays.length; i++) {
            MemorySegment d = dst[i];
            Object array = arrays[i];
            int n = java.lang.reflect.Array.getLength(array);
            int chunks = copyPool == null || (long) n * 4 < PARALLEL_COPY_BYTES ? 1 : COPY_THREADS;
            for (int c = 0; c < chunks; c++) {
                int from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks);
                Runnable part = () -> copyRange(array, d, from, to);
                if (c == chunks - 1) part.run();                       // the calling thread takes the last chunk
                else parts.add(copyPool.submit(part));
            }
        }
        try {
            for (Future<?> f : parts) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("BatchStaging.upload: interrupted while copying a batch into page-locked memory", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("BatchStaging.upload: copying a batch into page-locked memory failed: " + e.getCause(), e.getCause());
        }
    }

    private static void copyRange(Object array, MemorySegment dst, int from, int to) {
        switch (array) {
            case float[] f -> MemorySegment.copy(f, from, dst, JAVA_FLOAT, (long) from * 4, to - from);
            case int[] a -> MemorySegment.copy(a, from, dst, JAVA_INT, (long) from * 4, to - from);
            case long[] a -> MemorySegment.copy(a, from, dst, JAVA_LONG, (long) from * 8, to - from);
            default -> throw new AssertionError();
        }
    }

    @Override public void consumed() {
        if (closed || latest < 0) return;
        backend.enter();
        CudaDriver.eventRecord(consumed[latest], context.stream());
    }

    @Override public void close() {
        if (closed) return;
        closed = true;
        if (copyPool != null) copyPool.shutdownNow();
        backend.enter();
        CudaDriver.streamSynchronize(copyStream);
        context.synchronize();                      // work that reads the slots is done before they are freed
        for (int s = 0; s < copied.length; s++) {
            for (int i = 0; i < dtypes.length; i++) {
                device[s][i].storage().release();
                CudaDriver.memFreeHost(host[s][i]);
            }
            CudaDriver.eventDestroy(copied[s]);
            CudaDriver.eventDestroy(consumed[s]);
        }
        CudaDriver.streamDestroy(copyStream);
    }
}
