package dev.jmamba.vision.models;

import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Module;

import java.util.function.UnaryOperator;

/**
 * An image classifier as the trainer sees it: the {@link Module} that owns the parameters, buffers
 * and train/eval mode, and its forward pass images (B, C, H, W) → logits (B, K). Built-in layers and
 * registry backbones (whose forward is not a {@code Layer} method) both fit.
 *
 * @param module  the parameters, buffers and mode
 * @param forward images (B, C, H, W) → logits (B, K)
 */
public record Classifier(Module module, UnaryOperator<Var> forward) {

    /** Logits (B, K) of images (B, C, H, W). */
    public Var forward(Var images) {
        return forward.apply(images);
    }
}
