package dev.jmamba.nn;

import dev.jmamba.autograd.Recompute;
import dev.jmamba.autograd.Var;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Layers whose children can run under activation checkpointing ({@link Recompute}): each child's
 * activations are recomputed in backward instead of being kept. {@link #enable} switches it on for
 * the outermost such layers of a model (a stage's blocks), never for their insides as well.
 */
public interface ActivationCheckpointing {
    /** Recompute each child's activations in backward (true) or keep them (false, the default). */
    void checkpointActivations(boolean on);

    /** Switches checkpointing on or off for the outermost checkpointing layers under {@code root}; returns how many. */
    static int enable(Module root, boolean on) {
        if (root instanceof ActivationCheckpointing c) {
            c.checkpointActivations(on);
            return 1;
        }
        int n = 0;
        for (Module child : root.namedChildren().values()) n += enable(child, on);
        return n;
    }

    /**
     * {@code layer.forward(x)} under {@link Recompute}, rewinding the random layers inside (Dropout,
     * DropPath) so the recomputation draws the masks the forward drew.
     */
    static Var checkpointed(Module layer, UnaryOperator<Var> forward, Var x) {
        return checkpointedAll(List.of(layer), in -> new Var[] {forward.apply(in[0])}, new Var[] {x})[0];
    }

    /** {@link #checkpointed} for a body of several inputs and outputs whose random layers live under {@code owners}. */
    static Var[] checkpointedAll(List<? extends Module> owners, UnaryOperator<Var[]> forward, Var[] xs) {
        List<RandomLayer> random = new ArrayList<>();
        for (Module owner : owners) {
            for (Module m : owner.namedModules().values()) if (m instanceof RandomLayer r) random.add(r);
        }
        long[] before = new long[random.size()];
        for (int i = 0; i < before.length; i++) before[i] = random.get(i).calls();
        List<Var> reaches = new ArrayList<>();          // the owners' parameters: reported ready once the segment is recomputed
        for (Module owner : owners) for (Parameter p : owner.parameters()) reaches.add(p.var());
        // the recomputation draws as many numbers as the forward did, so it leaves each layer where the forward left it
        return Recompute.applyAll(xs, forward, () -> {
            for (int i = 0; i < before.length; i++) random.get(i).seek(before[i]);
        }, reaches);
    }
}
