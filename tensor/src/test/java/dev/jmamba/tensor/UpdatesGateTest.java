package dev.jmamba.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/**
 * A step called off on the device: a NaN step size (AdamW) or lr (SGD) in a factors tensor leaves
 * the parameter and its state untouched even when the gradient is NaN; the same factors with a
 * finite value update as usual (the unchanged case would pass a test that never ran the update).
 */
class UpdatesGateTest {

    @Test
    void nanStepSizeLeavesAdamwParamAndStateUntouched() {
        Tensor p = Tensor.rand(1, 5, 3), g = Tensor.full(Double.NaN, DType.F32, Device.CPU, 5, 3), m = Tensor.rand(2, 5, 3), v = Tensor.rand(3, 5, 3);
        double[] f = Updates.AdamwFactors.derive(1e-2, 0.9, 0.999, 1e-8, 0.05, 0.1, 0.001).values();
        double[] p0 = p.toDoubleArray(), m0 = m.toDoubleArray(), v0 = v.toDoubleArray();
        double[] off = f.clone();
        off[Updates.AdamwFactors.STEP_SIZE] = Double.NaN;
        Updates.adamw(p, g, m, v, Tensor.of(off, off.length));
        assertArrayEquals(p0, p.toDoubleArray());
        assertArrayEquals(m0, m.toDoubleArray());
        assertArrayEquals(v0, v.toDoubleArray());
        Tensor finiteGrad = Tensor.rand(4, 5, 3);
        Updates.adamw(p, finiteGrad, m, v, Tensor.of(f, f.length));
        assertFalse(java.util.Arrays.equals(p0, p.toDoubleArray()), "a finite step size updates");
    }

    @Test
    void nanLrLeavesSgdParamAndBufferUntouched() {
        Tensor p = Tensor.rand(1, 7), g = Tensor.full(Double.NaN, DType.F32, Device.CPU, 7), buf = Tensor.rand(2, 7);
        double[] f = Updates.SgdFactors.of(p, Tensor.rand(3, 7), buf, 0.1, 0.9, 0, 0.01, false, false).values();
        double[] p0 = p.toDoubleArray(), b0 = buf.toDoubleArray();
        double[] off = f.clone();
        off[Updates.SgdFactors.LR] = Double.NaN;
        Updates.sgd(p, g, buf, Tensor.of(off, off.length), true, false, false);
        assertArrayEquals(p0, p.toDoubleArray());
        assertArrayEquals(b0, buf.toDoubleArray());
        Updates.sgd(p, Tensor.rand(3, 7), buf, Tensor.of(f, f.length), true, false, false);
        assertFalse(java.util.Arrays.equals(p0, p.toDoubleArray()), "a finite lr updates");
    }
}
