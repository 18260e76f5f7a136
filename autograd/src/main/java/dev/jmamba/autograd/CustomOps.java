package dev.jmamba.autograd;

import dev.jmamba.tensor.Profiler;
import dev.jmamba.tensor.Tensor;

/** Runs {@link CustomFunction}s on Vars and records them as one graph node with several outputs. */
public final class CustomOps {
    private CustomOps() {}

    /**
     * Applies {@code f} to the inputs' values (null inputs are passed as null) and returns one Var
     * per output. When grad mode is on and some input requires a gradient, the outputs share one
     * node whose backward is {@code f.backward}. While the {@link Profiler} runs, forward and backward
     * are timed as {@code <class simple name>} and {@code <class simple name>.backward}.
     */
    public static Var[] apply(CustomFunction f, Var... inputs) {
        Tensor[] values = new Tensor[inputs.length];
        boolean[] needs = new boolean[inputs.length];
        boolean record = false;
        for (int i = 0; i < inputs.length; i++) {
            values[i] = inputs[i] == null ? null : inputs[i].value();
            needs[i] = Autograd.isGradEnabled() && inputs[i] != null && inputs[i].requiresGrad();
            record |= needs[i];
        }
        FunctionContext ctx = new FunctionContext(needs);
        String name = f.getClass().getSimpleName().isEmpty() ? "custom" : f.getClass().getSimpleName();
        Tensor[] outputs;
        try (Profiler.Section s = Profiler.section(name)) {
            outputs = f.forward(ctx, values);
        }
        if (outputs == null || outputs.length == 0) {
            throw new IllegalStateException("CustomOps.apply: expected " + name + ".forward to return at least one tensor, got none");
        }
        Var[] out = new Var[outputs.length];
        Node node = record ? new Node(name, outputs.length, (gys, n) -> backward(f, ctx, gys, name),
                Activations.tensorsIn(ctx.tensors(), f), inputs) : null;
        for (int k = 0; k < outputs.length; k++) out[k] = new Var(outputs[k], node, k);
        return out;
    }

    /** {@code f.backward}, timed as {@code <name>.backward} while the profiler runs. */
    private static Tensor[] backward(CustomFunction f, FunctionContext ctx, Tensor[] gradOutputs, String name) {
        try (Profiler.Section s = Profiler.section(name, ".backward")) {
            return f.backward(ctx, gradOutputs);
        }
    }
}
