package dev.jmamba.vision;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Losses;
import dev.jmamba.nn.Parameter;
import dev.jmamba.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The isotropic families (Vim, LocalVim, GlobalMamba) run every add → RMSNorm as one fused op;
 * with {@code fusedResidualNorm} off they run add, then RMSNorm. Both must give the same logits and
 * parameter gradients, in training mode (drop path on) and at two resolutions.
 */
class FusedResidualNormTest {

    static List<String> isotropicNanos() {
        return Backbones.names().stream().filter(n -> n.endsWith("-nano"))
                .filter(n -> Backbones.create(n, 10, 28, 1, 1L) instanceof IsotropicNet).toList();
    }

    /**
     * Tolerances: the fused forward adds and normalises exactly as the unfused ops do (same rounded
     * F32 sum, same double row sums), so logits agree to 1e-6 (observed: identical). The fused
     * backward works in double where the unfused one rounds to F32 after each of five ops; through
     * the network that changes gradients by F32 noise, observed ≤ 1.5e-6 of each parameter's largest
     * gradient, so 2e-5 of it (+1e-9 for all-but-zero gradients).
     */
    @ParameterizedTest
    @MethodSource("isotropicNanos")
    void fusedAndUnfusedResidualNormAgree(String name) {
        for (int side : new int[] {28, 32}) {
            IsotropicNet fused = (IsotropicNet) Backbones.create(name, 10, 28, 1, 5L);
            IsotropicNet unfused = (IsotropicNet) Backbones.create(name, 10, 28, 1, 5L);
            unfused.fusedResidualNorm = false;
            Tensor images = Tensor.randn(side, 3, 1, side, side);
            float[] a = step(fused, images), b = step(unfused, images);
            double logitErr = 0;
            for (int i = 0; i < a.length; i++) logitErr = Math.max(logitErr, Math.abs(a[i] - b[i]));
            assertTrue(logitErr <= 1e-6, name + " at " + side + ": logits differ by " + logitErr);
            Map<String, Parameter> pf = fused.namedParameters(), pu = unfused.namedParameters();
            for (Map.Entry<String, Parameter> e : pu.entrySet()) {
                float[] gu = e.getValue().grad().toFloatArray(), gf = pf.get(e.getKey()).grad().toFloatArray();
                double scale = 0, err = 0;
                for (int i = 0; i < gu.length; i++) {
                    scale = Math.max(scale, Math.abs(gu[i]));
                    err = Math.max(err, Math.abs(gu[i] - gf[i]));
                }
                assertTrue(err <= 2e-5 * scale + 1e-9,
                        name + " at " + side + ": gradient of " + e.getKey() + " differs by " + err + " (largest entry " + scale + ")");
            }
        }
    }

    /** One training-mode forward + backward; returns the logits. */
    private static float[] step(IsotropicNet model, Tensor images) {
        model.train(true);
        Var logits = model.forward(Var.of(images));
        Losses.crossEntropy(logits, new int[] {1, 4, 9}, 0.1).backward();
        return logits.value().toFloatArray();
    }
}
