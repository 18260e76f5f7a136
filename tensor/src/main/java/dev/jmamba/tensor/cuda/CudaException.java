package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.JmambaException;

/**
 * A CUDA driver, NVRTC or cuBLAS call failed. The message names the function and the
 * library's name for the error (for example {@code cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (2)}).
 */
public class CudaException extends JmambaException {
    /** The driver's code for "out of device memory" ({@code CUDA_ERROR_OUT_OF_MEMORY}). */
    public static final int CUDA_ERROR_OUT_OF_MEMORY = 2;

    private final String function;
    private final int code;

    /** A failed call: {@code code} is the raw status the library returned, {@code errorName} its name. */
    public CudaException(String function, int code, String errorName) {
        this(function, code, function + " failed: " + errorName + " (" + code + ")", null);
    }

    /** A failure with a free-form message (library missing, compile error with its log, …). */
    public CudaException(String function, int code, String message, Throwable cause) {
        super(message, cause);
        this.function = function;
        this.code = code;
    }

    /** The C function that failed (or the operation, for failures not tied to one call). */
    public String function() {
        return function;
    }

    /** The raw status code (CUresult, nvrtcResult or cublasStatus_t); 0 when not from a call. */
    public int code() {
        return code;
    }

    /** True when this is the driver's out-of-memory error. */
    public boolean isOutOfMemory() {
        return code == CUDA_ERROR_OUT_OF_MEMORY;
    }
}
