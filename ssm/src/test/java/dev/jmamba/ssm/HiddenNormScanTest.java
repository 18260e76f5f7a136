package dev.jmamba.ssm;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.GradCheck;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link HiddenNormScan} on the CPU, the reference its CUDA kernels are checked against ({@code HiddenNormScanGpuTest}):
 * finite-difference gradients of all nine inputs in float64, and argument errors naming the shapes.
 */
class HiddenNormScanTest {
    private static Tensor randn64(long seed, int... shape) { return Tensor.randn(seed, shape).to(DType.F64); }

    @Test void gradcheckEveryInput() {
        // (B, G, di, L) = (2, 2, 3, 4): u, delta, A (G·di, 1), B, C (B, G, 1, L), D, deltaBias, gamma, beta
        GradCheck.check(v -> HiddenNormScan.apply(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], 1e-5),
                randn64(1, 2, 6, 4), randn64(2, 2, 6, 4).mul(0.5), Tensor.rand(3, 6, 1).to(DType.F64).mul(-1).sub(0.2),
                randn64(4, 2, 2, 1, 4), randn64(5, 2, 2, 1, 4), randn64(6, 6), randn64(7, 6), randn64(8, 3), randn64(9, 3));
        // no gamma, beta; one group
        GradCheck.check(v -> HiddenNormScan.apply(v[0], v[1], v[2], v[3], v[4], v[5], v[6], null, null, 1e-5),
                randn64(11, 1, 4, 5), randn64(12, 1, 4, 5), Tensor.rand(13, 4, 1).to(DType.F64).mul(-1).sub(0.2),
                randn64(14, 1, 1, 1, 5), randn64(15, 1, 1, 1, 5), randn64(16, 4), randn64(17, 4));
    }

    @Test void wrongShapesAreNamed() {
        Var u = Var.of(Tensor.zeros(2, 6, 4)), a = Var.of(Tensor.zeros(6, 1)), bc = Var.of(Tensor.zeros(2, 2, 1, 4)), d = Var.of(Tensor.zeros(6));
        JmambaException e = assertThrows(JmambaException.class,
                () -> HiddenNormScan.apply(u, u, a, bc, Var.of(Tensor.zeros(2, 2, 1, 5)), d, d, null, null, 1e-5));
        assertTrue(e.getMessage().contains("C [2, 2, 1, 5]"), e.getMessage());
        e = assertThrows(JmambaException.class,
                () -> HiddenNormScan.apply(Var.of(Tensor.zeros(6, 4)), u, a, bc, bc, d, d, null, null, 1e-5));
        assertTrue(e.getMessage().contains("u [6, 4]"), e.getMessage());
        e = assertThrows(JmambaException.class,
                () -> HiddenNormScan.apply(u, u, a, bc, bc, d, d, Var.of(Tensor.zeros(6)), null, 1e-5));
        assertTrue(e.getMessage().contains("gamma [6]"), e.getMessage());
    }
}
