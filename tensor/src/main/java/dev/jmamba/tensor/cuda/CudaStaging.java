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
        for (int i = 0; i < arrays.length; i++) {
            MemorySegment dst = hostSegments[s][i];
            switch (arrays[i]) {
                case float[] f -> MemorySegment.copy(f, 0, dst, JAVA_FLOAT, 0, f.length);
                case int[] a -> MemorySegment.copy(a, 0, dst, JAVA_INT, 0, a.length);
                case long[] a -> MemorySegment.copy(a, 0, dst, JAVA_LONG, 0, a.length);
                default -> throw new AssertionError();
            }
        }
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

    @Override public void consumed() {
        if (closed || latest < 0) return;
        backend.enter();
        CudaDriver.eventRecord(consumed[latest], context.stream());
    }

    @Override public void close() {
        if (closed) return;
        closed = true;
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
