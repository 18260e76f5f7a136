package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The CUDA driver API calls jmamba uses, one static method per C function, with the exact
 * signatures of CUDA 13's {@code cuda.h} (the {@code _v2} entry points where the header maps a
 * name to one). Opaque handles ({@code CUcontext}, {@code CUstream}, {@code CUfunction}, …) and
 * device pointers ({@code CUdeviceptr}, an {@code unsigned long long}) travel as Java {@code long}:
 * on LP64 Linux a pointer argument and a 64-bit integer argument are passed identically.
 * Output parameters use the per-thread {@link Scratch} buffer, so no call allocates.
 *
 * <p>Every method throws {@link CudaException} on a non-zero {@code CUresult}. Loading this class
 * loads {@code libcuda.so.1}; check {@link CudaContext#available()} first.
 */
public final class CudaDriver {
    /** {@code CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT}. */
    public static final int ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    /** {@code CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR}. */
    public static final int ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    /** {@code CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR}. */
    public static final int ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    /** {@code CU_STREAM_NON_BLOCKING}: the stream does not synchronise with the legacy NULL stream. */
    public static final int STREAM_NON_BLOCKING = 1;
    /** {@code CU_EVENT_DEFAULT}. */
    public static final int EVENT_DEFAULT = 0;
    /** {@code CU_EVENT_DISABLE_TIMING}: an event only for ordering (cheaper to record and wait on). */
    public static final int EVENT_DISABLE_TIMING = 2;
    /** {@code CU_STREAM_CAPTURE_MODE_GLOBAL}. */
    public static final int CAPTURE_MODE_GLOBAL = 0;
    /** {@code CU_STREAM_CAPTURE_MODE_RELAXED}: lets the capturing thread call cuMemAlloc (the allocator may). */
    public static final int CAPTURE_MODE_RELAXED = 2;

    private CudaDriver() {}

    private static MethodHandle h(String name, MemoryLayout... args) {
        return CudaLibraries.downcall(CudaLibraries.driver(), "libcuda.so.1", name, FunctionDescriptor.of(JAVA_INT, args));
    }

    private static final MethodHandle CU_INIT = h("cuInit", JAVA_INT);
    private static final MethodHandle CU_DRIVER_GET_VERSION = h("cuDriverGetVersion", ADDRESS);
    private static final MethodHandle CU_DEVICE_GET_COUNT = h("cuDeviceGetCount", ADDRESS);
    private static final MethodHandle CU_DEVICE_GET = h("cuDeviceGet", ADDRESS, JAVA_INT);
    private static final MethodHandle CU_DEVICE_GET_ATTRIBUTE = h("cuDeviceGetAttribute", ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle CU_DEVICE_GET_NAME = h("cuDeviceGetName", ADDRESS, JAVA_INT, JAVA_INT);
    private static final MethodHandle CU_DEVICE_TOTAL_MEM = h("cuDeviceTotalMem_v2", ADDRESS, JAVA_INT);
    private static final MethodHandle CU_PRIMARY_CTX_RETAIN = h("cuDevicePrimaryCtxRetain", ADDRESS, JAVA_INT);
    private static final MethodHandle CU_PRIMARY_CTX_RELEASE = h("cuDevicePrimaryCtxRelease_v2", JAVA_INT);
    private static final MethodHandle CU_CTX_SET_CURRENT = h("cuCtxSetCurrent", JAVA_LONG);
    private static final MethodHandle CU_STREAM_CREATE = h("cuStreamCreate", ADDRESS, JAVA_INT);
    private static final MethodHandle CU_STREAM_SYNCHRONIZE = h("cuStreamSynchronize", JAVA_LONG);
    private static final MethodHandle CU_STREAM_DESTROY = h("cuStreamDestroy_v2", JAVA_LONG);
    private static final MethodHandle CU_EVENT_CREATE = h("cuEventCreate", ADDRESS, JAVA_INT);
    private static final MethodHandle CU_EVENT_RECORD = h("cuEventRecord", JAVA_LONG, JAVA_LONG);
    private static final MethodHandle CU_EVENT_SYNCHRONIZE = h("cuEventSynchronize", JAVA_LONG);
    private static final MethodHandle CU_EVENT_ELAPSED_TIME = h("cuEventElapsedTime", ADDRESS, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle CU_EVENT_DESTROY = h("cuEventDestroy_v2", JAVA_LONG);
    private static final MethodHandle CU_STREAM_WAIT_EVENT = h("cuStreamWaitEvent", JAVA_LONG, JAVA_LONG, JAVA_INT);
    private static final MethodHandle CU_MEM_HOST_ALLOC = h("cuMemHostAlloc", ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle CU_MEM_FREE_HOST = h("cuMemFreeHost", JAVA_LONG);
    private static final MethodHandle CU_MEM_ALLOC = h("cuMemAlloc_v2", ADDRESS, JAVA_LONG);
    private static final MethodHandle CU_MEM_FREE = h("cuMemFree_v2", JAVA_LONG);
    private static final MethodHandle CU_MEM_GET_INFO = h("cuMemGetInfo_v2", ADDRESS, ADDRESS);
    private static final MethodHandle CU_MEMCPY_HTOD_ASYNC = h("cuMemcpyHtoDAsync_v2", JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle CU_MEMCPY_DTOH_ASYNC = h("cuMemcpyDtoHAsync_v2", ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle CU_MEMCPY_DTOD_ASYNC = h("cuMemcpyDtoDAsync_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle CU_MEMSET_D8_ASYNC = h("cuMemsetD8Async", JAVA_LONG, JAVA_BYTE, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle CU_MEMSET_D32_ASYNC = h("cuMemsetD32Async", JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle CU_MODULE_LOAD_DATA = h("cuModuleLoadData", ADDRESS, ADDRESS);
    private static final MethodHandle CU_MODULE_UNLOAD = h("cuModuleUnload", JAVA_LONG);
    private static final MethodHandle CU_MODULE_GET_FUNCTION = h("cuModuleGetFunction", ADDRESS, JAVA_LONG, ADDRESS);
    private static final MethodHandle CU_FUNC_SET_ATTRIBUTE = h("cuFuncSetAttribute", JAVA_LONG, JAVA_INT, JAVA_INT);
    private static final MethodHandle CU_LAUNCH_KERNEL = h("cuLaunchKernel", JAVA_LONG,
            JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS);
    private static final MethodHandle CU_STREAM_BEGIN_CAPTURE = h("cuStreamBeginCapture_v2", JAVA_LONG, JAVA_INT);
    private static final MethodHandle CU_STREAM_END_CAPTURE = h("cuStreamEndCapture", JAVA_LONG, ADDRESS);
    private static final MethodHandle CU_GRAPH_INSTANTIATE = h("cuGraphInstantiateWithFlags", ADDRESS, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle CU_GRAPH_LAUNCH = h("cuGraphLaunch", JAVA_LONG, JAVA_LONG);
    private static final MethodHandle CU_GRAPH_EXEC_DESTROY = h("cuGraphExecDestroy", JAVA_LONG);
    private static final MethodHandle CU_GRAPH_DESTROY = h("cuGraphDestroy", JAVA_LONG);
    /** Stream-ordered allocation (CUDA 11.2+); null if this driver lacks it. */
    private static final MethodHandle CU_MEM_ALLOC_ASYNC = CudaLibraries.optionalDowncall(CudaLibraries.driver(),
            "cuMemAllocAsync", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle CU_MEM_FREE_ASYNC = CudaLibraries.optionalDowncall(CudaLibraries.driver(),
            "cuMemFreeAsync", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));

    /** Reads the 8-byte output a call left at the start of the scratch buffer. */
    private static long outLong(MemorySegment out) {
        return out.get(JAVA_LONG, 0);
    }

    private static int outInt(MemorySegment out) {
        return out.get(JAVA_INT, 0);
    }

    // MethodHandle.invokeExact declares Throwable; downcalls only throw unchecked errors.
    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    // ---- initialisation and devices -------------------------------------------------------

    /** cuInit(0). */
    public static void init() {
        try { CudaCheck.driver((int) CU_INIT.invokeExact(0), "cuInit"); } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuDriverGetVersion: e.g. 13000 for CUDA 13.0. */
    public static int driverVersion() {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_DRIVER_GET_VERSION.invokeExact(out), "cuDriverGetVersion");
            return outInt(out);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuDeviceGetCount. */
    public static int deviceCount() {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_DEVICE_GET_COUNT.invokeExact(out), "cuDeviceGetCount");
            return outInt(out);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuDeviceGet: the CUdevice for an ordinal. */
    public static int deviceGet(int ordinal) {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_DEVICE_GET.invokeExact(out, ordinal), "cuDeviceGet");
            return outInt(out);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuDeviceGetAttribute. */
    public static int deviceAttribute(int attribute, int device) {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_DEVICE_GET_ATTRIBUTE.invokeExact(out, attribute, device), "cuDeviceGetAttribute");
            return outInt(out);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuDeviceGetName. */
    public static String deviceName(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name = arena.allocate(256);
            CudaCheck.driver((int) CU_DEVICE_GET_NAME.invokeExact(name, 256, device), "cuDeviceGetName");
            return name.getString(0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuDeviceTotalMem_v2, in bytes. */
    public static long deviceTotalMem(int device) {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_DEVICE_TOTAL_MEM.invokeExact(out, device), "cuDeviceTotalMem_v2");
            return outLong(out);
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- contexts ---------------------------------------------------------------------------

    /** cuDevicePrimaryCtxRetain: the device's primary context (shared with the CUDA runtime and cuBLAS). */
    public static long primaryContextRetain(int device) {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_PRIMARY_CTX_RETAIN.invokeExact(out, device), "cuDevicePrimaryCtxRetain");
            return outLong(out);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuDevicePrimaryCtxRelease_v2. */
    public static void primaryContextRelease(int device) {
        try { CudaCheck.driver((int) CU_PRIMARY_CTX_RELEASE.invokeExact(device), "cuDevicePrimaryCtxRelease_v2"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuCtxSetCurrent: binds the context to the calling thread. */
    public static void contextSetCurrent(long context) {
        try { CudaCheck.driver((int) CU_CTX_SET_CURRENT.invokeExact(context), "cuCtxSetCurrent"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    // ---- streams and events ---------------------------------------------------------------

    /** cuStreamCreate. */
    public static long streamCreate(int flags) {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_STREAM_CREATE.invokeExact(out, flags), "cuStreamCreate");
            return outLong(out);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuStreamSynchronize: blocks until all work queued on the stream has finished. */
    public static void streamSynchronize(long stream) {
        try { CudaCheck.driver((int) CU_STREAM_SYNCHRONIZE.invokeExact(stream), "cuStreamSynchronize"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuStreamDestroy_v2. */
    public static void streamDestroy(long stream) {
        try { CudaCheck.driver((int) CU_STREAM_DESTROY.invokeExact(stream), "cuStreamDestroy_v2"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuEventCreate. */
    public static long eventCreate(int flags) {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_EVENT_CREATE.invokeExact(out, flags), "cuEventCreate");
            return outLong(out);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuEventRecord. */
    public static void eventRecord(long event, long stream) {
        try { CudaCheck.driver((int) CU_EVENT_RECORD.invokeExact(event, stream), "cuEventRecord"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuEventSynchronize. */
    public static void eventSynchronize(long event) {
        try { CudaCheck.driver((int) CU_EVENT_SYNCHRONIZE.invokeExact(event), "cuEventSynchronize"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuEventElapsedTime: milliseconds between two recorded, completed events. */
    public static float eventElapsedMillis(long start, long end) {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_EVENT_ELAPSED_TIME.invokeExact(out, start, end), "cuEventElapsedTime");
            return out.get(JAVA_FLOAT, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuEventDestroy_v2. */
    public static void eventDestroy(long event) {
        try { CudaCheck.driver((int) CU_EVENT_DESTROY.invokeExact(event), "cuEventDestroy_v2"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuStreamWaitEvent: work queued on {@code stream} after this call waits for the event's recorded work. */
    public static void streamWaitEvent(long stream, long event) {
        try { CudaCheck.driver((int) CU_STREAM_WAIT_EVENT.invokeExact(stream, event, 0), "cuStreamWaitEvent"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    // ---- memory -------------------------------------------------------------------------------

    /** cuMemHostAlloc (flags 0): {@code bytes} of page-locked host memory, the address as a long. */
    public static long memHostAlloc(long bytes) {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_MEM_HOST_ALLOC.invokeExact(out, bytes, 0), "cuMemHostAlloc");
            return outLong(out);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuMemFreeHost. */
    public static void memFreeHost(long address) {
        try { CudaCheck.driver((int) CU_MEM_FREE_HOST.invokeExact(address), "cuMemFreeHost"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuMemAlloc_v2: a device pointer to {@code bytes} bytes (256-byte aligned). */
    public static long memAlloc(long bytes) {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_MEM_ALLOC.invokeExact(out, bytes), "cuMemAlloc_v2");
            return outLong(out);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuMemFree_v2. */
    public static void memFree(long devicePointer) {
        try { CudaCheck.driver((int) CU_MEM_FREE.invokeExact(devicePointer), "cuMemFree_v2"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** True when the driver has stream-ordered allocation (cuMemAllocAsync / cuMemFreeAsync). */
    public static boolean hasStreamOrderedAllocation() {
        return CU_MEM_ALLOC_ASYNC != null && CU_MEM_FREE_ASYNC != null;
    }

    /** cuMemAllocAsync (see {@link #hasStreamOrderedAllocation()}). */
    public static long memAllocAsync(long bytes, long stream) {
        if (CU_MEM_ALLOC_ASYNC == null) throw new CudaUnavailableException("cuMemAllocAsync", "this CUDA driver has no cuMemAllocAsync.");
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_MEM_ALLOC_ASYNC.invokeExact(out, bytes, stream), "cuMemAllocAsync");
            return outLong(out);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuMemFreeAsync (see {@link #hasStreamOrderedAllocation()}). */
    public static void memFreeAsync(long devicePointer, long stream) {
        if (CU_MEM_FREE_ASYNC == null) throw new CudaUnavailableException("cuMemFreeAsync", "this CUDA driver has no cuMemFreeAsync.");
        try { CudaCheck.driver((int) CU_MEM_FREE_ASYNC.invokeExact(devicePointer, stream), "cuMemFreeAsync"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuMemGetInfo_v2: {free, total} bytes on the current context's device. */
    public static long[] memGetInfo() {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_MEM_GET_INFO.invokeExact(out, out.asSlice(8)), "cuMemGetInfo_v2");
            return new long[] {out.get(JAVA_LONG, 0), out.get(JAVA_LONG, 8)};
        } catch (Throwable t) { throw rethrow(t); }
    }

    /**
     * cuMemcpyHtoDAsync_v2. {@code source} must be native memory that stays alive and unchanged
     * until the copy has run (pageable memory is staged by the driver before the call returns).
     */
    public static void memcpyHtoDAsync(long destination, MemorySegment source, long bytes, long stream) {
        try { CudaCheck.driver((int) CU_MEMCPY_HTOD_ASYNC.invokeExact(destination, source, bytes, stream), "cuMemcpyHtoDAsync_v2"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuMemcpyDtoHAsync_v2: {@code destination} (native memory) is valid only after the stream is synchronised. */
    public static void memcpyDtoHAsync(MemorySegment destination, long source, long bytes, long stream) {
        try { CudaCheck.driver((int) CU_MEMCPY_DTOH_ASYNC.invokeExact(destination, source, bytes, stream), "cuMemcpyDtoHAsync_v2"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuMemcpyDtoDAsync_v2. */
    public static void memcpyDtoDAsync(long destination, long source, long bytes, long stream) {
        try { CudaCheck.driver((int) CU_MEMCPY_DTOD_ASYNC.invokeExact(destination, source, bytes, stream), "cuMemcpyDtoDAsync_v2"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuMemsetD8Async: {@code count} bytes set to {@code value}. */
    public static void memsetD8Async(long destination, byte value, long count, long stream) {
        try { CudaCheck.driver((int) CU_MEMSET_D8_ASYNC.invokeExact(destination, value, count, stream), "cuMemsetD8Async"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuMemsetD32Async: {@code count} 32-bit words set to {@code value} (e.g. Float.floatToRawIntBits(x)). */
    public static void memsetD32Async(long destination, int value, long count, long stream) {
        try { CudaCheck.driver((int) CU_MEMSET_D32_ASYNC.invokeExact(destination, value, count, stream), "cuMemsetD32Async"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    // ---- modules and launches ---------------------------------------------------------------

    /** cuModuleLoadData: loads a PTX (NUL-terminated) or CUBIN image held in native memory. */
    public static long moduleLoadData(MemorySegment image) {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_MODULE_LOAD_DATA.invokeExact(out, image), "cuModuleLoadData");
            return outLong(out);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuModuleUnload. */
    public static void moduleUnload(long module) {
        try { CudaCheck.driver((int) CU_MODULE_UNLOAD.invokeExact(module), "cuModuleUnload"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuModuleGetFunction: the kernel named {@code name} (an extern "C" name). */
    public static long moduleGetFunction(long module, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            int status = (int) CU_MODULE_GET_FUNCTION.invokeExact(out, module, arena.allocateFrom(name));
            if (status != 0) {
                throw new CudaException("cuModuleGetFunction", status, "cuModuleGetFunction failed for kernel '" + name
                        + "': " + CudaCheck.driverErrorName(status) + " (" + status + ")", null);
            }
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES: opt-in above 48 KiB of dynamic shared memory. */
    public static final int FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;

    /** cuFuncSetAttribute (e.g. to allow more than 48 KiB of dynamic shared memory). */
    public static void funcSetAttribute(long function, int attribute, int value) {
        try { CudaCheck.driver((int) CU_FUNC_SET_ATTRIBUTE.invokeExact(function, attribute, value), "cuFuncSetAttribute"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /**
     * cuLaunchKernel with {@code kernelParams} = {@code arguments.pointers()} (one pointer per
     * kernel parameter) and no {@code extra}. The driver copies the argument values during the
     * call, so {@link KernelArgs} can be refilled for the next launch at once.
     */
    public static void launchKernel(long function, int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                                    int sharedMemBytes, long stream, KernelArgs arguments) {
        try {
            CudaCheck.driver((int) CU_LAUNCH_KERNEL.invokeExact(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                    sharedMemBytes, stream, arguments.pointers(), MemorySegment.NULL), "cuLaunchKernel");
        } catch (Throwable t) { throw rethrow(t); }
    }

    // ---- graphs -------------------------------------------------------------------------------

    /** cuStreamBeginCapture_v2. */
    public static void streamBeginCapture(long stream, int mode) {
        try { CudaCheck.driver((int) CU_STREAM_BEGIN_CAPTURE.invokeExact(stream, mode), "cuStreamBeginCapture_v2"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuStreamEndCapture: the captured CUgraph. */
    public static long streamEndCapture(long stream) {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_STREAM_END_CAPTURE.invokeExact(stream, out), "cuStreamEndCapture");
            return outLong(out);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuGraphInstantiateWithFlags: an executable graph. */
    public static long graphInstantiate(long graph, long flags) {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.driver((int) CU_GRAPH_INSTANTIATE.invokeExact(out, graph, flags), "cuGraphInstantiateWithFlags");
            return outLong(out);
        } catch (Throwable t) { throw rethrow(t); }
    }

    /** cuGraphLaunch. */
    public static void graphLaunch(long graphExec, long stream) {
        try { CudaCheck.driver((int) CU_GRAPH_LAUNCH.invokeExact(graphExec, stream), "cuGraphLaunch"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuGraphExecDestroy. */
    public static void graphExecDestroy(long graphExec) {
        try { CudaCheck.driver((int) CU_GRAPH_EXEC_DESTROY.invokeExact(graphExec), "cuGraphExecDestroy"); }
        catch (Throwable t) { throw rethrow(t); }
    }

    /** cuGraphDestroy. */
    public static void graphDestroy(long graph) {
        try { CudaCheck.driver((int) CU_GRAPH_DESTROY.invokeExact(graph), "cuGraphDestroy"); }
        catch (Throwable t) { throw rethrow(t); }
    }
}
