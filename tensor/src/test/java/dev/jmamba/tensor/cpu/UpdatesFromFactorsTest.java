package dev.jmamba.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.TensorException;
import dev.jmamba.tensor.Updates;
import dev.jmamba.tensor.Updates.AdamwFactors;
import dev.jmamba.tensor.Updates.SgdFactors;
import dev.jmamba.tensor.testing.RandomTensors;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fused updates with their factors read from an F64 tensor (the form a replayed CUDA graph
 * uses) against the host-argument form on the same inputs. Tolerance 0, bit for bit: the tensor
 * holds exactly the doubles the host form derives ({@link AdamwFactors#values()}), and both then
 * run the same pass ({@link OptimCpu}), so any difference would be a wiring bug.
 */
class UpdatesFromFactorsTest {
    /** Odd, above the parallel grain (2^15), so blocks, SIMD rows and scalar tails all run. */
    private static final int N = 70_001;

    /** Seeded values in [low, high) of {@code dtype}, a 1-D view starting at element {@code offset} of its storage. */
    private static Tensor values(long seed, int offset, double low, double high, DType dtype) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[N + offset];
        for (int i = 0; i < v.length; i++) v[i] = low + (high - low) * random.nextDouble();
        return RandomTensors.tensor(v, dtype, Device.CPU, N + offset).narrow(0, offset, N);
    }

    private static void assertSameBits(Tensor expected, Tensor actual, String what) {
        if (expected.dtype() == DType.F32) assertArrayEquals(expected.toFloatArray(), actual.toFloatArray(), what);
        else assertArrayEquals(expected.toDoubleArray(), actual.toDoubleArray(), what);
    }

    /** The factors as an (k) F64 tensor at a storage offset (a row of a bigger table, as the optimizer keeps them). */
    private static Tensor factorTensor(double[] values, int row) {
        int k = values.length;
        double[] table = new double[(row + 2) * k];
        System.arraycopy(values, 0, table, row * k, k);
        return Tensor.of(table, row + 2, k).select(0, row);
    }

    @Test
    void adamwFromFactorsEqualsHostArgumentsBitForBit() {
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            for (double wd : new double[] {0, 0.05}) {
                String what = dtype + " wd=" + wd;
                Tensor p = values(1, 0, -1, 1, dtype), g = values(2, 1, -1, 1, dtype), m = values(3, 0, -0.1, 0.1, dtype), v = values(4, 2, 0, 1, dtype);
                Tensor p2 = p.copy(), m2 = m.copy(), v2 = v.copy();
                for (long t = 1; t <= 3; t++) {
                    double lr = 1e-3 * t;   // a changing lr, as a schedule gives
                    double bc1 = 1 - Math.pow(0.9, t), bc2 = 1 - Math.pow(0.999, t);
                    Updates.adamw(p, g, m, v, lr, 0.9, 0.999, 1e-8, wd, bc1, bc2);
                    double[] f = AdamwFactors.derive(lr, 0.9, 0.999, 1e-8, wd, bc1, bc2).values();
                    Updates.adamw(p2, g, m2, v2, factorTensor(f, (int) t));
                }
                assertSameBits(m, m2, what + " exp_avg");
                assertSameBits(v, v2, what + " exp_avg_sq");
                assertSameBits(p, p2, what + " param");
            }
        }
    }

    @Test
    void sgdFromFactorsEqualsHostArgumentsBitForBit() {
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            for (double wd : new double[] {0, 0.01}) {
                for (int variant = 0; variant < 4; variant++) {  // 0: no momentum; 1: momentum; 2: Nesterov; 3: momentum with dampening
                    String what = dtype + " wd=" + wd + " variant " + variant;
                    double momentum = variant == 0 ? 0 : 0.9, dampening = variant == 3 ? 0.25 : 0;
                    boolean nesterov = variant == 2;
                    Tensor p = values(5, 0, -1, 1, dtype), g = values(6, 2, -1, 1, dtype);
                    Tensor buf = variant == 0 ? null : values(7, 0, -1, 1, dtype);
                    Tensor p2 = p.copy(), buf2 = buf == null ? null : buf.copy();
                    for (int step = 0; step < 3; step++) {
                        double lr = 0.05 / (step + 1);
                        boolean first = step == 0 && buf != null;
                        Updates.sgd(p, g, buf, lr, momentum, dampening, wd, nesterov, first);
                        double[] f = SgdFactors.of(p2, g, buf2, lr, momentum, dampening, wd, nesterov, first).values();
                        Updates.sgd(p2, g, buf2, factorTensor(f, step), wd != 0, nesterov, first);
                    }
                    assertSameBits(p, p2, what + " param");
                    if (buf != null) assertSameBits(buf, buf2, what + " momentum_buffer");
                }
            }
        }
    }

    @Test
    void factorValuesRoundTrip() {
        AdamwFactors a = AdamwFactors.derive(3e-4, 0.9, 0.95, 1e-6, 0.05, 0.19, 0.0975);
        assertEquals(a, AdamwFactors.fromValues(a.values()));
        assertEquals(AdamwFactors.COUNT, a.values().length);
        SgdFactors s = SgdFactors.of(Tensor.zeros(3), Tensor.zeros(3), Tensor.zeros(3), 0.1, 0.9, 0.25, 0.01, true, false);
        assertEquals(s, SgdFactors.fromValues(s.values(), true, true, true, false));
        assertEquals(SgdFactors.COUNT, s.values().length);
    }

    @Test
    void badFactorTensorsAreRejectedByName() {
        Tensor p = Tensor.rand(1, 5), g = Tensor.rand(2, 5), m = Tensor.zeros(5), v = Tensor.zeros(5);
        double[] before = p.toDoubleArray();
        TensorException dtype = assertThrows(TensorException.DType.class,
                () -> Updates.adamw(p, g, m, v, Tensor.zeros(AdamwFactors.COUNT)));
        assertTrue(dtype.getMessage().contains("factors of dtype F64"), dtype.getMessage());
        TensorException shape = assertThrows(TensorException.Shape.class,
                () -> Updates.adamw(p, g, m, v, Tensor.zeros(DType.F64, Device.CPU, 7)));
        assertTrue(shape.getMessage().contains("factors of shape (8)"), shape.getMessage());
        TensorException sgdShape = assertThrows(TensorException.Shape.class,
                () -> Updates.sgd(p, g, null, Tensor.zeros(DType.F64, Device.CPU, 2, 4).select(1, 0), false, false, false));
        assertTrue(sgdShape.getMessage().contains("factors of shape (4)") && sgdShape.getMessage().contains("not contiguous"),
                sgdShape.getMessage());
        TensorException missing = assertThrows(TensorException.class, () -> Updates.adamw(p, g, m, v, null));
        assertTrue(missing.getMessage().contains("a factors tensor"), missing.getMessage());
        assertArrayEquals(before, p.toDoubleArray(), "param unchanged after rejected updates");
    }
}
