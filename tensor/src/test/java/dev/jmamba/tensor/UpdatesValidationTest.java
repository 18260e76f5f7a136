package dev.jmamba.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad operands of the fused updates: one clear exception naming the operand, and nothing written. */
class UpdatesValidationTest {
    private static Tensor f32(int... shape) { return Tensor.rand(1, shape); }

    private static void rejects(Class<? extends TensorException> type, String[] fragments, Tensor untouched, Executable call) {
        double[] before = untouched.toDoubleArray();
        TensorException e = assertThrows(type, call);
        for (String fragment : fragments) assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
        assertArrayEquals(before, untouched.toDoubleArray(), "param unchanged after a rejected update");
    }

    private static void adamw(Tensor p, Tensor g, Tensor m, Tensor v) {
        Updates.adamw(p, g, m, v, 1e-3, 0.9, 0.999, 1e-8, 0, 0.1, 0.001);
    }

    @Test
    void adamwRejectsBadOperands() {
        Tensor p = f32(4, 6);
        rejects(TensorException.class, new String[] {"adamwUpdate", "contiguous grad"}, p,
                () -> adamw(p, f32(6, 4).transpose(0, 1), f32(4, 6), f32(4, 6)));
        rejects(TensorException.DType.class, new String[] {"adamwUpdate", "expAvg of param's dtype F32", "F64"}, p,
                () -> adamw(p, f32(4, 6), f32(4, 6).to(DType.F64), f32(4, 6)));
        rejects(TensorException.Shape.class, new String[] {"adamwUpdate", "expAvgSq of param's shape (4, 6)", "(24,)"}, p,
                () -> adamw(p, f32(4, 6), f32(4, 6), f32(24)));
        rejects(TensorException.class, new String[] {"adamwUpdate", "a expAvg tensor", "null"}, p,
                () -> adamw(p, f32(4, 6), null, f32(4, 6)));
        rejects(TensorException.class, new String[] {"adamwUpdate", "bias corrections"}, p,
                () -> Updates.adamw(p, f32(4, 6), f32(4, 6), f32(4, 6), 1e-3, 0.9, 0.999, 1e-8, 0, 0, 0.001));
        Tensor ints = Tensor.of(new int[] {1, 2}, 2);
        rejects(TensorException.DType.class, new String[] {"adamwUpdate", "param of dtype F32 or F64", "I32"}, ints,
                () -> adamw(ints, ints, ints, ints));
        Tensor strided = f32(6, 4).transpose(0, 1);
        rejects(TensorException.class, new String[] {"adamwUpdate", "contiguous param"}, strided,
                () -> adamw(strided, f32(4, 6), f32(4, 6), f32(4, 6)));
    }

    @Test
    void adamwRejectsAClosedScopesTensor() {
        Tensor p = f32(3);
        Tensor[] dead = new Tensor[1];
        try (Scope s = Scope.open()) { dead[0] = f32(3); }
        rejects(TensorException.class, new String[] {"adamwUpdate", "closed"}, p, () -> adamw(p, dead[0], f32(3), f32(3)));
    }

    @Test
    void sgdRejectsBadOperands() {
        Tensor p = f32(5);
        rejects(TensorException.class, new String[] {"sgdUpdate", "momentumBuf when momentum", "0.9"}, p,
                () -> Updates.sgd(p, f32(5), null, 0.1, 0.9, 0, 0, false, false));
        rejects(TensorException.Shape.class, new String[] {"sgdUpdate", "momentumBuf of param's shape (5,)", "(6,)"}, p,
                () -> Updates.sgd(p, f32(5), f32(6), 0.1, 0.9, 0, 0, false, false));
        rejects(TensorException.DType.class, new String[] {"sgdUpdate", "grad of param's dtype F32", "F64"}, p,
                () -> Updates.sgd(p, f32(5).to(DType.F64), null, 0.1, 0, 0, 0, false, false));
    }
}
