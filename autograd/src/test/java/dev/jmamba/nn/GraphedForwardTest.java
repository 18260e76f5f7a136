package dev.jmamba.nn;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * What {@link GraphedForward} refuses before touching a GPU: a CPU input, no warm-up, null arguments,
 * and a replay batch that differs from the static input (checked here on CPU tensors; the replays
 * themselves: vision's GraphedForwardGpuTest).
 */
class GraphedForwardTest {
    @Test
    void refusesACpuInputAndZeroWarmUpBeforeRunningAnything() {
        Tensor x = Tensor.zeros(DType.F32, Device.cpu(), 2, 3, 4, 4);
        int[] ran = {0};
        GraphedForward.Body body = in -> { ran[0]++; return in.sum(); };
        IllegalArgumentException cpu = assertThrows(IllegalArgumentException.class, () -> GraphedForward.capture(x, 1, body));
        assertEquals("GraphedForward: CUDA graphs need the input on a CUDA device, got cpu", cpu.getMessage());
        IllegalArgumentException warmup = assertThrows(IllegalArgumentException.class, () -> GraphedForward.capture(x, 0, body));
        assertTrue(warmup.getMessage().contains("expected at least 1 warm-up forward"), warmup.getMessage());
        assertTrue(warmup.getMessage().endsWith("got 0"), warmup.getMessage());
        assertEquals(0, ran[0], "nothing runs when the set-up is refused");
    }

    @Test
    void refusesNullArguments() {
        Tensor x = Tensor.zeros(DType.F32, Device.cpu(), 1, 1, 2, 2);
        NullPointerException noInput = assertThrows(NullPointerException.class, () -> GraphedForward.capture(null, 1, in -> in));
        assertEquals("GraphedForward: the static input is null", noInput.getMessage());
        NullPointerException noBody = assertThrows(NullPointerException.class, () -> GraphedForward.capture(x, 1, null));
        assertEquals("GraphedForward: the body is null", noBody.getMessage());
        NullPointerException noBatch = assertThrows(NullPointerException.class, () -> GraphedForward.checkBatch(x, null));
        assertEquals("GraphedForward.replay: the batch is null", noBatch.getMessage());
    }

    @Test
    void aBatchOfAnotherShapeOrDtypeIsRefusedNamingBoth() {
        Tensor input = Tensor.zeros(DType.F32, Device.cpu(), 4, 3, 8, 8);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> GraphedForward.checkBatch(input, Tensor.zeros(DType.F32, Device.cpu(), 2, 3, 8, 8)));
        assertEquals("GraphedForward.replay: expected a batch (4, 3, 8, 8) F32 on cpu like the static input,"
                + " got (2, 3, 8, 8) F32 on cpu", shape.getMessage());
        IllegalArgumentException dtype = assertThrows(IllegalArgumentException.class,
                () -> GraphedForward.checkBatch(input, Tensor.zeros(DType.BF16, Device.cpu(), 4, 3, 8, 8)));
        assertEquals("GraphedForward.replay: expected a batch (4, 3, 8, 8) F32 on cpu like the static input,"
                + " got (4, 3, 8, 8) BF16 on cpu", dtype.getMessage());
    }

    @Test
    void aBatchLikeTheInputIsAcceptedWhateverItsStrides() {
        Tensor input = Tensor.zeros(DType.F32, Device.cpu(), 2, 3, 4, 5);
        Tensor permuted = Tensor.zeros(DType.F32, Device.cpu(), 2, 4, 5, 3).permute(0, 3, 1, 2);   // (2, 3, 4, 5), channels last
        assertDoesNotThrow(() -> GraphedForward.checkBatch(input, permuted));
        assertDoesNotThrow(() -> GraphedForward.checkBatch(input, input));
    }
}
