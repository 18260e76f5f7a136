package dev.jmamba.optim;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Module;
import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.Tensor;

/** Test model: F64 parameters "a" (3) and "b" (2, 1, 2-D) whose gradients the tests set through a loss. */
final class Scalars extends Module {
    final Parameter a, b;

    Scalars(double[] a, double[] b) {
        this.a = param("a", Tensor.of(a, 3));
        this.b = param("b", Tensor.of(b, 2, 1));
    }

    /** Backward of L = Σ ga·a + Σ gb·b, so grad(a) = ga and grad(b) = gb exactly. */
    void setGrads(double[] ga, double[] gb) {
        zeroGrad();
        a.var().mul(Var.of(Tensor.of(ga, 3))).sum().add(b.var().mul(Var.of(Tensor.of(gb, 2, 1))).sum()).backward();
    }
}
