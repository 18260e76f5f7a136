package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Profiler;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.logging.Logger;

/**
 * One CUDA device as jmamba uses it: the primary context, one non-blocking stream on which all
 * work is queued, the caching allocator, the kernel cache and (on first use) a cuBLAS handle.
 * One instance per device index ({@link #get(int)}); it lives for the rest of the JVM.
 *
 * <p>The context is made current on the thread that creates it; other threads that queue work
 * call {@link #makeCurrent()} first. {@link #available()} is the only entry point that is safe
 * on a machine without CUDA: it never throws.
 */
public final class CudaContext {
    private static final Logger LOG = Logger.getLogger("dev.jmamba");
    /** cuBLAS workspace size (the amount NVIDIA recommends for Hopper). */
    private static final long CUBLAS_WORKSPACE_BYTES = 32L << 20;
    private static final Map<Integer, CudaContext> CONTEXTS = new HashMap<>();
    private static volatile Boolean available;

    private final int index;
    private final int device;
    private final long context;
    private final long stream;
    private final String name;
    private final int computeMajor;
    private final int computeMinor;
    private final int multiprocessors;
    private final long totalMemory;
    private final CachingAllocator allocator;
    private final KernelCache kernels;
    private CuBlas cublas;

    private CudaContext(int index) {
        this.index = index;
        CudaDriver.init();
        device = CudaDriver.deviceGet(index);
        context = CudaDriver.primaryContextRetain(device);
        CudaDriver.contextSetCurrent(context);
        stream = CudaDriver.streamCreate(CudaDriver.STREAM_NON_BLOCKING);
        name = CudaDriver.deviceName(device);
        computeMajor = CudaDriver.deviceAttribute(CudaDriver.ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
        computeMinor = CudaDriver.deviceAttribute(CudaDriver.ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
        multiprocessors = CudaDriver.deviceAttribute(CudaDriver.ATTRIBUTE_MULTIPROCESSOR_COUNT, device);
        totalMemory = CudaDriver.deviceTotalMem(device);
        allocator = new CachingAllocator(DeviceMemory.driver());
        kernels = new KernelCache(KernelCache.defaultFolder(), architecture(), new KernelCache.Compiler() {
            @Override
            public byte[] compile(String source, String sourceName, java.util.List<String> options) {
                return Nvrtc.compile(source, sourceName, options);
            }

            @Override
            public String version() {
                return Nvrtc.version();
            }
        }, new KernelCache.ModuleLoader() {
            @Override
            public long load(byte[] image) {
                try (Arena arena = Arena.ofConfined()) {
                    // PTX must end with NUL; a CUBIN ignores the extra byte.
                    MemorySegment native_ = arena.allocate(image.length + 1L, 16);
                    MemorySegment.copy(MemorySegment.ofArray(image), 0, native_, 0, image.length);
                    return CudaDriver.moduleLoadData(native_);
                }
            }

            @Override
            public long function(long module, String kernel) {
                return CudaDriver.moduleGetFunction(module, kernel);
            }
        });
    }

    /**
     * True when a CUDA driver is installed, initialises, and sees at least one device. Never
     * throws; the answer (and, when false, the reason) is logged once.
     */
    public static boolean available() {
        Boolean known = available;
        if (known != null) return known;
        synchronized (CudaContext.class) {
            if (available != null) return available;
            boolean result;
            try {
                CudaLibraries.driver();
                CudaDriver.init();
                int devices = CudaDriver.deviceCount();
                result = devices > 0;
                LOG.info(result ? "CUDA: " + devices + " device(s), driver " + CudaDriver.driverVersion()
                        : "CUDA: the driver loaded but sees no device; using the CPU");
            } catch (Throwable why) {
                result = false;
                LOG.info("CUDA is not available, using the CPU: " + why.getMessage());
            }
            available = result;
            return result;
        }
    }

    /** The context of device {@code index}, created on first use. */
    public static synchronized CudaContext get(int index) {
        if (!available()) throw new CudaUnavailableException("CudaContext", "no CUDA device is available (see the log for why).");
        int count = CudaDriver.deviceCount();
        if (index < 0 || index >= count) {
            throw new JmambaException("CUDA device index must be in 0.." + (count - 1) + "; got " + index);
        }
        return CONTEXTS.computeIfAbsent(index, CudaContext::new);
    }

    /** Binds this context to the calling thread (needed once per thread that queues work). */
    public void makeCurrent() {
        CudaDriver.contextSetCurrent(context);
    }

    /** The stream all jmamba work for this device is queued on. */
    public long stream() {
        return stream;
    }

    /** Blocks until the stream is idle. Only reading values to the host should need this. */
    public void synchronize() {
        CudaDriver.streamSynchronize(stream);
    }

    /** The allocator for this device. */
    public CachingAllocator allocator() {
        return allocator;
    }

    /** The compiled-kernel cache for this device's architecture. */
    public KernelCache kernels() {
        return kernels;
    }

    /** The cuBLAS handle on this context's stream, with its own 32 MiB workspace (graph-capture safe). */
    public synchronized CuBlas cublas() {
        if (cublas == null) {
            CuBlas created = new CuBlas(stream);
            created.setWorkspace(allocator.allocate(CUBLAS_WORKSPACE_BYTES, stream), CUBLAS_WORKSPACE_BYTES);
            cublas = created;
        }
        return cublas;
    }

    /** Device index. */
    public int index() {
        return index;
    }

    /** Device name as the driver reports it, e.g. "NVIDIA H100 80GB HBM3". */
    public String name() {
        return name;
    }

    /** Compute capability major version (9 on Hopper). */
    public int computeMajor() {
        return computeMajor;
    }

    /** Compute capability minor version. */
    public int computeMinor() {
        return computeMinor;
    }

    /** NVRTC's name for this device's real architecture, e.g. "sm_90". */
    public String architecture() {
        return "sm_" + computeMajor + computeMinor;
    }

    /** Number of streaming multiprocessors. */
    public int multiprocessors() {
        return multiprocessors;
    }

    /** Device memory in bytes. */
    public long totalMemory() {
        return totalMemory;
    }

    /** Copies {@code values} into a fresh device buffer (from the allocator) and waits for the copy. */
    public long upload(float[] values) {
        long pointer = allocator.allocate(Math.max(4L, 4L * values.length), stream);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(JAVA_FLOAT, Math.max(1, values.length));
            MemorySegment.copy(values, 0, staging, JAVA_FLOAT, 0, values.length);
            CudaDriver.memcpyHtoDAsync(pointer, staging, 4L * values.length, stream);
            Profiler.hostSync();
            synchronize();
        }
        return pointer;
    }

    /** Copies {@code count} floats from the device to a new array, after all queued work. */
    public float[] download(long pointer, int count) {
        float[] values = new float[count];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(JAVA_FLOAT, Math.max(1, count));
            CudaDriver.memcpyDtoHAsync(staging, pointer, 4L * count, stream);
            Profiler.hostSync();
            synchronize();
            MemorySegment.copy(staging, JAVA_FLOAT, 0, values, 0, count);
        }
        return values;
    }

    @Override
    public String toString() {
        return "cuda:" + index + " (" + name + ", " + architecture() + ", " + multiprocessors + " SMs, "
                + (totalMemory >> 20) + " MiB)";
    }
}
