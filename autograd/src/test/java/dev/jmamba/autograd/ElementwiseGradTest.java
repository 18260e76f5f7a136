package dev.jmamba.autograd;

import static dev.jmamba.autograd.Fixtures.op;
import static dev.jmamba.autograd.Fixtures.positive;
import static dev.jmamba.autograd.Fixtures.randn;
import static dev.jmamba.autograd.Fixtures.transposed;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jmamba.tensor.Tensor;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Gradchecks of element-wise ops (default tolerances, see {@link GradCheck#check(Function, Tensor...)})
 * on contiguous and transposed (non-contiguous) inputs, and of broadcasting binary ops.
 */
class ElementwiseGradTest {

    /** name, op, whether the op needs positive inputs. */
    static Stream<Arguments> unaryOps() {
        return Stream.of(
                Arguments.of("neg", (Function<Var, Var>) Var::neg, false),
                Arguments.of("exp", (Function<Var, Var>) Var::exp, false),
                Arguments.of("log", (Function<Var, Var>) Var::log, true),
                Arguments.of("sqrt", (Function<Var, Var>) Var::sqrt, true),
                Arguments.of("rsqrt", (Function<Var, Var>) Var::rsqrt, true),
                Arguments.of("tanh", (Function<Var, Var>) Var::tanh, false),
                Arguments.of("sigmoid", (Function<Var, Var>) Var::sigmoid, false),
                Arguments.of("silu", (Function<Var, Var>) Var::silu, false),
                Arguments.of("gelu", (Function<Var, Var>) Var::gelu, false),
                Arguments.of("geluTanh", (Function<Var, Var>) Var::geluTanh, false),
                Arguments.of("softplus", (Function<Var, Var>) Var::softplus, false),
                // beta 2, threshold 1: both the log1p(exp) branch and the linear branch (x > 0.5) occur
                Arguments.of("softplus(2,1)", (Function<Var, Var>) v -> v.mul(2).softplus(2, 1), false),
                Arguments.of("abs", (Function<Var, Var>) Var::abs, false),
                Arguments.of("clamp", (Function<Var, Var>) v -> v.clamp(-0.5, 0.7), false),
                Arguments.of("relu", (Function<Var, Var>) Var::relu, false),
                Arguments.of("square", (Function<Var, Var>) Var::square, false),
                Arguments.of("pow(3)", (Function<Var, Var>) v -> v.pow(3), false),
                Arguments.of("pow(-1.5)", (Function<Var, Var>) v -> v.pow(-1.5), true),
                Arguments.of("reciprocal", (Function<Var, Var>) Var::reciprocal, true),
                Arguments.of("sin", (Function<Var, Var>) Var::sin, false),
                Arguments.of("cos", (Function<Var, Var>) Var::cos, false),
                Arguments.of("log1p", (Function<Var, Var>) Var::log1p, true),
                Arguments.of("expm1", (Function<Var, Var>) Var::expm1, false),
                Arguments.of("add(s)", (Function<Var, Var>) v -> v.add(1.5), false),
                Arguments.of("sub(s)", (Function<Var, Var>) v -> v.sub(0.25), false),
                Arguments.of("mul(s)", (Function<Var, Var>) v -> v.mul(-3), false),
                Arguments.of("div(s)", (Function<Var, Var>) v -> v.div(4), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unaryOps")
    void unaryContiguous(String name, Function<Var, Var> f, boolean positiveOnly) {
        GradCheck.check(op(f), positiveOnly ? positive(11, 3, 4) : randn(11, 3, 4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unaryOps")
    void unaryTransposed(String name, Function<Var, Var> f, boolean positiveOnly) {
        Tensor x = positiveOnly ? positive(12, 5, 3).transpose(0, 1) : transposed(12, 3, 5);
        GradCheck.check(op(f), x);
    }

    static Stream<Arguments> binaryOps() {
        return Stream.of(
                Arguments.of("add", (Function<Var[], Var>) v -> v[0].add(v[1]), false),
                Arguments.of("sub", (Function<Var[], Var>) v -> v[0].sub(v[1]), false),
                Arguments.of("mul", (Function<Var[], Var>) v -> v[0].mul(v[1]), false),
                Arguments.of("div", (Function<Var[], Var>) v -> v[0].div(v[1]), true),
                Arguments.of("pow", (Function<Var[], Var>) v -> v[0].pow(v[1]), true),
                Arguments.of("maximum", (Function<Var[], Var>) v -> v[0].maximum(v[1]), false),
                Arguments.of("minimum", (Function<Var[], Var>) v -> v[0].minimum(v[1]), false));
    }

    /** (3, 1, 4) op (5, 4) → (3, 5, 4): each gradient is summed back to its input's shape. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("binaryOps")
    void binaryBroadcast(String name, Function<Var[], Var> f, boolean positiveOnly) {
        Tensor a = positiveOnly ? positive(21, 3, 1, 4) : randn(21, 3, 1, 4);
        Tensor b = positiveOnly ? positive(22, 5, 4) : randn(22, 5, 4);
        GradCheck.check(f, a, b);
        GradCheck.check(f, b, a);
    }

    /** Same-shape operands, one transposed and one sliced (both non-contiguous). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("binaryOps")
    void binaryNonContiguous(String name, Function<Var[], Var> f, boolean positiveOnly) {
        Tensor a = positiveOnly ? positive(23, 4, 3).transpose(0, 1) : transposed(23, 3, 4);
        Tensor b = positiveOnly ? positive(24, 3, 9).slice(1, 0, 8, 2) : Fixtures.sliced(24, 3, 4);
        GradCheck.check(f, a, b);
    }

    @Test
    void whereRoutesTheGradientByTheMask() {
        Tensor cond = Tensor.random(dev.jmamba.tensor.RandomKind.UNIFORM, 31, 0, 1, dev.jmamba.tensor.DType.F64,
                dev.jmamba.tensor.Device.CPU, 3, 1, 4).gt(Tensor.scalar(0.5, dev.jmamba.tensor.DType.F64, dev.jmamba.tensor.Device.CPU));
        GradCheck.check(v -> Var.where(cond, v[0], v[1]), transposed(32, 5, 4), randn(33, 3, 5, 1)); // → (3, 5, 4)
    }

    /** At a tie of maximum/minimum each side gets half (exact); at 0, abs and relu pass 0 and clamp passes 1. */
    @Test
    void tiesAndKinksFollowTheDocumentedConventions() {
        Var a = Var.param(Tensor.of(new double[] {1, 2, 3}, 3));
        Var b = Var.param(Tensor.of(new double[] {1, 5, 0}, 3));
        a.maximum(b).sum().backward();
        assertArrayEquals(new double[] {0.5, 0, 1}, a.grad().toDoubleArray());
        assertArrayEquals(new double[] {0.5, 1, 0}, b.grad().toDoubleArray());
        a.zeroGrad();
        b.zeroGrad();
        a.minimum(b).sum().backward();
        assertArrayEquals(new double[] {0.5, 1, 0}, a.grad().toDoubleArray());
        assertArrayEquals(new double[] {0.5, 0, 1}, b.grad().toDoubleArray());

        Var z = Var.param(Tensor.of(new double[] {0, -1, 1}, 3));
        z.abs().add(z.relu()).add(z.clamp(0, 1)).sum().backward();
        assertArrayEquals(new double[] {0 + 0 + 1, -1 + 0 + 0, 1 + 1 + 1}, z.grad().toDoubleArray());

        Var g = Var.param(Tensor.of(new double[] {0}, 1));
        g.gelu().sum().backward();
        assertArrayEquals(new double[] {0.5}, g.grad().toDoubleArray(), 1e-15);
    }
}
