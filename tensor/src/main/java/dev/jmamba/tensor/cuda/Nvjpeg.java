package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * nvJPEG (the CUDA toolkit's JPEG decoder, {@code libnvjpeg.so.13} or {@code .12}) through the FFM
 * API: the handle, decoder states, image info and single-image decoding to interleaved RGB in
 * device memory. Huffman decoding runs on the calling host thread, the inverse DCT and colour
 * conversion on the given stream; the handle is shared, each thread decodes with its own state.
 * Statuses other than success become a {@link CudaException} naming the call and the status.
 */
final class Nvjpeg {
    /** nvjpegOutputFormat_t NVJPEG_OUTPUT_RGBI: interleaved RGB, one plane. */
    static final int OUTPUT_RGBI = 5;
    /** NVJPEG_MAX_COMPONENT: size of the per-component arrays of nvjpegImage_t and nvjpegGetImageInfo. */
    static final int MAX_COMPONENT = 4;
    /** nvjpegImage_t: unsigned char *channel[4]; size_t pitch[4]. */
    static final long IMAGE_BYTES = 8L * MAX_COMPONENT * 2;

    private static final String[] STATUS = {"NVJPEG_STATUS_SUCCESS", "NVJPEG_STATUS_NOT_INITIALIZED", "NVJPEG_STATUS_INVALID_PARAMETER",
            "NVJPEG_STATUS_BAD_JPEG", "NVJPEG_STATUS_JPEG_NOT_SUPPORTED", "NVJPEG_STATUS_ALLOCATOR_FAILURE", "NVJPEG_STATUS_EXECUTION_FAILED",
            "NVJPEG_STATUS_ARCH_MISMATCH", "NVJPEG_STATUS_INTERNAL_ERROR", "NVJPEG_STATUS_IMPLEMENTATION_NOT_SUPPORTED",
            "NVJPEG_STATUS_INCOMPLETE_BITSTREAM"};
    /** Statuses that mean "this file", not "this machine": bad or unsupported JPEG data. */
    static final int BAD_JPEG = 3, JPEG_NOT_SUPPORTED = 4, INCOMPLETE_BITSTREAM = 10;

    private static final class Handles {
        static final SymbolLookup LIB = CudaLibraries.nvjpeg();
        static final MethodHandle CREATE_SIMPLE = h("nvjpegCreateSimple", ADDRESS);
        static final MethodHandle DESTROY = h("nvjpegDestroy", JAVA_LONG);
        static final MethodHandle STATE_CREATE = h("nvjpegJpegStateCreate", JAVA_LONG, ADDRESS);
        static final MethodHandle STATE_DESTROY = h("nvjpegJpegStateDestroy", JAVA_LONG);
        static final MethodHandle GET_IMAGE_INFO = h("nvjpegGetImageInfo", JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
        static final MethodHandle DECODE = h("nvjpegDecode", JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);

        private static MethodHandle h(String name, java.lang.foreign.MemoryLayout... args) {
            return CudaLibraries.downcall(LIB, "nvJPEG", name, FunctionDescriptor.of(JAVA_INT, args));
        }
    }

    private Nvjpeg() {}

    /** Loads nvJPEG; throws {@link CudaUnavailableException} (one sentence: what was searched) when it is missing. */
    static void require() {
        CudaLibraries.nvjpeg();
        try {
            java.util.Objects.requireNonNull(Handles.DECODE);
        } catch (ExceptionInInitializerError e) {
            if (e.getCause() instanceof CudaException missing) throw missing;
            throw e;
        }
    }

    static String statusName(int status) {
        return status >= 0 && status < STATUS.length ? STATUS[status] : "nvJPEG status " + status;
    }

    private static void check(String function, int status) {
        if (status != 0) throw new CudaException(function, status, statusName(status));
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    /** nvjpegCreateSimple: a handle with the default backend and allocators. */
    static long createSimple() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check("nvjpegCreateSimple", (int) Handles.CREATE_SIMPLE.invokeExact(out));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void destroy(long handle) {
        try {
            check("nvjpegDestroy", (int) Handles.DESTROY.invokeExact(handle));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static long stateCreate(long handle) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check("nvjpegJpegStateCreate", (int) Handles.STATE_CREATE.invokeExact(handle, out));
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static void stateDestroy(long state) {
        try {
            check("nvjpegJpegStateDestroy", (int) Handles.STATE_DESTROY.invokeExact(state));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * nvjpegGetImageInfo on the JPEG bytes in {@code data}: {components, width, height} of the
     * first component (the full image size), or the raw status negated (a bad file) when it fails.
     */
    static int[] imageInfo(long handle, MemorySegment data, long length, Arena arena) {
        MemorySegment components = arena.allocate(JAVA_INT), subsampling = arena.allocate(JAVA_INT);
        MemorySegment widths = arena.allocate(JAVA_INT, MAX_COMPONENT), heights = arena.allocate(JAVA_INT, MAX_COMPONENT);
        int status;
        try {
            status = (int) Handles.GET_IMAGE_INFO.invokeExact(handle, data, length, components, subsampling, widths, heights);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (status != 0) return new int[] {-status};
        return new int[] {components.get(JAVA_INT, 0), widths.getAtIndex(JAVA_INT, 0), heights.getAtIndex(JAVA_INT, 0)};
    }

    /**
     * nvjpegDecode of {@code data} to interleaved RGB at device address {@code rgb} with row pitch
     * {@code pitch} (≥ 3·width) on {@code stream}; returns the status (0 = success) so the caller
     * can name the file for bad-data statuses.
     */
    static int decodeRgbi(long handle, long state, MemorySegment data, long length, long rgb, long pitch, long stream, Arena arena) {
        MemorySegment image = arena.allocate(IMAGE_BYTES, 8);
        image.fill((byte) 0);
        image.set(JAVA_LONG, 0, rgb);
        image.set(JAVA_LONG, 8L * MAX_COMPONENT, pitch);
        try {
            return (int) Handles.DECODE.invokeExact(handle, state, data, length, OUTPUT_RGBI, image, stream);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
