package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

/**
 * Runtime compilation of CUDA C++ with NVRTC. {@link #compile} turns a {@code .cu} source into a
 * CUBIN (when the options name a real architecture, {@code --gpu-architecture=sm_XY}) or PTX
 * (for a virtual one, {@code compute_XY}); a failed compile throws with NVRTC's log in the message.
 * Not a hot path: each compile uses its own confined arena.
 */
public final class Nvrtc {
    /** {@code NVRTC_ERROR_COMPILATION}: the source did not compile; the log says why. */
    public static final int ERROR_COMPILATION = 6;

    private Nvrtc() {}

    private static MethodHandle h(String name, MemoryLayout... args) {
        return CudaLibraries.downcall(CudaLibraries.nvrtc(), "libnvrtc", name, FunctionDescriptor.of(JAVA_INT, args));
    }

    // nvrtcProgram is an opaque pointer: passed as a 64-bit integer (see CudaDriver).
    private static final MethodHandle VERSION = h("nvrtcVersion", ADDRESS, ADDRESS);
    private static final MethodHandle CREATE_PROGRAM = h("nvrtcCreateProgram", ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
    private static final MethodHandle DESTROY_PROGRAM = h("nvrtcDestroyProgram", ADDRESS);
    private static final MethodHandle COMPILE_PROGRAM = h("nvrtcCompileProgram", JAVA_LONG, JAVA_INT, ADDRESS);
    private static final MethodHandle GET_LOG_SIZE = h("nvrtcGetProgramLogSize", JAVA_LONG, ADDRESS);
    private static final MethodHandle GET_LOG = h("nvrtcGetProgramLog", JAVA_LONG, ADDRESS);
    private static final MethodHandle GET_PTX_SIZE = h("nvrtcGetPTXSize", JAVA_LONG, ADDRESS);
    private static final MethodHandle GET_PTX = h("nvrtcGetPTX", JAVA_LONG, ADDRESS);
    private static final MethodHandle GET_CUBIN_SIZE = h("nvrtcGetCUBINSize", JAVA_LONG, ADDRESS);
    private static final MethodHandle GET_CUBIN = h("nvrtcGetCUBIN", JAVA_LONG, ADDRESS);

    /** NVRTC's version as "major.minor" (part of the kernel cache key). */
    public static String version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment major = arena.allocate(JAVA_INT);
            MemorySegment minor = arena.allocate(JAVA_INT);
            CudaCheck.nvrtc((int) VERSION.invokeExact(major, minor), "nvrtcVersion");
            return major.get(JAVA_INT, 0) + "." + minor.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Compiles {@code source} (named {@code name} in messages) and returns the loadable image:
     * a CUBIN for a real architecture, otherwise NUL-terminated PTX.
     */
    public static byte[] compile(String source, String name, List<String> options) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment programOut = arena.allocate(JAVA_LONG);
            CudaCheck.nvrtc((int) CREATE_PROGRAM.invokeExact(programOut, arena.allocateFrom(source), arena.allocateFrom(name),
                    0, MemorySegment.NULL, MemorySegment.NULL), "nvrtcCreateProgram");
            long program = programOut.get(JAVA_LONG, 0);
            try {
                MemorySegment optionArray = arena.allocate(ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) optionArray.setAtIndex(ADDRESS, i, arena.allocateFrom(options.get(i)));
                int status = (int) COMPILE_PROGRAM.invokeExact(program, options.size(), optionArray);
                if (status != 0) {
                    throw new CudaException("nvrtcCompileProgram", status, "NVRTC could not compile " + name + " with "
                            + options + ": " + CudaCheck.nvrtcErrorName(status) + "\n" + log(program, arena), null);
                }
                boolean cubin = KernelCache.targetsRealArchitecture(options);
                MemorySegment size = arena.allocate(JAVA_LONG);
                CudaCheck.nvrtc(cubin ? (int) GET_CUBIN_SIZE.invokeExact(program, size) : (int) GET_PTX_SIZE.invokeExact(program, size),
                        cubin ? "nvrtcGetCUBINSize" : "nvrtcGetPTXSize");
                MemorySegment image = arena.allocate(size.get(JAVA_LONG, 0));
                CudaCheck.nvrtc(cubin ? (int) GET_CUBIN.invokeExact(program, image) : (int) GET_PTX.invokeExact(program, image),
                        cubin ? "nvrtcGetCUBIN" : "nvrtcGetPTX");
                return image.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            } finally {
                CudaCheck.nvrtc((int) DESTROY_PROGRAM.invokeExact(programOut), "nvrtcDestroyProgram");
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static String log(long program, Arena arena) throws Throwable {
        MemorySegment size = arena.allocate(JAVA_LONG);
        CudaCheck.nvrtc((int) GET_LOG_SIZE.invokeExact(program, size), "nvrtcGetProgramLogSize");
        long bytes = size.get(JAVA_LONG, 0);
        if (bytes <= 1) return "(NVRTC gave no log)";
        MemorySegment text = arena.allocate(bytes);
        CudaCheck.nvrtc((int) GET_LOG.invokeExact(program, text), "nvrtcGetProgramLog");
        return text.getString(0);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
