package dev.jmamba.vision;

import dev.jmamba.autograd.Activations;
import dev.jmamba.autograd.Norms;
import dev.jmamba.autograd.Var;
import dev.jmamba.nn.ActivationCheckpointing;
import dev.jmamba.nn.DropPath;
import dev.jmamba.nn.Init;
import dev.jmamba.nn.Linear;
import dev.jmamba.nn.Module;
import dev.jmamba.nn.ModuleList;
import dev.jmamba.nn.Parameter;
import dev.jmamba.nn.RMSNorm;
import dev.jmamba.nn.Seeds;
import dev.jmamba.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The non-hierarchical ("isotropic") Mamba classifier shared by Vim, GlobalMamba and LocalVim
 * (spec vim.md §1–2): tokens → (+ class token) → + pos_embed → depth × [add → RMSNorm → mixer]
 * → add → RMSNorm (norm_f) → class token or mean of tokens → head. Each add → RMSNorm is one
 * fused op ({@link RMSNorm#forwardWithResidual}) returning the new residual and its norm.
 * Optionally (LocalVim) the 2-D rotary embedding rotates hidden states and residual before every
 * layer ({@link #useRotaryEmbedding}).
 *
 * <p>Residual stream: Vim keeps it in fp32 ({@code residual_in_fp32=True}) while the mixer may run
 * in half precision; jmamba computes everything in the parameters' dtype (fp32 by default), so the
 * residual is fp32 whenever the model is.
 *
 * <p>State-dict names: {@code cls_token} (when the layout has one), {@code pos_embed},
 * {@code patch_embed.proj.*}, {@code layers.i.mixer.*}, {@code layers.i.norm.weight},
 * {@code norm_f.weight}, {@code head.weight}, {@code head.bias}.
 */
public class IsotropicNet extends Backbone implements ActivationCheckpointing {
    private final Tokenizer tokenizer;
    private final TokenLayout builtLayout;
    private final Parameter clsToken;   // (1, 1, D) or null
    private final Parameter posEmbed;   // (1, T, D)
    private final PatchEmbed patchEmbed;
    private final ModuleList<Block> layers;
    private final List<Mixer> mixers = new ArrayList<>();
    private final List<DropPath> dropPaths = new ArrayList<>();
    private final DropPath finalDropPath;
    private final RMSNorm normF;
    private final Linear head;
    private final int dim;
    private boolean checkpoint;
    private Rope2d rope;   // null unless the family uses rotary embeddings (LocalVim)
    /** add → RMSNorm as one fused op (the default) or as add, then RMSNorm: the reference tests compare with. */
    boolean fusedResidualNorm = true;   // FusedResidualNormTest switches it off to compare with the reference

    /** One residual layer: {@code norm} then {@code mixer} (Vim's {@code Block}). */
    static final class Block extends Module {
        final RMSNorm norm;

        Block(Module mixer, DropPath dropPath, int dim) {
            register("mixer", mixer);
            this.norm = register("norm", new RMSNorm(dim, 1e-5));
            register("drop_path", dropPath);        // no state; registered so RandomLayer.seekAll and train() reach it
        }
    }

    /**
     * @param dim       embedding width D
     * @param patch     patch size p
     * @param depth     number of layers
     * @param dropPath  stochastic-depth rate (Vim schedule: layer i gets linspace(0, r, depth)[i−1], the final add r)
     * @param tokenizer images → tokens and layouts
     * @param mixerFactory builds the mixer of each layer
     */
    protected IsotropicNet(BackboneConfig config, ModelSpec spec, int dim, int patch, int depth, double dropPath,
                           Tokenizer tokenizer, Mixer.Factory mixerFactory) {
        super(config, spec);
        this.dim = dim;
        this.tokenizer = tokenizer;
        long seed = spec.seed();
        this.builtLayout = tokenizer.layout(spec.resolution(), spec.resolution());
        this.clsToken = builtLayout.hasCls()
                ? param("cls_token", Init.truncNormal(Seeds.derive(seed, 1), 0.02, 1, 1, dim)) : null;
        this.posEmbed = param("pos_embed", Init.truncNormal(Seeds.derive(seed, 2), 0.02, 1, builtLayout.length(), dim));
        if (clsToken != null) clsToken.noWeightDecay(true);
        posEmbed.noWeightDecay(true);
        this.patchEmbed = register("patch_embed", new PatchEmbed(spec.inChannels(), dim, patch, Seeds.derive(seed, 3)));
        this.layers = register("layers", new ModuleList<>());
        double[] dpr = DropPaths.linear(dropPath, depth);
        for (int i = 0; i < depth; i++) {
            Mixer m = mixerFactory.create(i, Seeds.derive(seed, 100 + i));
            mixers.add(m);
            DropPath drop = new DropPath(i == 0 ? 0 : dpr[i - 1], Seeds.derive(seed, 10_000 + i));
            layers.add(new Block(m.module(), drop, dim));
            dropPaths.add(drop);
        }
        this.finalDropPath = register("drop_path", new DropPath(dropPath, Seeds.derive(seed, 20_000)));
        this.normF = register("norm_f", new RMSNorm(dim, 1e-5));
        this.head = register("head", new Linear(dim, spec.numClasses(), true, Seeds.derive(seed, 4)));
        head.weight().set(Init.truncNormal(Seeds.derive(seed, 5), 0.02, spec.numClasses(), dim));
        head.bias().set(Tensor.zeros(spec.numClasses()));
        // Vim _init_weights(n_layer = depth): Linear biases zeroed unless "no re-init", out_proj rescaled.
        for (int i = 0; i < depth; i++) this.mixers.get(i).init().apply(depth, Seeds.derive(seed, 30_000 + i));
    }

    /**
     * Turns on Vim's 2-D rotary embedding with {@code if_rope_residual} ({@link Rope2d}): before every
     * layer both the hidden states and the residual stream are rotated. For subclass constructors.
     */
    protected final void useRotaryEmbedding() {
        this.rope = new Rope2d(dim, builtLayout);
    }

    /** Whether the rotary embedding is on. */
    public boolean usesRotaryEmbedding() { return rope != null; }

    /** The layout the stored pos_embed was built for (at the spec resolution). */
    public TokenLayout builtLayout() { return builtLayout; }

    /** The layout for an H×W input. */
    public TokenLayout layout(int h, int w) { return tokenizer.layout(h, w); }

    public int depth() { return layers.size(); }

    @Override public Var forward(Var images) {
        Var features = forwardFeatures(images);  // (B, D)
        return head.forward(features);
    }

    /** Recompute each layer's activations in backward ({@link ActivationCheckpointing}) instead of keeping them. */
    @Override public void checkpointActivations(boolean on) { checkpoint = on; }

    /** Pooled features (B, D) before the head. */
    public Var forwardFeatures(Var images) {
        int[] hw = checkImages(images);
        TokenLayout layout = tokenizer.layout(hw[0], hw[1]);
        Var x = tokenizer.embed(images, patchEmbed);                                 // (B, M, D)
        int b = x.size(0);
        if (layout.hasCls()) x = insertCls(x, layout.clsIndex(), b);                // (B, M+1, D)
        x = x.add(PosEmbeds.resample(posEmbed.var(), builtLayout, layout));         // broadcast (1, T, D)
        Var residual = null;
        Var hidden = x;
        Rope2d.Tables ropeTables = rope == null ? null : rope.tables(layout, x);
        for (int i = 0; i < layers.size(); i++) {
            if (ropeTables != null) {                                                // if_rope, if_rope_residual
                hidden = rope.apply(hidden, ropeTables);
                if (residual != null) residual = rope.apply(residual, ropeTables);
            }
            // residual = residual + drop_path(hidden) (layer 0: residual = hidden); hidden = norm(residual): one fused op.
            // A region per layer frees the layer's temporaries that backward does not read.
            int layer = i;
            Var hiddenIn = hidden, residualIn = residual;
            UnaryOperator<Var[]> body = in -> {                                       // in: {hidden} or {hidden, residual}
                Var branch = in.length == 1 ? in[0] : dropPaths.get(layer).forward(in[0]);
                Norms.AddNorm added = addNorm(layers.get(layer).norm, branch, in.length == 1 ? null : in[1]);
                return new Var[] {added.sum(), mixers.get(layer).forward().apply(added.normed(), layout)};
            };
            Var[] in = residualIn == null ? new Var[] {hiddenIn} : new Var[] {hiddenIn, residualIn};
            Var[] out = checkpoint && isTraining()
                    ? Activations.regionOf(() -> ActivationCheckpointing.checkpointedAll(
                            List.of(layers.get(layer)), body, in))
                    : Activations.regionOf(() -> body.apply(in));
            residual = out[0];
            hidden = out[1];
        }
        Var out = addNorm(normF, finalDropPath.forward(hidden), residual).normed();   // (B, T, D)
        return layout.hasCls() ? out.select(1, layout.clsIndex()) : out.mean(false, 1);
    }

    /** sum = residual + branch (residual null: sum = branch) and norm(sum); branch, residual (B, T, D). */
    private Norms.AddNorm addNorm(RMSNorm norm, Var branch, Var residual) {
        if (fusedResidualNorm) return norm.forwardWithResidual(branch, residual);
        Var sum = residual == null ? branch : residual.add(branch);
        return new Norms.AddNorm(norm.forward(sum), sum);
    }

    private Var insertCls(Var tokens, int index, int batch) {
        Var cls = clsToken.var().expand(batch, 1, dim);
        int m = tokens.size(1);
        if (index == 0) return Var.cat(1, cls, tokens);
        if (index == m) return Var.cat(1, tokens, cls);
        return Var.cat(1, tokens.narrow(1, 0, index), cls, tokens.narrow(1, index, m - index));
    }

    /** Resamples a saved {@code pos_embed} of another (square) grid to this model's built layout. */
    @Override public Map<String, Tensor> adaptStateDict(Map<String, Tensor> state) {
        Map<String, Tensor> out = new LinkedHashMap<>(state);
        Tensor pe = state.get("pos_embed");
        if (pe != null && pe.rank() == 3 && pe.size(1) != builtLayout.length()) {
            TokenLayout from = tokenizer.inferSquareLayout(pe.size(1));
            out.put("pos_embed", PosEmbeds.resample(pe, from, builtLayout));
        }
        return out;
    }
}
