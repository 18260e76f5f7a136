package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.List;

/**
 * The NCCL calls jmamba uses, bound through FFM: {@code ncclGetUniqueId}, {@code ncclCommInitRank},
 * {@code ncclAllReduce}, {@code ncclBroadcast}, {@code ncclCommGetAsyncError}, {@code ncclCommAbort},
 * {@code ncclCommFinalize}/{@code ncclCommDestroy}, {@code ncclGetErrorString}, {@code ncclGetLastError}
 * (NCCL 2.x, {@code nccl.h}), plus the driver's {@code cuStreamQuery} for waiting without blocking.
 *
 * <p>The library is found like the CUDA ones ({@link CudaLibraries}): soname {@code libnccl.so.2} in the
 * override folder ({@code -Djmamba.nccl.libDir} or {@code JMAMBA_NCCL_LIB_DIR}, else the CUDA override
 * folder), through the system loader, then in the standard CUDA folders. It is loaded on first use;
 * without it every call throws a {@link CudaUnavailableException} whose message says where it looked.
 * Opaque handles ({@code ncclComm_t}, {@code cudaStream_t}) and device pointers pass as {@code long}.
 */
final class Nccl {
    /** Sonames of NCCL, newest first. */
    static final List<String> SONAMES = List.of("libnccl.so.2");
    /** {@code NCCL_UNIQUE_ID_BYTES}. */
    static final int UNIQUE_ID_BYTES = 128;
    /** {@code ncclFloat32} and {@code ncclFloat64} of {@code ncclDataType_t}. */
    static final int FLOAT32 = 7, FLOAT64 = 8;
    /** {@code ncclSum} of {@code ncclRedOp_t}. */
    static final int SUM = 0;
    /** {@code ncclInProgress}: a non-blocking operation has not finished (not an error). */
    static final int IN_PROGRESS = 7;
    /** {@code CUDA_ERROR_NOT_READY}: cuStreamQuery's "work still queued". */
    static final int CUDA_ERROR_NOT_READY = 600;
    /** {@code ncclUniqueId}: a struct of 128 bytes, passed by value to ncclCommInitRank. */
    static final MemoryLayout UNIQUE_ID = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(UNIQUE_ID_BYTES, JAVA_BYTE).withName("internal"));

    private Nccl() {}

    /** The override folder: {@code -Djmamba.nccl.libDir}, {@code JMAMBA_NCCL_LIB_DIR}, else the CUDA one. */
    static Path overrideFolder() {
        String dir = System.getProperty("jmamba.nccl.libDir");
        if (dir == null || dir.isBlank()) dir = System.getenv("JMAMBA_NCCL_LIB_DIR");
        return dir == null || dir.isBlank() ? CudaLibraries.overrideFolder() : Path.of(dir);
    }

    /** Loads NCCL from {@code override} or the usual places; throws {@link CudaUnavailableException} saying where it looked. */
    static SymbolLookup load(List<String> sonames, Path override, List<Path> standardFolders) {
        return CudaLibraries.load("NCCL", sonames, override, standardFolders,
                "install NCCL 2 (Debian/Ubuntu: libnccl2) or set JMAMBA_NCCL_LIB_DIR or -Djmamba.nccl.libDir to the folder that holds libnccl.so.2");
    }

    /** A SymbolLookup, or the CudaUnavailableException the first load gave. */
    private static Object loaded;
    private static volatile Api api;

    /** The library (loaded once; a failure is remembered and thrown again, with the same message). */
    static synchronized SymbolLookup library() {
        if (loaded == null) {
            try {
                loaded = load(SONAMES, overrideFolder(), CudaLibraries.STANDARD_FOLDERS);
            } catch (CudaUnavailableException missing) {
                loaded = missing;
            }
        }
        if (loaded instanceof CudaUnavailableException missing) throw new CudaUnavailableException(missing.function(), missing.getMessage());
        return (SymbolLookup) loaded;
    }

    /** True when NCCL loads; never throws. */
    static boolean available() {
        return unavailableReason() == null;
    }

    /** Why NCCL is not available (the loader's message), or null when it is. */
    static String unavailableReason() {
        try {
            api();
            return null;
        } catch (RuntimeException | LinkageError missing) {
            return missing.getMessage();
        }
    }

    /** The bound calls; throws {@link CudaUnavailableException} when the library or one of its symbols is missing. */
    private static Api api() {
        Api a = api;
        if (a == null) {
            synchronized (Nccl.class) {
                if (api == null) api = new Api(library());
                a = api;
            }
        }
        return a;
    }

    /** The downcall handles. */
    private static final class Api {
        final MethodHandle getVersion, getUniqueId, commInitRank, allReduce, broadcast, commGetAsyncError, commAbort,
                commFinalize, commDestroy, getErrorString, getLastError, streamQuery;

        Api(SymbolLookup lib) {
            getVersion = h(lib, "ncclGetVersion", ADDRESS);
            getUniqueId = h(lib, "ncclGetUniqueId", ADDRESS);
            commInitRank = h(lib, "ncclCommInitRank", ADDRESS, JAVA_INT, UNIQUE_ID, JAVA_INT);
            allReduce = h(lib, "ncclAllReduce", JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG);
            broadcast = h(lib, "ncclBroadcast", JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG);
            commGetAsyncError = h(lib, "ncclCommGetAsyncError", JAVA_LONG, ADDRESS);
            commAbort = h(lib, "ncclCommAbort", JAVA_LONG);
            commFinalize = h(lib, "ncclCommFinalize", JAVA_LONG);
            commDestroy = h(lib, "ncclCommDestroy", JAVA_LONG);
            getErrorString = CudaLibraries.downcall(lib, "libnccl", "ncclGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
            getLastError = CudaLibraries.optionalDowncall(lib, "ncclGetLastError", FunctionDescriptor.of(ADDRESS, JAVA_LONG));
            streamQuery = CudaLibraries.downcall(CudaLibraries.driver(), "libcuda", "cuStreamQuery", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        }

        private static MethodHandle h(SymbolLookup lib, String name, MemoryLayout... args) {
            return CudaLibraries.downcall(lib, "libnccl", name, FunctionDescriptor.of(JAVA_INT, args));
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** Throws a {@link CudaException} naming {@code function} and NCCL's words for {@code result} (and the comm's last error). */
    static void check(int result, String function, long comm) {
        if (result == 0) return;
        String detail = lastError(comm);
        throw new CudaException(function, result, function + " failed: " + errorString(result) + " (" + result + ")"
                + (detail.isBlank() ? "" : ": " + detail), null);
    }

    /** {@code ncclGetErrorString}. */
    static String errorString(int result) {
        try {
            MemorySegment text = (MemorySegment) api().getErrorString.invokeExact(result);
            if (!text.equals(MemorySegment.NULL)) return text.reinterpret(1024).getString(0);
        } catch (Throwable lookupFailed) {
            // fall through: the code itself still says something
        }
        return "ncclResult_t";
    }

    /** {@code ncclGetLastError(comm)} (a human-readable description of the last failure), or "" when there is none. */
    static String lastError(long comm) {
        if (api().getLastError == null) return "";
        try {
            MemorySegment text = (MemorySegment) api().getLastError.invokeExact(comm);
            return text.equals(MemorySegment.NULL) ? "" : text.reinterpret(4096).getString(0).strip();
        } catch (Throwable lookupFailed) {
            return "";
        }
    }

    /** {@code ncclGetVersion}: e.g. 22803 for 2.28.3. */
    static int version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check((int) api().getVersion.invokeExact(out), "ncclGetVersion", 0L);
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ncclGetUniqueId}: 128 bytes that rank 0 makes and every rank passes to {@link #commInitRank}. */
    static byte[] uniqueId() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment id = arena.allocate(UNIQUE_ID);
            check((int) api().getUniqueId.invokeExact(id), "ncclGetUniqueId", 0L);
            return id.toArray(JAVA_BYTE);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ncclCommInitRank} on the calling thread's current device; blocks until all ranks joined. */
    static long commInitRank(int worldSize, byte[] uniqueId, int rank) {
        if (uniqueId.length != UNIQUE_ID_BYTES) {
            throw new CudaException("ncclCommInitRank", 0, "ncclCommInitRank: expected a unique id of " + UNIQUE_ID_BYTES
                    + " bytes, got " + uniqueId.length, null);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            MemorySegment id = arena.allocate(UNIQUE_ID);
            MemorySegment.copy(uniqueId, 0, id, JAVA_BYTE, 0, UNIQUE_ID_BYTES);
            check((int) api().commInitRank.invokeExact(out, worldSize, id, rank), "ncclCommInitRank", 0L);
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ncclAllReduce} of {@code count} elements, queued on {@code stream}. */
    static void allReduce(long send, long recv, long count, int dataType, int op, long comm, long stream) {
        try {
            check((int) api().allReduce.invokeExact(send, recv, count, dataType, op, comm, stream), "ncclAllReduce", comm);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ncclBroadcast} of {@code count} elements from {@code root}, queued on {@code stream}. */
    static void broadcast(long send, long recv, long count, int dataType, int root, long comm, long stream) {
        try {
            check((int) api().broadcast.invokeExact(send, recv, count, dataType, root, comm, stream), "ncclBroadcast", comm);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ncclCommGetAsyncError}: 0 (ncclSuccess), {@link #IN_PROGRESS}, or the error that broke the communicator. */
    static int asyncError(long comm) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check((int) api().commGetAsyncError.invokeExact(comm, out), "ncclCommGetAsyncError", comm);
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ncclCommAbort}: frees the communicator at once, ending its kernels in flight. */
    static void abort(long comm) {
        try {
            check((int) api().commAbort.invokeExact(comm), "ncclCommAbort", 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code ncclCommFinalize} then {@code ncclCommDestroy}: the clean way out, after queued work. */
    static void finalizeAndDestroy(long comm) {
        try {
            check((int) api().commFinalize.invokeExact(comm), "ncclCommFinalize", comm);
            check((int) api().commDestroy.invokeExact(comm), "ncclCommDestroy", 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code cuStreamQuery}: 0 when all queued work is done, {@link #CUDA_ERROR_NOT_READY} while some is pending, else an error. */
    static int streamQuery(long stream) {
        try {
            return (int) api().streamQuery.invokeExact(stream);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
