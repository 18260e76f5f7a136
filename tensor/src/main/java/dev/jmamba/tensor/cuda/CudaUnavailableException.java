package dev.jmamba.tensor.cuda;

/** A CUDA library (driver, NVRTC, cuBLAS) or one of its symbols could not be found. */
public final class CudaUnavailableException extends CudaException {
    /** {@code what} names the missing library or symbol; the message says what was searched. */
    public CudaUnavailableException(String what, String message) {
        super(what, 0, message, null);
    }
}
