package dev.jmamba.autograd;

import dev.jmamba.tensor.Tensor;

/**
 * An op with a hand-written backward (fused kernels: ssm and scan-curves ship theirs this way).
 * Apply it with {@link CustomOps#apply}. Example, a fused x·sigmoid(x):
 *
 * <pre>{@code
 * CustomFunction silu = new CustomFunction() {
 *     public Tensor[] forward(FunctionContext ctx, Tensor... in) {
 *         ctx.save(in[0]);
 *         return new Tensor[] {in[0].mul(in[0].sigmoid())};
 *     }
 *     public Tensor[] backward(FunctionContext ctx, Tensor... gy) {
 *         Tensor x = ctx.saved()[0], s = x.sigmoid();
 *         return new Tensor[] {gy[0].mul(s.mul(x.mul(s.neg().add(1)).add(1)))};
 *     }
 * };
 * }</pre>
 */
public interface CustomFunction {
    /** Computes the outputs from the input values (null for absent optional inputs); may save tensors in ctx. */
    Tensor[] forward(FunctionContext ctx, Tensor... inputs);

    /**
     * Given d(loss)/d(outputs) (a null entry: that output got no gradient, treat it as zeros),
     * returns d(loss)/d(inputs), one entry per input with the input's shape; null is allowed
     * where {@link FunctionContext#needsInputGrad} is false.
     */
    Tensor[] backward(FunctionContext ctx, Tensor... gradOutputs);
}
