package dev.jmamba.examples;

import dev.jmamba.autograd.Autograd;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.Conv2d;
import dev.jmamba.nn.Init;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Losses;
import dev.jmamba.nn.Module;
import dev.jmamba.nn.ModuleList;
import dev.jmamba.nn.Parameter;
import dev.jmamba.nn.RMSNorm;
import dev.jmamba.optim.AdamW;
import dev.jmamba.optim.ParamGroups;
import dev.jmamba.ssm.block.MambaConfig;
import dev.jmamba.ssm.block.VimMixer;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import java.io.PrintStream;
import java.util.SplittableRandom;

/**
 * <b>How to run:</b> {@code ./jmamba example tiny-vim [--steps 60] [--device cuda]}
 *
 * <p>Vision Mamba (Vim, Zhu et al. 2024) assembled from jmamba's parts and trained on synthetic
 * 28×28 images of four kinds of stroke (horizontal, vertical, diagonal, anti-diagonal). The model:
 * 4×4 patches → 49 tokens + position embedding → 2 pre-norm residual layers of Vim's bidirectional
 * Mamba mixer → RMSNorm → mean over tokens → linear head. (The full Vim, with its middle class token,
 * is {@code Backbones.create("vim-nano", …)}; {@code ./jmamba train --model vim-nano} trains it on
 * Fashion-MNIST.) Ends by checking the accuracy on held-out images.
 */
public final class TinyVim {
    private TinyVim() {}

    static final int SIDE = 28, PATCH = 4, DIM = 32, DEPTH = 2, CLASSES = 4, BATCH = 32;

    /** Vim's layer stack: tokens (B, T, D) → logits (B, classes). */
    static final class Net extends Module {
        final Conv2d patchEmbed = register("patch_embed", new Conv2d(1, DIM, PATCH, PATCH, 0, 1, 1, true, 1));
        final Parameter posEmbed = param("pos_embed", Init.truncNormal(2, 0.02, 1, (SIDE / PATCH) * (SIDE / PATCH), DIM));
        final ModuleList<RMSNorm> norms = register("norms", new ModuleList<>());
        final ModuleList<VimMixer> mixers = register("mixers", new ModuleList<>());
        final RMSNorm normF = register("norm_f", new RMSNorm(DIM));
        final Linear head = register("head", new Linear(DIM, CLASSES, true, 3));

        Net() {
            for (int i = 0; i < DEPTH; i++) {
                norms.add(new RMSNorm(DIM));
                VimMixer mixer = mixers.add(new VimMixer(MambaConfig.of(DIM, 10 + i).withDState(8)));
                mixer.applyModelInit(DEPTH, 20 + i);                              // Vim's depth-scaled out_proj init
            }
        }

        Var forward(Var images) {                                                 // (B, 1, 28, 28)
            Var x = patchEmbed.forward(images);                                   // (B, D, 7, 7)
            int b = x.size(0), tokens = x.size(2) * x.size(3);
            x = x.reshape(b, DIM, tokens).transpose(1, 2).add(posEmbed.var());    // (B, 49, D), raster order
            for (int i = 0; i < DEPTH; i++) {
                x = x.add(mixers.get(i).forward(norms.get(i).forward(x)));        // x + mixer(norm(x))
            }
            return head.forward(normF.forward(x).mean(false, 1));                 // (B, classes)
        }
    }

    public static void main(String[] args) {
        run(System.out, args);
    }

    /** Trains, prints the loss, returns the held-out accuracy; throws {@link ExampleFailure} below 0.9 (default steps). */
    public static double run(PrintStream out, String... args) {
        ExampleArgs opts = ExampleArgs.parse("tiny-vim", args, "steps", "device");
        int steps = opts.integer("steps", 60);
        Device device = opts.device();
        Net net = new Net();
        net.to(device);
        out.printf("TinyVim: %d parameters, %d layers of VimMixer(d_model %d), on %s%n", net.numParameters(), DEPTH, DIM, device);
        AdamW opt = new AdamW(ParamGroups.noDecayFor(net, 0.05), 3e-3);
        SplittableRandom rng = new SplittableRandom(42);
        for (int step = 1; step <= steps; step++) {
            int[] labels = new int[BATCH];
            Var images = Var.of(strokes(rng, labels).to(device));                 // (B, 1, 28, 28)
            Var loss = Losses.crossEntropy(net.forward(images), labels, 0.0);
            opt.zeroGrad();
            loss.backward();
            opt.step();
            if (step % 10 == 0 || step == 1) out.printf("step %3d  loss %.4f%n", step, loss.value().item());
        }
        int[] labels = new int[256];
        double accuracy;
        try (var noGrad = Autograd.noGrad()) {
            int[] predicted = net.forward(Var.of(strokes(new SplittableRandom(7), labels).to(device))).value().argmax(1, false).toIntArray();
            int right = 0;
            for (int i = 0; i < labels.length; i++) if (predicted[i] == labels[i]) right++;
            accuracy = right / (double) labels.length;
        }
        out.printf("held-out accuracy %.3f on %d images (chance 0.25)%n", accuracy, labels.length);
        // the four strokes are easy once the model mixes tokens across the image; 0.9 leaves room for noisy images
        if (steps >= 60) Checks.that(out, "held-out accuracy >= 0.9", accuracy >= 0.9, String.format("%.3f", accuracy));
        return accuracy;
    }

    /** labels.length noisy images (B, 1, 28, 28): a stroke of kind label through a random point. */
    static Tensor strokes(SplittableRandom rng, int[] labels) {
        float[] px = new float[labels.length * SIDE * SIDE];
        for (int i = 0; i < labels.length; i++) {
            int kind = rng.nextInt(CLASSES), r0 = rng.nextInt(6, SIDE - 6), c0 = rng.nextInt(6, SIDE - 6);
            labels[i] = kind;
            for (int r = 0; r < SIDE; r++) {
                for (int c = 0; c < SIDE; c++) {
                    int dist = switch (kind) {                                    // distance to the stroke's line
                        case 0 -> Math.abs(r - r0);                               // horizontal
                        case 1 -> Math.abs(c - c0);                               // vertical
                        case 2 -> Math.abs((r - r0) - (c - c0));                  // diagonal
                        default -> Math.abs((r - r0) + (c - c0));                 // anti-diagonal
                    };
                    px[(i * SIDE + r) * SIDE + c] = (dist <= 1 ? 1f : 0f) + (float) (0.3 * rng.nextGaussian());
                }
            }
        }
        return Tensor.of(px, labels.length, 1, SIDE, SIDE);
    }
}
