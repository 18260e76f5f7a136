package dev.jmamba.autograd;

/**
 * Told when a leaf's gradient is final for the backward pass that is running: every contribution
 * this pass makes to {@link Var#grad()} has been added, so the gradient can be used (sent, copied,
 * clipped) while backward goes on with the rest of the graph. PyTorch's
 * {@code register_post_accumulate_grad_hook}; data-parallel training uses it to start a gradient
 * bucket's all-reduce as soon as the bucket is complete ({@code dev.jmamba.app.dist.DataParallel}).
 *
 * <p>Guarantees, per outermost {@link Var#backward()} call and per leaf with a listener:
 * <ul>
 * <li>exactly one call if the graph reaches the leaf (it is an input of some node, a root, or a
 *     gradient reached it from a recomputed segment), after the last contribution — however many
 *     nodes use it — and also when no gradient flowed into it in this pass ({@link Var#grad()} is then
 *     unchanged: null, or what earlier passes accumulated);</li>
 * <li>no call if the graph does not reach the leaf at all (an unused parameter);</li>
 * <li>the call runs on the thread that runs backward, between two nodes' backward functions; an
 *     exception it throws ends backward and propagates out of {@link Var#backward()}.</li>
 * </ul>
 * Activation checkpointing ({@link Recompute}) computes the gradients of the parameters inside a
 * segment only when backward reaches the segment; a segment made with the leaves it reaches declared
 * ({@link Recompute#applyAll(Var[], java.util.function.UnaryOperator, Runnable, java.util.List)})
 * reports them when it is done, and a segment without the declaration holds every report back until
 * it has run (correct, but nothing is ready early).
 */
@FunctionalInterface
public interface GradReadyListener {
    /** {@code leaf}'s gradient is final for this backward pass ({@link Var#grad()} may be null: no gradient reached it). */
    void gradReady(Var leaf);

    /** A registered listener; {@link #close()} removes it. */
    interface Registration extends AutoCloseable {
        @Override void close();
    }
}
