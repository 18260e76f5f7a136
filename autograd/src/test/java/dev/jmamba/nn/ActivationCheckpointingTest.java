package dev.jmamba.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checkpointed layers give exactly the gradients of the plain graph, keep less alive, and replay their random masks. */
class ActivationCheckpointingTest {

    /** A residual block: x + DropPath(Linear(GELU(Linear(LayerNorm(x))))). */
    static final class Block extends Layer {
        final LayerNorm norm = new LayerNorm(16);
        final Linear fc1, fc2;
        final DropPath drop;

        Block(long seed) {
            fc1 = new Linear(16, 32, true, seed);
            fc2 = new Linear(32, 16, true, seed + 1);
            drop = new DropPath(0.5, seed + 2);
            register("norm", norm);
            register("fc1", fc1);
            register("fc2", fc2);
            register("drop", drop);
        }

        @Override public Var forward(Var x) { return x.add(drop.forward(fc2.forward(fc1.forward(norm.forward(x)).gelu()))); }
    }

    private static Sequential model() { return new Sequential(new Block(1), new Block(11), new Block(21)); }

    /** Parameter gradients (name order) and the input gradient of one step. */
    private static List<float[]> gradients(Sequential net, boolean checkpoint, Tensor input) {
        ActivationCheckpointing.enable(net, checkpoint);
        net.train(true);
        net.zeroGrad();
        for (Module m : net.namedModules().values()) if (m instanceof RandomLayer r) r.seek(0);
        List<float[]> out = new ArrayList<>();
        try (Scope step = Scope.open()) {
            Var x = Var.param(input.copy());
            Var y = net.forward(x);
            y.mul(y).sum().backward();
            for (Parameter p : net.parameters()) out.add(p.var().grad().toFloatArray());
            out.add(x.grad().toFloatArray());
        }
        return out;
    }

    @Test
    void checkpointedGradientsEqualThePlainOnesBitForBit() {
        Tensor input = Tensor.random(RandomKind.NORMAL, 5, 0, 1, DType.F32, Device.CPU, 4, 7, 16);
        Sequential net = model();
        List<float[]> plain = gradients(net, false, input);
        List<float[]> checkpointed = gradients(net, true, input);
        assertEquals(plain.size(), checkpointed.size());
        for (int i = 0; i < plain.size(); i++) assertArrayEquals(plain.get(i), checkpointed.get(i), "gradient " + i);
        // DropPath at 0.5 draws a mask per call: without the rewind the recomputation would draw new
        // masks (the random layers' positions advance), and these gradients would differ
    }

    @Test
    void checkpointingKeepsOnlyEachLayersInput() {
        Tensor input = Tensor.random(RandomKind.NORMAL, 6, 0, 1, DType.F32, Device.CPU, 4, 7, 16);
        int plain = liveAfterForward(false, input), checkpointed = liveAfterForward(true, input);
        assertEquals(1 + 3, checkpointed, "the input's copy and each layer's output (the next one's saved input)");
        assertTrue(plain > 3 * checkpointed, "plain keeps every block's activations: " + plain + " live storages");
    }

    private static int liveAfterForward(boolean checkpoint, Tensor input) {
        Sequential net = model();
        ActivationCheckpointing.enable(net, checkpoint);
        net.train(true);
        try (Scope step = Scope.open()) {
            Var x = Var.param(input.copy());
            Var y = net.forward(x);
            int live = step.liveCount();
            y.sum().backward();
            return live;
        }
    }

    @Test
    void enableReachesOnlyTheOutermostCheckpointingLayers() {
        Sequential inner = new Sequential(new Block(3));
        Sequential outer = new Sequential(inner, new Block(4));
        assertEquals(1, ActivationCheckpointing.enable(outer, true));
        Layer wrapper = new Layer() {
            { register("a", new Sequential(new Block(5))); register("b", new Sequential(new Block(6))); }
            @Override public Var forward(Var x) { return x; }
        };
        assertEquals(2, ActivationCheckpointing.enable(wrapper, true));
    }
}
