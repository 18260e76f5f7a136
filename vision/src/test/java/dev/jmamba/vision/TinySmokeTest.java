package dev.jmamba.vision;

import dev.jmamba.autograd.Autograd;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each published-size preset runs a forward pass at 224 with batch 1 (inference mode) and gives finite logits. */
class TinySmokeTest {

    static List<String> tinies() { return Backbones.names().stream().filter(n -> n.endsWith("-tiny")).toList(); }

    @ParameterizedTest
    @MethodSource("tinies")
    void forwardAt224(String name) {
        Backbone m = Backbones.create(name, 1000, 224, 3, 1L);
        m.eval();
        try (var g = Autograd.noGrad()) {
            Tensor logits = m.forward(Var.of(Tensor.randn(4, 1, 3, 224, 224))).value();
            assertArrayEquals(new int[] {1, 1000}, logits.shape());
            for (float f : logits.toFloatArray()) assertTrue(Float.isFinite(f), name);
        }
    }
}
