package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Status codes become exceptions naming the function and the error (runs without a GPU). */
class CudaCheckTest {

    @Test
    void successDoesNotThrow() {
        assertDoesNotThrow(() -> CudaCheck.driver(0, "cuInit"));
        assertDoesNotThrow(() -> CudaCheck.nvrtc(0, "nvrtcCompileProgram"));
        assertDoesNotThrow(() -> CudaCheck.cublas(0, "cublasSgemm_v2"));
    }

    @Test
    void cublasFailureNamesFunctionAndStatus() {
        CudaException e = assertThrows(CudaException.class, () -> CudaCheck.cublas(13, "cublasSgemm_v2"));
        assertEquals("cublasSgemm_v2 failed: CUBLAS_STATUS_EXECUTION_FAILED (13)", e.getMessage());
        assertEquals("cublasSgemm_v2", e.function());
        assertEquals(13, e.code());
        assertFalse(e.isOutOfMemory());
    }

    @Test
    void cublasStatusTable() {
        assertEquals("CUBLAS_STATUS_NOT_INITIALIZED", CudaCheck.cublasStatusName(1));
        assertEquals("CUBLAS_STATUS_ALLOC_FAILED", CudaCheck.cublasStatusName(3));
        assertEquals("CUBLAS_STATUS_INVALID_VALUE", CudaCheck.cublasStatusName(7));
        assertEquals("CUBLAS_STATUS_ARCH_MISMATCH", CudaCheck.cublasStatusName(8));
        assertEquals("CUBLAS_STATUS_NOT_SUPPORTED", CudaCheck.cublasStatusName(15));
        assertEquals("CUBLAS_STATUS_UNKNOWN", CudaCheck.cublasStatusName(999));
    }

    @Test
    void driverOutOfMemoryIsRecognisedWithOrWithoutTheDriver() {
        // with libcuda the name comes from cuGetErrorName; without it, from the fallback: same text
        CudaException e = assertThrows(CudaException.class, () -> CudaCheck.driver(2, "cuMemAlloc_v2"));
        assertTrue(e.isOutOfMemory());
        assertTrue(e.getMessage().startsWith("cuMemAlloc_v2 failed: CUDA_ERROR_OUT_OF_MEMORY (2)"), e.getMessage());
    }

    @Test
    void nvrtcFailureNamesTheFunction() {
        CudaException e = assertThrows(CudaException.class, () -> CudaCheck.nvrtc(6, "nvrtcCompileProgram"));
        assertTrue(e.getMessage().startsWith("nvrtcCompileProgram failed: "), e.getMessage());
        assertTrue(e.getMessage().endsWith("(6)"), e.getMessage());
    }
}
