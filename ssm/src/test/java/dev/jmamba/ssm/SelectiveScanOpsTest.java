package dev.jmamba.ssm;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.TensorAssert;
import org.junit.jupiter.api.Test;

/**
 * {@link SelectiveScanOps} (autograd ops, a loop over L) against the op {@link SelectiveScan#scan}, whose float64
 * path is the frozen reference kernel with its hand-written backward: outputs and all eight gradients, in float64.
 * Both compute the same sums in a different order, so they agree to rounding: 1e-12 relative to the largest
 * magnitude (float64 u = 1.1e-16, sums of at most a few hundred terms of size ~10).
 */
class SelectiveScanOpsTest {

    private static void compare(Tensor[] in, boolean softplus, boolean withOptional) {
        Var[] a = vars(in, withOptional), b = vars(in, withOptional);
        Var outOps = SelectiveScanOps.scan(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], softplus);
        Var outOp = SelectiveScan.scan(b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], softplus);
        close(outOp.value(), outOps.value(), "out");
        Tensor r = Tensor.random(RandomKind.NORMAL, 9, 0, 1, DType.F64, outOp.device(), outOp.shape());
        outOps.backward(r);
        outOp.backward(r);
        String[] names = {"u", "delta", "A", "B", "C", "D", "z", "deltaBias"};
        for (int i = 0; i < 8; i++) {
            if (b[i] == null) continue;
            close(b[i].grad(), a[i].grad(), "d" + names[i]);
        }
    }

    private static Var[] vars(Tensor[] in, boolean withOptional) {
        Var[] v = new Var[8];
        for (int i = 0; i < 8; i++) {
            boolean optional = i == 5 || i == 6 || i == 7;
            v[i] = optional && !withOptional ? null : Var.param(in[i].copy());
        }
        return v;
    }

    private static void close(Tensor expected, Tensor actual, String what) {
        double scale = 0;
        for (double x : expected.toDoubleArray()) scale = Math.max(scale, Math.abs(x));
        TensorAssert.assertClose(expected, actual, 1e-12 * Math.max(scale, 1), 0, what);
    }

    @Test void groupedWithEveryOptionalInput() {
        compare(SelectiveScanOpTest.inputs(11, 2, 4, 7, 3, 2), true, true);
    }

    @Test void oneGroupAsRank3WithoutOptionalInputsOrSoftplus() {
        Tensor[] in = SelectiveScanOpTest.inputs(12, 1, 3, 6, 2, 0);
        in[1] = in[1].abs().mul(0.1);                        // dt = delta must stay positive without softplus
        compare(in, false, false);
    }
}
