package dev.jmamba.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import org.junit.jupiter.api.Test;

/**
 * {@link Var#matmulToActivation}: outside autocast exactly {@link Var#matmul}; under a bf16 scope a bf16 result equal
 * (bit for bit, on the CPU whose default rounds the float32 product) to the lowered matmul's float32 result rounded
 * once, and gradients — float32, from the same lowered rule — equal to the lowered matmul's. Shapes as SS2D's Δ:
 * (1, K, d, R) @ (B, K, R, L).
 */
class MatmulToActivationTest {
    private static Tensor values(long seed, int... shape) { return Tensor.randn(seed, shape); }

    private record Run(Var y, Var w, Var x) {}

    private static Run run(boolean toActivation, boolean scoped, Tensor gy) {
        Var w = Var.of(values(1, 1, 3, 8, 5)).requiresGrad(true), x = Var.of(values(2, 2, 3, 5, 7)).requiresGrad(true);
        Var y;
        try (var scope = scoped ? Autocast.bf16() : Autocast.disabled()) {
            y = toActivation ? w.matmulToActivation(x) : w.matmul(x);
        }
        y.backward(gy);
        return new Run(y, w, x);
    }

    @Test void underBf16TheProductIsRoundedOnceAndTheGradientsAreTheLoweredProducts() {
        Tensor gy = values(3, 2, 3, 8, 7);
        Run act = run(true, true, gy), mm = run(false, true, gy);
        assertEquals(DType.BF16, act.y.dtype(), "a bf16 result");
        assertEquals(DType.F32, mm.y.dtype());
        assertArrayEquals(mm.y.value().to(DType.BF16).toFloatArray(), act.y.value().toFloatArray(), "the float32 product rounded once");
        assertArrayEquals(mm.w.grad().toFloatArray(), act.w.grad().toFloatArray(), "dw");
        assertArrayEquals(mm.x.grad().toFloatArray(), act.x.grad().toFloatArray(), "dx");
        assertEquals(DType.F32, act.x.grad().dtype(), "float32 gradients");
    }

    @Test void outsideAutocastItIsMatmul() {
        Tensor gy = values(4, 2, 3, 8, 7);
        Run act = run(true, false, gy), mm = run(false, false, gy);
        assertEquals(DType.F32, act.y.dtype());
        assertArrayEquals(mm.y.value().toFloatArray(), act.y.value().toFloatArray());
        assertArrayEquals(mm.w.grad().toFloatArray(), act.w.grad().toFloatArray());
        assertArrayEquals(mm.x.grad().toFloatArray(), act.x.grad().toFloatArray());
    }

    @Test void theBackendOpNamesNonBf16Operands() {
        Tensor a = values(5, 2, 3);
        var e = assertThrows(TensorException.class, () -> a.backend().matmulBf16Result(a, a.transpose(0, 1)));
        assertTrue(e.getMessage().contains("matmulBf16Result") && e.getMessage().contains("BF16"), e.getMessage());
    }
}
