package dev.jmamba.optim;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.nn.Linear;
import dev.jmamba.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@link GraphedStep} refuses before touching a GPU (the replay itself: GraphedStepGpuTest). */
class GraphedStepTest {
    @Test
    void refusesCpuParametersAndZeroWarmUp() {
        Linear layer = new Linear(3, 2, true, 1);
        AdamW opt = new AdamW(ParamGroups.all(layer, 0), 1e-3);
        int[] ran = {0};
        GraphedStep.Body body = () -> { ran[0]++; return Tensor.zeros(); };
        IllegalArgumentException cpu = assertThrows(IllegalArgumentException.class, () -> GraphedStep.capture(opt, List.of(), 1, body));
        assertTrue(cpu.getMessage().contains("CUDA graphs need the parameters on a CUDA device, got cpu"), cpu.getMessage());
        IllegalArgumentException warmup = assertThrows(IllegalArgumentException.class, () -> GraphedStep.capture(opt, List.of(), 0, body));
        assertTrue(warmup.getMessage().contains("at least 1 warm-up step"), warmup.getMessage());
        assertTrue(ran[0] == 0, "nothing runs when the set-up is refused");
        assertFalse(opt.usesDeviceFactors());
    }
}
