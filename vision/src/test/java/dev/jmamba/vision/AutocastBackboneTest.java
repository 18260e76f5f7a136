package dev.jmamba.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Autocast;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Losses;
import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every nano backbone under a bf16 autocast scope (on the CPU: bf16-rounded operands multiplied in
 * float32, the reference of the GPU path): the loss stays within bf16 rounding of the float32 loss,
 * every parameter gets a float32 gradient (nothing bf16 reaches an optimizer), and the gradients
 * point the same way as the float32 ones.
 *
 * <p>Tolerances: each product's operands carry a relative rounding of 2⁻⁹ (half a bf16 unit); through
 * a dozen layers with norms in between the logits move by a few 2⁻⁸ relative, so the loss (≈ ln 10)
 * is compared to 2%; each parameter's gradient must keep a cosine similarity ≥ 0.98 to the float32
 * one (measured here: ≥ 0.9996 on these seeds; 0.98 leaves room for other seeds, a wrong gradient
 * path gives ≤ 0.5). Parameters whose float32 gradient is below 1e-6 of the largest one are
 * numerically zero (measured: a FractalMamba norm bias at 1.5e-8 feeding another norm): an exact
 * cancellation that bf16 rounding breaks — since conv2d is lowered too, the gradient reaching such a
 * bias through a downsampling conv is rounded to bf16 first (relative 2⁻⁹ per element), so the residue
 * is bounded by a bf16 unit of the gradient scale: they must stay below 2⁻⁸ of the largest gradient
 * (measured: FractalMamba-nano levels.2.norm.0.bias moved by 8.3e-5 in absolute terms; a wrong gradient path is of the order of
 * the other gradients, ≥ 1e-2 of the largest).
 */
class AutocastBackboneTest {

    private record Step(double loss, Map<String, Parameter> params, float[][] grads) {}

    private static Step step(Backbone model, Tensor images, boolean bf16) {
        model.train(true);
        model.zeroGrad();
        try (Scope s = Scope.open(); Autocast.Scope cast = bf16 ? Autocast.bf16() : Autocast.disabled()) {
            Var loss = Losses.crossEntropy(model.forward(Var.of(images)), new int[] {1, 4}, 0.0);
            double value = loss.value().item();
            loss.backward();
            Map<String, Parameter> params = model.namedParameters();
            float[][] grads = new float[params.size()][];
            int i = 0;
            for (Parameter p : params.values()) {
                assertEquals(DType.F32, p.grad().dtype(), "parameter gradients stay float32");
                grads[i++] = p.grad().toFloatArray();
            }
            return new Step(value, params, grads);
        }
    }

    private static double norm(float[] g) {
        double s = 0;
        for (float v : g) s += (double) v * v;
        return Math.sqrt(s);
    }

    @Test
    void everyFamilyTrainsUnderBf16Autocast() {
        for (String name : new String[] {"vim-nano", "vmamba-nano", "fractalmamba-nano", "localmamba-nano", "globalmamba-nano"}) {
            Backbone model = Backbones.config(name).build(new ModelSpec(10, 28, 1, 5L));
            Tensor images = Tensor.randn(9, 2, 1, 28, 28);
            Step fp32 = step(model, images, false), bf16 = step(model, images, true);
            assertEquals(fp32.loss, bf16.loss, 0.02 * Math.abs(fp32.loss), name + ": loss");
            assertTrue(fp32.loss != bf16.loss, name + ": the bf16 step really rounds");
            String[] names = fp32.params.keySet().toArray(new String[0]);
            double largest = 0;
            for (float[] g : fp32.grads) largest = Math.max(largest, norm(g));
            for (int i = 0; i < fp32.grads.length; i++) {
                double dot = 0, na = 0, nb = 0;
                for (int j = 0; j < fp32.grads[i].length; j++) {
                    dot += (double) fp32.grads[i][j] * bf16.grads[i][j];
                    na += (double) fp32.grads[i][j] * fp32.grads[i][j];
                    nb += (double) bf16.grads[i][j] * bf16.grads[i][j];
                }
                double diff = Math.sqrt(Math.max(0, na + nb - 2 * dot));
                if (Math.sqrt(na) < 1e-6 * largest) {
                    // numerically zero (e.g. a norm's bias right before another normalisation): only noise to compare
                    assertTrue(diff < 0x1p-8 * largest, name + ": " + names[i] + " should stay ~0, moved by " + diff / largest
                            + " of the largest gradient");
                    continue;
                }
                double cosine = dot / Math.sqrt(na * nb);
                assertTrue(cosine >= 0.98, name + ": gradient of " + names[i] + " cosine " + cosine);
            }
        }
    }
}
