package dev.jmamba.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The product names of {@code jmamba.profile.matmuls=detail}: batch dims, m×k·k×n, each operand's layout. */
class ProfilingMatmulNameTest {

    @Test void productsAreNamedByShapeAndLayout() {
        Tensor a = Tensor.randn(1, 4, 6), b = Tensor.randn(2, 6, 5);
        assertEquals("matmul 4×6·6×5 nn", ProfilingBackend.matmulName("matmul", a, b));
        assertEquals("matmul 5×6·6×4 tt", ProfilingBackend.matmulName("matmul", b.transpose(0, 1), a.transpose(0, 1)));
        // (1, 160, 80) weight rows against a (B, 80, L) transposed view of channels-last tokens: batch broadcast to B
        Tensor w = Tensor.randn(3, 1, 16, 8), x = Tensor.randn(4, 3, 10, 8).transpose(1, 2);
        assertEquals("matmul[3] 16×8·8×10 nt", ProfilingBackend.matmulName("matmul", w, x));
        // a column slice of a wider matrix is neither dense layout: copied before the GEMM
        Tensor wide = Tensor.randn(5, 4, 12).narrow(1, 2, 6);
        assertEquals("matmul_bf16_result 4×6·6×5 sn", ProfilingBackend.matmulName("matmul_bf16_result", wide, b));
    }
}
