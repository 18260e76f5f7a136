package dev.jmamba.tensor.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import org.junit.jupiter.api.Test;

/**
 * Conformance suite for {@code Backend.residualAdd} (a residual add with drop path's per-sample scale and a folded
 * bias): bit-identical to the three separate float32 ops it replaces, with and without bias and scale, for contiguous
 * and strided inputs (a backend may fall back to the ops there); bad operands named.
 */
public abstract class BackendContractResidualAddTest {
    protected abstract Device device();

    private final RandomTensors rnd = new RandomTensors(4242);

    @Test void equalsTheSeparateOpsBitForBit() {
        int b = 3, h = 5, w = 7, c = 37;
        Tensor x = rnd.uniform(DType.F32, device(), b, h, w, c), y = rnd.uniform(DType.F32, device(), b, h, w, c);
        Tensor bias = rnd.uniform(DType.F32, device(), c);
        Tensor scale = Tensor.of(new double[] {0, 1.25, 1.25}, b).to(DType.F32).to(device());   // drop path: 0 or 1/keep
        for (int variant = 0; variant < 4; variant++) {
            Tensor bb = variant % 2 == 0 ? bias : null, ss = variant < 2 ? scale : null;
            for (boolean strided : new boolean[] {false, true}) {
                Tensor xx = strided ? RandomTensors.nonContiguous(x) : x;
                Tensor branch = bb == null ? y : y.add(bb);
                if (ss != null) branch = branch.mul(ss.reshape(b, 1, 1, 1));
                float[] want = xx.add(branch).toFloatArray();
                float[] got = x.backend().residualAdd(xx, y, bb, ss).toFloatArray();
                assertArrayEquals(want, got, "bias " + (bb != null) + " scale " + (ss != null) + " strided x " + strided);
            }
        }
    }

    @Test void badOperandsAreNamed() {
        Tensor x = rnd.uniform(DType.F32, device(), 2, 3, 4);
        var shape = assertThrows(TensorException.class, () -> x.backend().residualAdd(x, rnd.uniform(DType.F32, device(), 2, 3, 5), null, null));
        assertTrue(shape.getMessage().contains("residualAdd") && shape.getMessage().contains("y of x's shape"), shape.getMessage());
        var scale = assertThrows(TensorException.class, () -> x.backend().residualAdd(x, x, null, rnd.uniform(DType.F32, device(), 3)));
        assertTrue(scale.getMessage().contains("scale of shape (2)"), scale.getMessage());
        var dtype = assertThrows(TensorException.class, () -> x.backend().residualAdd(x, x.to(DType.F64), null, null));
        assertTrue(dtype.getMessage().contains("F32 operands"), dtype.getMessage());
    }
}
