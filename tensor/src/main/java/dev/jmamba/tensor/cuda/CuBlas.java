package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.MatmulPrecision;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * cuBLAS GEMMs on row-major jmamba matrices. cuBLAS is column-major; a row-major matrix X of
 * shape (r, c) read as column-major is Xᵀ of shape (c, r). So for row-major {@code C = A·B} we
 * ask cuBLAS for {@code Cᵀ = Bᵀ·Aᵀ}: the operands swap places and so do m and n (see
 * {@link #matmul}). Transpose flags carry over unchanged.
 *
 * <p>Precision: fp32 by default (CUBLAS_DEFAULT_MATH, matching a CPU float reference to ~1e-5
 * relative); {@link #setPrecision} lets cuBLAS round the inputs to TF32 or bf16 on tensor cores
 * ({@link MatmulPrecision}). {@link #matmulEx} runs one product in a given precision.
 *
 * <p>Handles belong to one thread at a time (alpha/beta live in one reusable host buffer).
 * The context must be current on the calling thread.
 */
public final class CuBlas implements AutoCloseable {
    /** {@code CUBLAS_OP_N}. */
    static final int OP_N = 0;
    /** {@code CUBLAS_OP_T}. */
    static final int OP_T = 1;
    /** {@code CUBLAS_DEFAULT_MATH}. */
    static final int DEFAULT_MATH = 0;
    /** {@code CUDA_R_32F}. */
    static final int CUDA_R_32F = 0;
    /** {@code CUDA_R_16BF}. */
    static final int CUDA_R_16BF = 14;
    /** {@code CUBLAS_COMPUTE_32F}. */
    static final int COMPUTE_32F = 68;
    /** {@code CUBLAS_GEMM_DEFAULT}. */
    static final int GEMM_DEFAULT = -1;

    /** The arithmetic of {@link #matmulEx}: all fp32 data, different compute types. */
    public enum Precision {
        /** {@code CUBLAS_COMPUTE_32F}: plain fp32. */
        FP32(68),
        /** {@code CUBLAS_COMPUTE_32F_FAST_TF32}: inputs rounded to TF32 on tensor cores. */
        TF32(77),
        /** {@code CUBLAS_COMPUTE_32F_FAST_16BF}: inputs rounded to bf16, fp32 accumulation. */
        BF16(75);

        final int computeType;

        Precision(int computeType) {
            this.computeType = computeType;
        }
    }

    private static MethodHandle h(String name, MemoryLayout... args) {
        return CudaLibraries.downcall(CudaLibraries.cublas(), "libcublas", name, FunctionDescriptor.of(JAVA_INT, args));
    }

    // cublasHandle_t and cudaStream_t are opaque pointers, device pointers are 64-bit: passed as long.
    private static final MethodHandle CREATE = h("cublasCreate_v2", ADDRESS);
    private static final MethodHandle DESTROY = h("cublasDestroy_v2", JAVA_LONG);
    private static final MethodHandle SET_STREAM = h("cublasSetStream_v2", JAVA_LONG, JAVA_LONG);
    private static final MethodHandle SET_MATH_MODE = h("cublasSetMathMode", JAVA_LONG, JAVA_INT);
    private static final MethodHandle SET_WORKSPACE = h("cublasSetWorkspace_v2", JAVA_LONG, JAVA_LONG, JAVA_LONG);
    private static final MethodHandle SGEMM = h("cublasSgemm_v2", JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
            ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
    private static final MethodHandle SGEMM_STRIDED_BATCHED = h("cublasSgemmStridedBatched", JAVA_LONG, JAVA_INT, JAVA_INT,
            JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG, ADDRESS,
            JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT);
    private static final MethodHandle GEMM_STRIDED_BATCHED_EX = h("cublasGemmStridedBatchedEx", JAVA_LONG, JAVA_INT, JAVA_INT,
            JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG,
            ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT);
    private static final MethodHandle GEMM_EX = h("cublasGemmEx", JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
            ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT,
            JAVA_INT, JAVA_INT);

    private final long handle;
    /** How {@link #matmul} and {@link #matmulBatched} round their inputs. */
    private volatile Precision precision = Precision.FP32;
    /** alpha at offset 0, beta at offset 4 (host pointer mode: read during the call). */
    private final MemorySegment scalars = Arena.ofAuto().allocate(16, 16);

    /** A handle that queues its work on {@code stream}, in fp32 math. */
    public CuBlas(long stream) {
        try {
            MemorySegment out = Scratch.get();
            CudaCheck.cublas((int) CREATE.invokeExact(out), "cublasCreate_v2");
            handle = out.get(JAVA_LONG, 0);
            CudaCheck.cublas((int) SET_STREAM.invokeExact(handle, stream), "cublasSetStream_v2");
            CudaCheck.cublas((int) SET_MATH_MODE.invokeExact(handle, DEFAULT_MATH), "cublasSetMathMode");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Sets how {@link #matmul} and {@link #matmulBatched} round their float32 inputs: FP32 (the
     * default) runs cublasSgemm in CUBLAS_DEFAULT_MATH; TF32 and BF16 run cublasGemmEx with the
     * compute types CUBLAS_COMPUTE_32F_FAST_TF32 / _FAST_16BF (tensor cores, float32 data and
     * accumulation).
     */
    public void setPrecision(MatmulPrecision p) {
        precision = switch (p) {
            case FP32 -> Precision.FP32;
            case TF32 -> Precision.TF32;
            case BF16 -> Precision.BF16;
        };
    }

    /** The current {@link #setPrecision}. */
    public MatmulPrecision precision() {
        return switch (precision) {
            case FP32 -> MatmulPrecision.FP32;
            case TF32 -> MatmulPrecision.TF32;
            case BF16 -> MatmulPrecision.BF16;
        };
    }

    /**
     * Gives cuBLAS a workspace of our own, so it never allocates during a CUDA-graph capture.
     * {@code workspace} must stay allocated while the handle (or any graph using it) lives.
     */
    public void setWorkspace(long workspace, long bytes) {
        try {
            CudaCheck.cublas((int) SET_WORKSPACE.invokeExact(handle, workspace, bytes), "cublasSetWorkspace_v2");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Row-major {@code C = alpha·op(A)·op(B) + beta·C}: C is (m, n) with row stride n; op(A) is
     * (m, k) and op(B) is (k, n). A is stored (m, k) — or (k, m) when {@code transposeA} — and B
     * (k, n) — or (n, k) when {@code transposeB} — each densely in row-major order.
     */
    public void matmul(boolean transposeA, boolean transposeB, int m, int n, int k,
                       float alpha, long a, long b, float beta, long c) {
        checkDims(m, n, k);
        // Column-major view: Cᵀ (n, m) = op(B)ᵀ (n, k) · op(A)ᵀ (k, m). B goes first, m and n swap.
        int ldb = transposeB ? k : n;  // row length of B as stored
        int lda = transposeA ? m : k;  // row length of A as stored
        scalars.set(JAVA_FLOAT, 0, alpha);
        scalars.set(JAVA_FLOAT, 4, beta);
        Precision p = precision;
        try {
            if (p == Precision.FP32) {
                CudaCheck.cublas((int) SGEMM.invokeExact(handle, transposeB ? OP_T : OP_N, transposeA ? OP_T : OP_N, n, m, k,
                        scalars, b, ldb, a, lda, scalars.asSlice(4), c, n), "cublasSgemm_v2");
            } else {
                CudaCheck.cublas((int) GEMM_EX.invokeExact(handle, transposeB ? OP_T : OP_N, transposeA ? OP_T : OP_N, n, m, k,
                        scalars, b, CUDA_R_32F, ldb, a, CUDA_R_32F, lda, scalars.asSlice(4), c, CUDA_R_32F, n,
                        p.computeType, GEMM_DEFAULT), "cublasGemmEx");
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code batch} independent row-major products as in {@link #matmul}; matrix i of A starts at
     * {@code a + i·strideA} floats (strides in elements; 0 shares one matrix across the batch).
     */
    public void matmulBatched(boolean transposeA, boolean transposeB, int m, int n, int k, float alpha,
                              long a, long strideA, long b, long strideB, float beta, long c, long strideC, int batch) {
        matmulBatched(transposeA, transposeB, m, n, k, transposeA ? m : k, transposeB ? k : n, alpha, a, strideA, b, strideB,
                beta, c, strideC, batch);
    }

    /**
     * As {@link #matmulBatched(boolean, boolean, int, int, int, float, long, long, long, long, float, long, long, int)}
     * with the stored row lengths given: A's stored rows are {@code lda} elements apart (at least m when
     * {@code transposeA}, else at least k), B's {@code ldb} apart (at least k when {@code transposeB}, else at least n)
     * — e.g. a range of columns of a wider matrix.
     */
    public void matmulBatched(boolean transposeA, boolean transposeB, int m, int n, int k, int lda, int ldb, float alpha,
                              long a, long strideA, long b, long strideB, float beta, long c, long strideC, int batch) {
        checkDims(m, n, k);
        if (batch <= 0) throw new JmambaException("batch count must be positive; got " + batch);
        if (lda < (transposeA ? m : k) || ldb < (transposeB ? k : n)) {
            throw new JmambaException("matmulBatched: row lengths lda " + lda + ", ldb " + ldb + " below the matrices' widths");
        }
        scalars.set(JAVA_FLOAT, 0, alpha);
        scalars.set(JAVA_FLOAT, 4, beta);
        Precision p = precision;
        try {
            if (p == Precision.FP32) {
                CudaCheck.cublas((int) SGEMM_STRIDED_BATCHED.invokeExact(handle, transposeB ? OP_T : OP_N, transposeA ? OP_T : OP_N,
                        n, m, k, scalars, b, ldb, strideB, a, lda, strideA, scalars.asSlice(4), c, n, strideC, batch),
                        "cublasSgemmStridedBatched");
            } else {
                CudaCheck.cublas((int) GEMM_STRIDED_BATCHED_EX.invokeExact(handle, transposeB ? OP_T : OP_N, transposeA ? OP_T : OP_N,
                        n, m, k, scalars, b, CUDA_R_32F, ldb, strideB, a, CUDA_R_32F, lda, strideA, scalars.asSlice(4),
                        c, CUDA_R_32F, n, strideC, batch, p.computeType, GEMM_DEFAULT), "cublasGemmStridedBatchedEx");
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * As {@link #matmul} with bf16 A and B (device pointers to 16-bit patterns) and a float32 C:
     * cublasGemmEx, CUBLAS_COMPUTE_32F (bf16 products are exact in float32, accumulation in float32).
     * alpha is 1.
     */
    public void matmulBf16(boolean transposeA, boolean transposeB, int m, int n, int k, long a, long b, float beta, long c) {
        matmulBf16(transposeA, transposeB, m, n, k, a, b, beta, c, false);
    }

    /** As {@link #matmulBf16(boolean, boolean, int, int, int, long, long, float, long)}; {@code bf16C}: C is bf16 (the float32 accumulator rounded once). */
    public void matmulBf16(boolean transposeA, boolean transposeB, int m, int n, int k, long a, long b, float beta, long c, boolean bf16C) {
        checkDims(m, n, k);
        int ldb = transposeB ? k : n;
        int lda = transposeA ? m : k;
        scalars.set(JAVA_FLOAT, 0, 1f);
        scalars.set(JAVA_FLOAT, 4, beta);
        try {
            CudaCheck.cublas((int) GEMM_EX.invokeExact(handle, transposeB ? OP_T : OP_N, transposeA ? OP_T : OP_N, n, m, k,
                    scalars, b, CUDA_R_16BF, ldb, a, CUDA_R_16BF, lda, scalars.asSlice(4), c, bf16C ? CUDA_R_16BF : CUDA_R_32F, n,
                    COMPUTE_32F, GEMM_DEFAULT), "cublasGemmEx");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code batch} products as in {@link #matmulBf16}; strides in elements (0 shares one matrix). */
    public void matmulBf16Batched(boolean transposeA, boolean transposeB, int m, int n, int k, long a, long strideA,
                                  long b, long strideB, float beta, long c, long strideC, int batch) {
        matmulBf16Batched(transposeA, transposeB, m, n, k, a, strideA, b, strideB, beta, c, strideC, batch, false);
    }

    /** As the method above; {@code bf16C}: C is bf16 (the float32 accumulator rounded once). */
    public void matmulBf16Batched(boolean transposeA, boolean transposeB, int m, int n, int k, long a, long strideA,
                                  long b, long strideB, float beta, long c, long strideC, int batch, boolean bf16C) {
        checkDims(m, n, k);
        if (batch <= 0) throw new JmambaException("batch count must be positive; got " + batch);
        int ldb = transposeB ? k : n;
        int lda = transposeA ? m : k;
        scalars.set(JAVA_FLOAT, 0, 1f);
        scalars.set(JAVA_FLOAT, 4, beta);
        try {
            CudaCheck.cublas((int) GEMM_STRIDED_BATCHED_EX.invokeExact(handle, transposeB ? OP_T : OP_N, transposeA ? OP_T : OP_N,
                    n, m, k, scalars, b, CUDA_R_16BF, ldb, strideB, a, CUDA_R_16BF, lda, strideA, scalars.asSlice(4),
                    c, bf16C ? CUDA_R_16BF : CUDA_R_32F, n, strideC, batch, COMPUTE_32F, GEMM_DEFAULT), "cublasGemmStridedBatchedEx");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** As {@link #matmul} (no transposes) through cublasGemmEx with the given compute precision. */
    public void matmulEx(Precision precision, int m, int n, int k, float alpha, long a, long b, float beta, long c) {
        checkDims(m, n, k);
        scalars.set(JAVA_FLOAT, 0, alpha);
        scalars.set(JAVA_FLOAT, 4, beta);
        try {
            CudaCheck.cublas((int) GEMM_EX.invokeExact(handle, OP_N, OP_N, n, m, k, scalars, b, CUDA_R_32F, n,
                    a, CUDA_R_32F, k, scalars.asSlice(4), c, CUDA_R_32F, n, precision.computeType, GEMM_DEFAULT), "cublasGemmEx");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void checkDims(int m, int n, int k) {
        if (m <= 0 || n <= 0 || k <= 0) {
            throw new JmambaException("matmul sizes must be positive; got m=" + m + ", n=" + n + ", k=" + k);
        }
    }

    @Override
    public void close() {
        try {
            CudaCheck.cublas((int) DESTROY.invokeExact(handle), "cublasDestroy_v2");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
