package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import dev.jmamba.tensor.UnaryOp;
import org.junit.jupiter.api.Test;

/**
 * Backend.biasActivationBf16 / activationGradBf16 on the CPU against float64 loops written here: pre = bf16 of the
 * float32 sum x + bias[column], act = bf16 of the float32-rounded double activation of pre (each rounding once, so the
 * results must be bit-identical), gradient = float32 of gy·act'(pre) in double (bit-identical too). Bad arguments get
 * a TensorException naming the op and the argument.
 */
class BiasActivationBf16Test {

    @Test void valuesAreTheRoundedFormulasColumnByColumn() {
        int rows = 5, n = 7;
        Tensor x = Tensor.randn(1, rows, n).mul(2), bias = Tensor.randn(2, n), gy = Tensor.randn(3, rows, n);
        Tensor[] r = Backends.of(Device.CPU).biasActivationBf16(UnaryOp.GELU, x, bias);
        float[] xs = x.toFloatArray(), bs = bias.toFloatArray(), pre = r[0].toFloatArray(), act = r[1].toFloatArray();
        for (int i = 0; i < rows * n; i++) {
            float p = DType.fromBf16(DType.toBf16(xs[i] + bs[i % n]));
            assertEquals(p, pre[i], "pre " + i);
            assertEquals(DType.fromBf16(DType.toBf16((float) UnaryOp.GELU.apply(p, 0, 0))), act[i], "act " + i);
        }
        float[] g = Backends.of(Device.CPU).activationGradBf16(UnaryOp.GELU, r[0], gy).toFloatArray(), gs = gy.toFloatArray();
        for (int i = 0; i < g.length; i++) assertEquals((float) (gs[i] * UnaryOp.GELU.derivative(pre[i], 0, 0)), g[i], "grad " + i);
        assertEquals(DType.BF16, r[0].dtype());
        Tensor[] recomputed = Backends.of(Device.CPU).biasActivationBf16(UnaryOp.GELU, r[0], null);
        assertEquals(0, r[1].maxAbsDiff(recomputed[1]), "the activation recomputed from pre");
    }

    @Test void badArgumentsAreNamed() {
        var cpu = Backends.of(Device.CPU);
        Tensor x = Tensor.randn(1, 3, 4);
        TensorException e = assertThrows(TensorException.class, () -> cpu.biasActivationBf16(UnaryOp.GELU, x, Tensor.randn(2, 5)));
        assertTrue(e.getMessage().contains("biasActivationBf16") && e.getMessage().contains("bias (4)"), e.getMessage());
        e = assertThrows(TensorException.class, () -> cpu.biasActivationBf16(UnaryOp.GELU, x, null));
        assertTrue(e.getMessage().contains("BF16 without a bias"), e.getMessage());
        e = assertThrows(TensorException.class, () -> cpu.biasActivationBf16(UnaryOp.EXP, x, Tensor.randn(2, 4)));
        assertTrue(e.getMessage().contains("gelu"), e.getMessage());
        e = assertThrows(TensorException.class, () -> cpu.activationGradBf16(UnaryOp.GELU, x, x));
        assertTrue(e.getMessage().contains("pre of dtype BF16"), e.getMessage());
    }
}
