package dev.jmamba.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Autocast;
import dev.jmamba.autograd.Autograd;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.GraphedForward;
import dev.jmamba.tensor.Backend;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.MatmulPrecision;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Inference forwards of registry backbones (vim-nano, vmamba-nano) captured in a CUDA graph
 * ({@link GraphedForward}) and replayed on two different batches one after the other, against the
 * same forwards run eagerly, in fp32 and in bf16 with the settings of {@code --precision bf16}
 * (autocast's accelerator default: the weights' bf16 copies are made inside the captured region,
 * their blocks held for the graph).
 *
 * <p>Tolerance 0, bit for bit: a replay runs the very kernels the eager forward queues, with the same
 * arguments, on the same data (the inference forward has no atomics; cuBLAS is bit-reproducible on one
 * GPU with one workspace), and the result is copied exactly. Two eager forwards of one batch are
 * compared first, so a kernel that is not bit-reproducible fails with that message rather than as a
 * replay mismatch; the two batches must give different logits (the static input really is re-read),
 * and in bf16 the logits must differ from fp32 ones (autocast really ran inside the capture).
 */
@Tag("gpu")
class GraphedForwardGpuTest {
    private static final Device GPU = Device.cuda(0);
    private static final int B = 4, SIDE = 32, CLASSES = 10, WARMUP = 2;

    @BeforeAll
    static void requireCuda() {
        Assumptions.assumeTrue(Backends.isAvailable(GPU), "no CUDA device: gpu test skipped");
    }

    private static Backbone model(String name) {
        Backbone net = Backbones.create(name, CLASSES, SIDE, 3, 17L);
        net.to(GPU);
        net.eval();
        return net;
    }

    /** Batch s: images (B, 3, SIDE, SIDE) F32 on the GPU, outside any scope. */
    private static Tensor images(int s) {
        return Scope.unowned(() -> Tensor.random(RandomKind.NORMAL, 900 + s, 0, 1, DType.F32, GPU, B, 3, SIDE, SIDE));
    }

    /** Logits (B, CLASSES) of images (B, 3, SIDE, SIDE): the body given to the graph. */
    private static Tensor logits(Backbone net, Tensor images) {
        return net.forward(Var.of(images)).value();
    }

    private static double[] eager(Backbone net, Tensor images) {
        try (Scope s = Scope.open(); var g = Autograd.noGrad()) {
            return logits(net, images).toDoubleArray();
        }
    }

    /** Runs {@code body} with the settings of {@code --precision bf16} when {@code bf16}, then back to fp32. */
    private static void inPrecision(boolean bf16, Runnable body) {
        Backend backend = Backends.raw(GPU);
        if (bf16) {
            backend.setMatmulPrecision(MatmulPrecision.BF16);
            Autocast.setAcceleratorDefault(DType.BF16);
        }
        try {
            body.run();
        } finally {
            backend.setMatmulPrecision(MatmulPrecision.FP32);
            Autocast.setAcceleratorDefault(null);
        }
    }

    private static void replaysEqualEagerForwards(String name, boolean bf16) {
        Backbone net = model(name);
        Tensor a = images(1), b = images(2), x = images(0);     // x: the static input, batch 0 during the warm-up
        double[] fp32 = eager(net, a);
        inPrecision(bf16, () -> {
            String what = name + (bf16 ? " bf16" : " fp32");
            double[] ea = eager(net, a), eb = eager(net, b);
            assertArrayEquals(ea, eager(net, a), 0, "two eager forwards of " + what + " differ: a kernel is not bit-reproducible");
            assertFalse(Arrays.equals(ea, eb), what + ": the two batches give the same logits");
            if (bf16) assertFalse(Arrays.equals(ea, fp32), what + ": the logits equal the fp32 ones (autocast did not run)");
            try (GraphedForward graphed = GraphedForward.capture(x, WARMUP, in -> logits(net, in))) {
                assertEquals(DType.F32, graphed.output().dtype(), what + ": logits stay float32 under autocast");
                graphed.replay(a);
                assertArrayEquals(ea, graphed.output().toDoubleArray(), 0, what + ": replay of batch a");
                graphed.replay(b);
                assertArrayEquals(eb, graphed.output().toDoubleArray(), 0, what + ": replay of batch b after a");
                graphed.replay(a);
                graphed.replay(b);                               // queued back to back: b's copy waits for a's replay
                assertArrayEquals(eb, graphed.output().toDoubleArray(), 0, what + ": two replays queued at once");
                graphed.replay(a);
                assertArrayEquals(ea, graphed.output().toDoubleArray(), 0, what + ": replay of batch a again");
            }
            assertArrayEquals(ea, eager(net, a), 0, what + ": eager forwards after close()");
        });
        for (Tensor t : new Tensor[] {a, b, x}) t.storage().release();
    }

    @Test void vimNanoFp32() { replaysEqualEagerForwards("vim-nano", false); }

    @Test void vimNanoBf16() { replaysEqualEagerForwards("vim-nano", true); }

    @Test void vmambaNanoFp32() { replaysEqualEagerForwards("vmamba-nano", false); }

    @Test void vmambaNanoBf16() { replaysEqualEagerForwards("vmamba-nano", true); }

    @Test
    void aBatchOfAnotherShapeOrDtypeIsRefusedAndTheGraphStillReplays() {
        Backbone net = model("vim-nano");
        Tensor a = images(1), x = images(0);
        double[] ea = eager(net, a);
        try (GraphedForward graphed = GraphedForward.capture(x, 1, in -> logits(net, in))) {
            Tensor small = Scope.unowned(() -> Tensor.zeros(DType.F32, GPU, B - 1, 3, SIDE, SIDE));
            IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> graphed.replay(small));
            assertEquals("GraphedForward.replay: expected a batch (4, 3, 32, 32) F32 on cuda:0 like the static input,"
                    + " got (3, 3, 32, 32) F32 on cuda:0", shape.getMessage());
            Tensor half = Scope.unowned(() -> a.to(DType.BF16));
            IllegalArgumentException dtype = assertThrows(IllegalArgumentException.class, () -> graphed.replay(half));
            assertTrue(dtype.getMessage().endsWith("got (4, 3, 32, 32) BF16 on cuda:0"), dtype.getMessage());
            graphed.replay(a);
            assertArrayEquals(ea, graphed.output().toDoubleArray(), 0, "a replay after the refusals");
            small.storage().release();
            half.storage().release();
        }
    }

    @Test
    void aHostReadInsideTheCapturedForwardIsRefusedClearly() {
        Backbone net = model("vim-nano");
        Tensor a = images(1), x = images(0);
        double[] ea = eager(net, a);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GraphedForward.capture(x, 1, in -> {
                    Tensor y = logits(net, in);
                    y.sum().item();                                  // a host sync: fine eagerly, refused while capturing
                    return y;
                }));
        assertTrue(e.getMessage().contains("cannot run while a CUDA graph is being captured"), e.getMessage());
        assertArrayEquals(ea, eager(net, a), 0, "the device still works eagerly after the failed capture");
    }
}
