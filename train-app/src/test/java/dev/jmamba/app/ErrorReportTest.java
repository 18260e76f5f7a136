package dev.jmamba.app;

import dev.jmamba.app.data.DataException;
import dev.jmamba.tensor.TensorException;
import dev.jmamba.tensor.cuda.CudaException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every failure becomes one sentence and an exit code; out of memory names what ran out and what to change. */
class ErrorReportTest {

    @Test void heapExhaustionNamesTheHeapTheBatchSizeAndTheVariable() {
        ErrorReport r = ErrorReport.of(new OutOfMemoryError("Java heap space"), "train");
        assertEquals(1, r.exitCode());
        assertTrue(r.message().startsWith("out of memory (Java heap space; the JVM may use at most "), r.message());
        assertTrue(r.message().contains("--batch-size") && r.message().contains("--resolution"), r.message());
        assertTrue(r.message().contains("JMAMBA_JAVA_OPTS=-Xmx") && r.message().contains("./jmamba train"), r.message());
        assertFalse(r.message().contains("\n"), r.message());
    }

    @Test void outOfMemoryInsideAWrappedWorkerFailureIsStillRecognised() {
        DataException wrapped = new DataException("loading batch 3 of epoch 0 failed: java.lang.OutOfMemoryError: Java heap space",
                new java.util.concurrent.ExecutionException(new OutOfMemoryError("Java heap space")));
        ErrorReport r = ErrorReport.of(wrapped, "train");
        assertEquals(1, r.exitCode());
        assertTrue(r.message().startsWith("out of memory (Java heap space"), r.message());
    }

    @Test void theHintFollowsTheCommand() {
        assertTrue(ErrorReport.of(new OutOfMemoryError(), "bench gemm").message().contains("a smaller --n"));
        assertTrue(ErrorReport.of(new OutOfMemoryError(), "predict").message().contains("image or the model is too large"));
        assertTrue(ErrorReport.of(new OutOfMemoryError(), "eval").message().contains("--batch-size"));
    }

    @Test void gpuOutOfMemoryIsOneSentenceWithoutTheAllocatorStatistics() {
        CudaException driver = new CudaException("cuMemAlloc_v2", CudaException.CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY");
        CudaException cache = new CudaException("CachingAllocator.allocate", CudaException.CUDA_ERROR_OUT_OF_MEMORY,
                "out of device memory: could not allocate 123 bytes (size class 512 bytes) even after releasing the cache; allocated 9 GiB, ...", driver);
        ErrorReport r = ErrorReport.of(new RuntimeException("step failed", cache), "bench train");
        assertEquals(1, r.exitCode());
        assertTrue(r.message().startsWith("out of GPU memory (out of device memory: could not allocate 123 bytes"), r.message());
        assertTrue(r.message().contains("--batch-size or --resolution"), r.message());
        assertFalse(r.message().contains("allocated 9 GiB"), r.message());
        ErrorReport t = ErrorReport.of(new TensorException.OutOfMemory("alloc", "no room for 1 GiB"), "train");
        assertTrue(t.message().startsWith("out of GPU memory (alloc: no room for 1 GiB)"), t.message());
    }

    @Test void otherCudaErrorsAreNotMistakenForOutOfMemory() {
        ErrorReport r = ErrorReport.of(new CudaException("cuLaunchKernel", 700, "CUDA_ERROR_ILLEGAL_ADDRESS"), "train");
        assertEquals("cuLaunchKernel failed: CUDA_ERROR_ILLEGAL_ADDRESS (700)", r.message());
    }

    @Test void userErrorsKeepTheirExitCode() {
        assertEquals(new ErrorReport("bad", 2), ErrorReport.of(UserError.usage("bad"), "train"));
        assertEquals(new ErrorReport("worse", 1), ErrorReport.of(UserError.runtime("worse"), "train"));
    }

    @Test void aFailureWithoutMessageNamesItsTypeAndTheDebugFlag() {
        ErrorReport r = ErrorReport.of(new NullPointerException(), "eval");
        assertEquals("NullPointerException (run with --debug for the stack trace)", r.message());
        assertTrue(ErrorReport.of(new StackOverflowError(), "train").message().contains("JMAMBA_JAVA_OPTS=-Xss"));
    }
}
