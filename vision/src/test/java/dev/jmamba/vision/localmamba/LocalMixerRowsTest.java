package dev.jmamba.vision.localmamba;

import static dev.jmamba.ssm.testing.BlockTestSupport.randomF64;

import dev.jmamba.autograd.Var;
import dev.jmamba.ssm.testing.BlockTestSupport;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.TokenLayout;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link LocalMixer#forward} (the K directions batched on channel-major rows; the path every device runs) against
 * {@link LocalMixer#forwardReference} (per direction, as the spec): output, input gradient and every parameter gradient.
 */
class LocalMixerRowsTest {

    @Test void batchedRowsEqualThePerDirectionFormulation() {
        // float64 on the CPU: equal to rounding (1e-10 of each result's largest magnitude: the same sums in other orders)
        Object[][] cases = {
                {2, 4, 4, 16, List.of("h", "v_flip", "w2", "w2_flip")},   // B, h, w, D, directions
                {3, 3, 5, 8, List.of("h_flip", "v", "w7")},               // windows that do not divide the grid
                {1, 2, 3, 8, List.of("v")}};
        for (Object[] c : cases) {
            int b = (int) c[0], h = (int) c[1], w = (int) c[2], dim = (int) c[3];
            @SuppressWarnings("unchecked") List<String> dirs = (List<String>) c[4];
            LocalMixer mixer = new LocalMixer(dim, 4, 2, 4, dirs, 71);
            BlockTestSupport.f64(mixer);
            TokenLayout layout = TokenLayout.plain(h, w);
            Tensor x = randomF64(72, b, h * w, dim), gout = randomF64(73, b, h * w, dim);
            Var x1 = Var.param(x.copy()), x2 = Var.param(x.copy());
            Var y1 = mixer.forward(x1, layout);
            y1.backward(gout);
            Map<String, Tensor> g1 = new HashMap<>();
            mixer.namedParameters().forEach((k, p) -> g1.put(k, p.var().grad().copy()));
            mixer.zeroGrad();
            Var y2 = mixer.forwardReference(x2, layout);
            y2.backward(gout);
            close("out " + dirs, y2.value(), y1.value());
            close("dx " + dirs, x2.grad(), x1.grad());
            mixer.namedParameters().forEach((k, p) -> close("d" + k + " " + dirs, p.var().grad(), g1.get(k)));
        }
    }

    private static void close(String what, Tensor expected, Tensor actual) {
        double scale = 0;
        for (double v : expected.toDoubleArray()) scale = Math.max(scale, Math.abs(v));
        dev.jmamba.tensor.testing.TensorAssert.assertClose(expected, actual, 1e-10 * Math.max(scale, 1e-12), 0, what);
    }
}
