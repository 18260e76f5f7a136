package dev.jmamba.tensor.cuda;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * The one place that turns a status code into an exception. Each CUDA library has its own
 * status type; all three helpers throw {@link CudaException} naming the function and the
 * library's name for the error.
 */
public final class CudaCheck {
    private CudaCheck() {}

    /** Throws when a driver call ({@code CUresult}) did not return {@code CUDA_SUCCESS}. */
    public static void driver(int result, String function) {
        if (result != 0) throw new CudaException(function, result, driverErrorName(result));
    }

    /** Throws when an NVRTC call ({@code nvrtcResult}) did not return {@code NVRTC_SUCCESS}. */
    public static void nvrtc(int result, String function) {
        if (result != 0) throw new CudaException(function, result, nvrtcErrorName(result));
    }

    /** Throws when a cuBLAS call ({@code cublasStatus_t}) did not return {@code CUBLAS_STATUS_SUCCESS}. */
    public static void cublas(int status, String function) {
        if (status != 0) throw new CudaException(function, status, cublasStatusName(status));
    }

    /** The cuBLAS name of a {@code cublasStatus_t} value (from cublas_api.h); cuBLAS has no lookup function. */
    public static String cublasStatusName(int status) {
        return switch (status) {
            case 0 -> "CUBLAS_STATUS_SUCCESS";
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "CUBLAS_STATUS_UNKNOWN";
        };
    }

    /** The driver's name for a {@code CUresult} (cuGetErrorName), or a generic name if the lookup itself fails. */
    static String driverErrorName(int result) {
        try {
            MemorySegment out = Scratch.get();
            int status = (int) DriverNames.CU_GET_ERROR_NAME.invokeExact(result, out);
            if (status == 0) {
                MemorySegment text = out.get(ValueLayout.ADDRESS, 0);
                if (!text.equals(MemorySegment.NULL)) return text.reinterpret(256).getString(0);
            }
        } catch (Throwable lookupFailed) {
            // fall back below: the error itself matters more than its name
        }
        return result == CudaException.CUDA_ERROR_OUT_OF_MEMORY ? "CUDA_ERROR_OUT_OF_MEMORY" : "CUresult";
    }

    /** NVRTC's name for an {@code nvrtcResult} (nvrtcGetErrorString). */
    static String nvrtcErrorName(int result) {
        try {
            MemorySegment text = (MemorySegment) NvrtcNames.NVRTC_GET_ERROR_STRING.invokeExact(result);
            if (!text.equals(MemorySegment.NULL)) return text.reinterpret(256).getString(0);
        } catch (Throwable lookupFailed) {
            // fall back below
        }
        return "nvrtcResult";
    }

    /** The driver's name lookup, loaded only when an error has to be named. */
    private static final class DriverNames {
        static final MethodHandle CU_GET_ERROR_NAME = CudaLibraries.downcall(CudaLibraries.driver(), "libcuda",
                "cuGetErrorName", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    }

    /** NVRTC's name lookup, loaded only when an error has to be named. */
    private static final class NvrtcNames {
        static final MethodHandle NVRTC_GET_ERROR_STRING = CudaLibraries.downcall(CudaLibraries.nvrtc(), "libnvrtc",
                "nvrtcGetErrorString", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    }
}
