package dev.jmamba.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** {@link Var#split} as one node ({@link SplitFunction}) against the narrows it replaces, and finite differences. */
class SplitFunctionTest {

    private static Tensor randn(long seed, int... shape) {
        return Tensor.random(RandomKind.NORMAL, seed, 0, 1, DType.F64, dev.jmamba.tensor.Device.CPU, shape);
    }

    @Test void equalsTheNarrowsExactly() {
        // the pieces feed different ops, one piece twice and one not at all: every gradient element is a single
        // product or a zero, so the one-node backward and the narrows' zero-embed-and-add give the same bits
        Tensor x = randn(1, 3, 9, 4), gout = randn(2, 3, 2, 4);
        Var a = Var.param(x.copy()), b = Var.param(x.copy());
        Var[] p = a.split(1, 2, 3, 4);                                                 // (3, 2 | 3 | 4, 4)
        Var ya = p[0].mul(p[0]).add(p[1].narrow(1, 0, 2).exp());
        Var yb = b.narrow(1, 0, 2).mul(b.narrow(1, 0, 2)).add(b.narrow(1, 2, 3).narrow(1, 0, 2).exp());
        assertArrayEquals(yb.value().toDoubleArray(), ya.value().toDoubleArray());
        ya.backward(gout);
        yb.backward(gout);
        assertArrayEquals(b.grad().toDoubleArray(), a.grad().toDoubleArray());
        double[] g = a.grad().toDoubleArray();
        for (int i = 0; i < 3; i++) {                                                   // the unused piece (rows 5..8) gets zeros
            for (int r = 5; r < 9; r++) for (int c = 0; c < 4; c++) assertEquals(0.0, g[(i * 9 + r) * 4 + c]);
        }
    }

    @Test void piecesAreViewsWithTheirGradients() {
        Tensor x = randn(3, 6, 5);
        Var v = Var.param(x);
        Var[] p = v.split(0, 1, 5);
        assertEquals(2, p.length);
        assertArrayEquals(new int[] {1, 5}, p[0].shape());
        assertArrayEquals(x.narrow(0, 1, 5).toDoubleArray(), p[1].value().toDoubleArray());
        try (var off = Autograd.noGrad()) {
            Var[] q = Var.param(x).split(1, 2, 3);
            assertEquals(false, q[0].requiresGrad());
        }
        assertNull(v.grad());
    }

    @Test void gradientMatchesFiniteDifferences() {
        GradCheck.check(v -> {
            Var[] p = v[0].split(2, 1, 2, 2);                                          // (2, 3, 1 | 2 | 2)
            return p[2].mul(p[1]).add(p[0].square());
        }, randn(4, 2, 3, 5));
    }

    @Test void badSizesAreRefused() {
        Var v = Var.param(randn(5, 4, 3));
        assertThrows(JmambaException.class, () -> v.split(0, 1, 2));
    }
}
