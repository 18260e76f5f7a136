package dev.jmamba.autograd;

import dev.jmamba.autograd.rules.BinaryRules;
import dev.jmamba.autograd.rules.IndexRules;
import dev.jmamba.autograd.rules.LinearRules;
import dev.jmamba.autograd.rules.NormRules;
import dev.jmamba.autograd.rules.ReduceRules;
import dev.jmamba.autograd.rules.ResampleRules;
import dev.jmamba.autograd.rules.Rule;
import dev.jmamba.autograd.rules.UnaryRules;
import dev.jmamba.autograd.rules.ViewRules;
import dev.jmamba.tensor.ConvParams;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.InterpolateMode;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Shapes;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.UnaryOp;
import java.util.function.Supplier;

/**
 * A differentiable value: a {@link Tensor} plus, when it requires a gradient, the node that made it.
 *
 * <p>How reverse-mode autograd works here:
 * <ol>
 * <li>Every op computes its value with ordinary {@link Tensor} ops. If grad mode is on
 *     ({@link Autograd}) and some input requires a gradient, it also records a node: the op's
 *     backward {@link Rule} (which keeps only what it needs, e.g. the output of exp) and the
 *     inputs that want gradients. Otherwise the result is a constant and nothing is kept.</li>
 * <li>{@link #backward()} seeds d(out)/d(out) = 1, orders the reachable nodes topologically
 *     (with an explicit stack, so a graph may be any depth) and visits them from the output
 *     back. Each node's rule turns the summed gradient of its output into gradients of its
 *     inputs; these are added into the input's node, or into {@link #grad()} for leaves.</li>
 * <li>Broadcasting ops sum gradients back to each input's shape; gradients are plain tensors
 *     (no higher-order derivatives). The graph is kept, so backward may run again.</li>
 * </ol>
 * Autograd only calls {@link Tensor} ops, so it runs wherever the tensors live.
 */
public final class Var {
    private Tensor value;
    private Tensor grad;                 // leaves only
    private boolean leafRequiresGrad;
    private java.util.List<GradReadyListener> readyListeners;   // leaves only; null until one is added
    final Node node;                     // null for leaves and constants
    final int slot;                      // which output of node this is

    Var(Tensor value, Node node, int slot) {
        if (value == null) throw new JmambaException("Var: expected a tensor, got null");
        this.value = value;
        this.node = node;
        this.slot = slot;
    }

    /** A constant: no gradient flows into it. */
    public static Var of(Tensor value) { return new Var(value, null, 0); }

    /** A leaf that requires a gradient (a parameter or an input to differentiate by). */
    public static Var param(Tensor value) { return of(value).requiresGrad(true); }

    public Tensor value() { return value; }

    /** The gradient accumulated into this leaf by backward calls, or null. */
    public Tensor grad() { return grad; }

    /**
     * Drops the accumulated gradient and releases its memory at once (as PyTorch's
     * {@code zero_grad(set_to_none=True)}): a tensor obtained from {@link #grad()} before is invalid.
     */
    public void zeroGrad() {
        if (grad != null) grad.storage().release();
        grad = null;
    }

    public boolean requiresGrad() { return node != null || leafRequiresGrad; }

    /** Marks a leaf as requiring (or not) a gradient; returns this. */
    public Var requiresGrad(boolean on) {
        if (node != null) throw new IllegalStateException("requiresGrad: expected a leaf Var, got the output of '" + node.op + "'");
        if (on && !value.dtype().isFloating()) {
            throw new JmambaException("requiresGrad: expected a floating-point tensor, got " + value.dtype());
        }
        leafRequiresGrad = on;
        return this;
    }

    /** The same value as a constant, cut off from the graph. */
    public Var detach() { return of(value); }

    /**
     * Replaces a leaf's data (optimizers, checkpoint loading): the shape must stay, and t is
     * converted to this Var's dtype. The caller decides t's lifetime (create it outside per-step scopes).
     */
    public void setValue(Tensor t) {
        if (node != null) throw new IllegalStateException("setValue: expected a leaf Var, got the output of '" + node.op + "'");
        if (!Shapes.same(t.shape(), value.shape())) {
            throw new JmambaException("setValue: expected shape " + Shapes.str(value.shape()) + ", got " + Shapes.str(t.shape()));
        }
        if (!t.device().equals(value.device())) {
            throw new JmambaException("setValue: expected a tensor on " + value.device() + ", got " + t.device());
        }
        DType dtype = value.dtype();
        value = t.dtype() == dtype ? t : Scope.unowned(() -> t.to(dtype));
    }

    public int[] shape() { return value.shape(); }
    public int rank() { return value.rank(); }
    public int size(int dim) { return value.size(dim); }
    public DType dtype() { return value.dtype(); }
    public Device device() { return value.device(); }

    @Override public String toString() {
        return "Var" + Shapes.str(value.shape()) + " " + value.dtype() + (node != null ? " <- " + node.op : leafRequiresGrad ? " param" : "");
    }

    // ------------------------------------------------------------------ backward

    /** Backward from a one-element output, seeding its gradient with 1. */
    public void backward() {
        if (value.numel() != 1) {
            throw new JmambaException("backward: expected a one-element output (or pass its gradient), got shape "
                    + Shapes.str(value.shape()));
        }
        backward(Tensor.full(1, value.dtype(), value.device(), value.shape()));
    }

    /** Backward seeded with d(loss)/d(this) = {@code gradOutput} (this Var's shape). */
    public void backward(Tensor gradOutput) {
        if (!requiresGrad()) {
            throw new IllegalStateException("backward: expected a Var that requires a gradient, got a constant "
                    + "(no input requires grad, or it was computed under Autograd.noGrad())");
        }
        if (!Shapes.same(gradOutput.shape(), value.shape())) {
            throw new JmambaException("backward: expected a gradient of shape " + Shapes.str(value.shape())
                    + ", got " + Shapes.str(gradOutput.shape()));
        }
        Engine.backward(this, gradOutput);
    }

    /**
     * Backward from several outputs at once, {@code roots[i]} seeded with {@code gradOutputs[i]} (its
     * shape), as {@code torch.autograd.backward(tensors, grad_tensors)}: one pass, every node once.
     */
    public static void backward(Var[] roots, Tensor[] gradOutputs) {
        if (roots.length != gradOutputs.length) {
            throw new JmambaException("backward: expected one gradient per root (" + roots.length + "), got " + gradOutputs.length);
        }
        for (int i = 0; i < roots.length; i++) {
            if (!roots[i].requiresGrad()) {
                throw new IllegalStateException("backward: root " + i + " is a constant (no input requires grad, or it was computed under Autograd.noGrad())");
            }
            if (!Shapes.same(gradOutputs[i].shape(), roots[i].value.shape())) {
                throw new JmambaException("backward: expected a gradient of shape " + Shapes.str(roots[i].value.shape())
                        + " for root " + i + ", got " + Shapes.str(gradOutputs[i].shape()));
            }
        }
        Engine.backward(roots, gradOutputs);
    }

    /** Adds {@code g} (this leaf's shape) to its gradient (the engine routes non-leaf gradients itself). */
    void accumulate(Tensor g) {
        if (node != null) throw new IllegalStateException("accumulate: expected a leaf, got the output of '" + node.op + "'");
        if (readyListeners != null) LeafReadiness.accumulated(this);
        // A leaf's gradient lives as long as the leaf: like parameters it is created outside any
        // per-step Scope, and it never aliases a tensor of the graph (a fresh copy or sum).
        Tensor own = g.dtype() == value.dtype() ? g : g.to(value.dtype());
        if (grad == null) {
            grad = Scope.unowned(own == g ? g::copy : () -> own.copy());
        } else {
            Tensor sum = grad.add(own);     // in place: the sum is a temporary, freed at once
            grad.copyFrom(sum);
            sum.storage().release();
        }
        if (own != g) own.storage().release();
    }

    /**
     * Takes {@code g} as this leaf's first gradient without copying it: only when the leaf has none yet and g is a
     * whole contiguous storage of the value's dtype that an open scope of this thread owns (the engine has checked that
     * nothing else holds it); the storage then belongs to the leaf, as a copy would. False, nothing changed, otherwise.
     */
    boolean adoptGradient(Tensor g) {
        if (node != null || grad != null || g.dtype() != value.dtype() || !g.isContiguous() || g.offset() != 0
                || g.numel() != g.storage().size() || !Scope.disown(g.storage())) {
            return false;
        }
        if (readyListeners != null) LeafReadiness.accumulated(this);
        grad = g;
        return true;
    }

    /**
     * Calls {@code listener} whenever a backward pass has added its last contribution to this leaf's
     * gradient (see {@link GradReadyListener} for exactly when); listeners run in the order they were
     * added. Returns the registration, whose {@code close()} removes the listener.
     */
    public GradReadyListener.Registration onGradReady(GradReadyListener listener) {
        if (node != null) throw new IllegalStateException("onGradReady: expected a leaf Var, got the output of '" + node.op + "'");
        if (!leafRequiresGrad) throw new IllegalStateException("onGradReady: expected a leaf that requires a gradient, got " + this);
        if (listener == null) throw new JmambaException("onGradReady: expected a listener, got null");
        if (readyListeners == null) readyListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
        readyListeners.add(listener);
        LeafReadiness.listenerCount(+1);
        return () -> {
            if (readyListeners.remove(listener)) LeafReadiness.listenerCount(-1);
        };
    }

    boolean hasGradReadyListeners() { return readyListeners != null && !readyListeners.isEmpty(); }

    /** Runs the listeners: this leaf's gradient is final for the running pass. */
    void gradReady() {
        if (readyListeners != null) for (GradReadyListener l : readyListeners) l.gradReady(this);
    }

    // ------------------------------------------------------------------ recording

    /**
     * The result of an op: records a node only when grad mode is on and an input requires grad.
     * {@code saved} lists every tensor the rule reads in backward (nothing else survives an
     * {@link Activations#region}); nulls are allowed.
     */
    private static Var record(String op, Tensor y, Supplier<Rule> rule, Tensor[] saved, Var... inputs) {
        if (!Autograd.isGradEnabled()) return of(y);
        for (Var in : inputs) {
            if (in != null && in.requiresGrad()) return new Var(y, Node.of(op, rule.get(), saved, inputs), 0);
        }
        return of(y);
    }

    private static final Tensor[] NOTHING = new Tensor[0];

    /** The tensors a rule reads (see {@link #record}). */
    private static Tensor[] saves(Tensor... tensors) { return tensors; }

    private Var unary(String op, Tensor y, Supplier<Rule> rule, Tensor... saved) { return record(op, y, rule, saved, this); }

    /** Whether this Var wants a gradient (its partner in a binary op then needs to be saved). */
    private static boolean wants(Var v) { return v != null && v.requiresGrad() && Autograd.isGradEnabled(); }

    // ------------------------------------------------------------------ element-wise

    public Var add(Var o) { return record("add", value.add(o.value), () -> BinaryRules.add(value.shape(), o.value.shape()), NOTHING, this, o); }
    /**
     * {@code this + (branch + bias) · scale[b]} in one pass ({@link dev.jmamba.tensor.Backend#residualAdd}): a residual
     * add with drop path's per-sample scale (B) (null: none) and the branch's output bias (C) (null: none); this and
     * branch (B, ..., C) float32. The same bits as {@code add(branch.add(bias).mul(scale))}.
     */
    public Var residualAdd(Var branch, Var bias, Tensor scale) {
        Tensor y = value.backend().residualAdd(value, branch.value, bias == null ? null : bias.value, scale);
        return record("residualAdd", y, () -> BinaryRules.residualAdd(scale, value.size(-1)), saves(scale), this, branch, bias);
    }

    public Var sub(Var o) { return record("sub", value.sub(o.value), () -> BinaryRules.sub(value.shape(), o.value.shape()), NOTHING, this, o); }
    /** da = dy·b needs b only when a wants a gradient, and db = dy·a needs a only when b does. */
    public Var mul(Var o) {
        return record("mul", value.mul(o.value), () -> BinaryRules.mul(value, o.value),
                saves(wants(o) ? value : null, wants(this) ? o.value : null), this, o);
    }
    public Var div(Var o) { return record("div", value.div(o.value), () -> BinaryRules.div(value, o.value), saves(value, o.value), this, o); }
    /** Element-wise a^b with broadcasting. */
    public Var pow(Var o) {
        Tensor y = value.pow(o.value);
        return record("pow", y, () -> BinaryRules.pow(value, o.value, y), saves(value, o.value, y), this, o);
    }
    /** Element-wise max; where the two tie each gets half the gradient. */
    public Var maximum(Var o) {
        return record("maximum", value.maximum(o.value), () -> BinaryRules.maximum(value, o.value, true), saves(value, o.value), this, o);
    }
    /** Element-wise min; where the two tie each gets half the gradient. */
    public Var minimum(Var o) {
        return record("minimum", value.minimum(o.value), () -> BinaryRules.maximum(value, o.value, false), saves(value, o.value), this, o);
    }

    public Var add(double s) { return unary("add", value.add(s), () -> UnaryRules.affine(1)); }
    public Var sub(double s) { return unary("sub", value.sub(s), () -> UnaryRules.affine(1)); }
    public Var mul(double s) { return unary("mul", value.mul(s), () -> UnaryRules.affine(s)); }
    public Var div(double s) { return unary("div", value.div(s), () -> UnaryRules.affine(1.0 / s)); }

    public Var neg() { return unary("neg", value.neg(), UnaryRules::neg); }
    public Var exp() { Tensor y = value.exp(); return unary("exp", y, () -> UnaryRules.exp(y), y); }
    public Var log() { return unary("log", value.log(), () -> UnaryRules.log(value), value); }
    public Var sqrt() { Tensor y = value.sqrt(); return unary("sqrt", y, () -> UnaryRules.sqrt(y), y); }
    public Var rsqrt() { Tensor y = value.rsqrt(); return unary("rsqrt", y, () -> UnaryRules.rsqrt(y), y); }
    public Var tanh() { Tensor y = value.tanh(); return unary("tanh", y, () -> UnaryRules.tanh(y), y); }
    public Var sigmoid() { Tensor y = value.sigmoid(); return unary("sigmoid", y, () -> UnaryRules.sigmoid(y), y); }
    public Var silu() { return unary("silu", value.silu(), () -> UnaryRules.silu(value), value); }
    /** Exact (erf) GELU. */
    public Var gelu() { return unary("gelu", value.gelu(), () -> UnaryRules.gelu(value), value); }
    /** GELU, tanh approximation. */
    public Var geluTanh() { return unary("geluTanh", value.geluTanh(), () -> UnaryRules.geluTanh(value), value); }
    /** softplus with beta 1 and threshold 20. */
    public Var softplus() { return softplus(1, 20); }
    public Var softplus(double beta, double threshold) {
        return unary("softplus", value.softplus(beta, threshold), () -> UnaryRules.softplus(value, beta, threshold), value);
    }
    /** |x|; the gradient at 0 is 0. */
    public Var abs() { return unary("abs", value.abs(), () -> UnaryRules.abs(value), value); }
    /** Clamp to [min, max]; the gradient passes where min <= x <= max. */
    public Var clamp(double min, double max) { return unary("clamp", value.clamp(min, max), () -> UnaryRules.clamp(value, min, max), value); }
    public Var relu() { return unary("relu", value.relu(), () -> UnaryRules.relu(value), value); }
    public Var square() { return unary("square", value.square(), () -> UnaryRules.square(value), value); }
    public Var pow(double p) { return unary("pow", value.pow(p), () -> UnaryRules.pow(value, p), value); }
    public Var reciprocal() { Tensor y = value.reciprocal(); return unary("reciprocal", y, () -> UnaryRules.reciprocal(y), y); }
    public Var sin() { return unary("sin", value.sin(), () -> UnaryRules.sin(value), value); }
    public Var cos() { return unary("cos", value.cos(), () -> UnaryRules.cos(value), value); }
    public Var log1p() { return unary("log1p", value.log1p(), () -> UnaryRules.log1p(value), value); }
    public Var expm1() { Tensor y = value.expm1(); return unary("expm1", y, () -> UnaryRules.expm1(y), y); }

    /** {@code cond != 0 ? a : b} with broadcasting; cond is a constant mask. */
    public static Var where(Tensor cond, Var a, Var b) {
        return record("where", Tensor.where(cond, a.value, b.value), () -> BinaryRules.where(cond, a.value.shape(), b.value.shape()),
                saves(cond), a, b);
    }

    // ------------------------------------------------------------------ reductions

    public Var sum(boolean keepdim, int... axes) { return unary("sum", value.sum(keepdim, axes), () -> ReduceRules.sum(value.shape(), axes)); }
    public Var sum() { return sum(false); }
    public Var mean(boolean keepdim, int... axes) { return unary("mean", value.mean(keepdim, axes), () -> ReduceRules.mean(value.shape(), axes)); }
    public Var mean() { return mean(false); }
    /** Max over axes; tied maxima share the gradient equally. */
    public Var max(boolean keepdim, int... axes) {
        Tensor y = value.max(keepdim, axes);
        return unary("max", y, () -> ReduceRules.extreme(value, y, axes), value, y);
    }
    /** Min over axes; tied minima share the gradient equally. */
    public Var min(boolean keepdim, int... axes) {
        Tensor y = value.min(keepdim, axes);
        return unary("min", y, () -> ReduceRules.extreme(value, y, axes), value, y);
    }
    public Var var(boolean unbiased, boolean keepdim, int... axes) {
        return unary("var", value.var(unbiased, keepdim, axes), () -> ReduceRules.var(value, unbiased, axes), value);
    }
    public Var softmax(int axis) { Tensor y = value.softmax(axis); return unary("softmax", y, () -> ReduceRules.softmax(y, axis), y); }
    public Var logSoftmax(int axis) { Tensor y = value.logSoftmax(axis); return unary("logSoftmax", y, () -> ReduceRules.logSoftmax(y, axis), y); }

    // ------------------------------------------------------------------ views and data movement

    private Var reshaped(String op, Tensor y) { return unary(op, y, () -> ViewRules.reshape(value.shape())); }

    public Var reshape(int... shape) { return reshaped("reshape", value.reshape(shape)); }
    public Var view(int... shape) { return reshaped("view", value.view(shape)); }
    public Var squeeze(int dim) { return reshaped("squeeze", value.squeeze(dim)); }
    public Var unsqueeze(int dim) { return reshaped("unsqueeze", value.unsqueeze(dim)); }
    public Var contiguous() { return reshaped("contiguous", value.contiguous()); }
    /** This converted to {@code dtype} in its layout (differentiable; the gradient flows back in {@link Autocast#gradientType}). */
    public Var to(DType dtype) { return dtype == dtype() ? this : reshaped("to", value.toPreservingLayout(dtype)); }
    public Var permute(int... dims) { return unary("permute", value.permute(dims), () -> ViewRules.permute(value.rank(), dims)); }
    public Var transpose(int a, int b) {
        int[] dims = new int[value.rank()];
        for (int i = 0; i < dims.length; i++) dims[i] = i;
        int x = Shapes.axis("transpose", a, dims.length), z = Shapes.axis("transpose", b, dims.length);
        dims[x] = z;
        dims[z] = x;
        return permute(dims);
    }
    public Var narrow(int dim, int start, int length) {
        return unary("narrow", value.narrow(dim, start, length), () -> ViewRules.embed(value.shape(), t -> t.narrow(dim, start, length)));
    }
    public Var slice(int dim, int start, int end, int step) {
        return unary("slice", value.slice(dim, start, end, step), () -> ViewRules.embed(value.shape(), t -> t.slice(dim, start, end, step)));
    }
    public Var select(int dim, int index) {
        return unary("select", value.select(dim, index), () -> ViewRules.embed(value.shape(), t -> t.select(dim, index)));
    }
    public Var expand(int... shape) { return unary("expand", value.expand(shape), () -> ViewRules.expand(value.shape())); }
    public Var flip(int... dims) { return unary("flip", value.flip(dims), () -> ViewRules.flip(dims)); }
    /** Constant padding; pads are (before, after) pairs from the last dim, as {@link Tensor#pad}. */
    public Var pad(double padValue, int... pads) { return unary("pad", value.pad(padValue, pads), () -> ViewRules.pad(pads)); }

    public static Var cat(int axis, Var... parts) {
        if (parts.length == 0) throw new JmambaException("cat: expected at least one Var, got none");
        Tensor[] values = new Tensor[parts.length];
        for (int i = 0; i < parts.length; i++) values[i] = parts[i].value;
        Tensor y = Tensor.cat(axis, values);
        int a = Shapes.axis("cat", axis, values[0].rank());
        return record("cat", y, () -> {
            int[] sizes = new int[values.length];
            for (int i = 0; i < sizes.length; i++) sizes[i] = values[i].size(a);
            return ViewRules.cat(a, sizes);
        }, NOTHING, parts);
    }

    /** Stacks equal-shaped Vars along a new dim (unsqueeze each, then cat). */
    public static Var stack(int axis, Var... parts) {
        if (parts.length == 0) throw new JmambaException("stack: expected at least one Var, got none");
        int a = Shapes.axis("stack", axis, parts[0].rank() + 1);
        Var[] u = new Var[parts.length];
        for (int i = 0; i < parts.length; i++) {
            if (!Shapes.same(parts[i].shape(), parts[0].shape())) {
                throw new JmambaException("stack: expected equal shapes, got " + Shapes.str(parts[0].shape())
                        + " and " + Shapes.str(parts[i].shape()));
            }
            u[i] = parts[i].unsqueeze(a);
        }
        return cat(a, u);
    }

    /**
     * Pieces of the given sizes along {@code axis}, views of this Var; one node whose backward writes the pieces'
     * gradients into one tensor ({@link SplitFunction}).
     */
    public Var[] split(int axis, int... sizes) {
        value.split(axis, sizes); // checks the sizes
        return CustomOps.apply(new SplitFunction(Shapes.axis("split", axis, rank()), sizes), this);
    }

    /** {@code chunks} pieces along {@code axis} (the last may be smaller), as {@link Tensor#chunk}. */
    public Var[] chunk(int chunks, int axis) {
        Tensor[] pieces = value.chunk(chunks, axis);
        int[] sizes = new int[pieces.length];
        int a = Shapes.axis("chunk", axis, rank());
        for (int i = 0; i < sizes.length; i++) sizes[i] = pieces[i].size(a);
        return split(a, sizes);
    }

    // ------------------------------------------------------------------ indexing

    /** out[.., i, ..] = this[.., index[.., i, ..], ..] along axis; index (I32/I64) is a constant. */
    public Var gather(int axis, Tensor index) {
        int a = Shapes.axis("gather", axis, rank());
        return unary("gather", value.gather(a, index), () -> IndexRules.gather(value.shape(), a, index), index);
    }
    /** A copy of this with src added at index along axis. */
    public Var scatterAdd(int axis, Tensor index, Var src) {
        int a = Shapes.axis("scatterAdd", axis, rank());
        return record("scatterAdd", value.scatterAdd(a, index, src.value), () -> IndexRules.scatterAdd(a, index), saves(index), this, src);
    }
    public Var indexSelect(int axis, Tensor index) {
        int a = Shapes.axis("indexSelect", axis, rank());
        return unary("indexSelect", value.indexSelect(a, index), () -> IndexRules.indexSelect(value.shape(), a, index), index);
    }
    /** A copy of this with slices of src added at the 1-D index along axis. */
    public Var indexAdd(int axis, Tensor index, Var src) {
        int a = Shapes.axis("indexAdd", axis, rank());
        return record("indexAdd", value.indexAdd(a, index, src.value), () -> IndexRules.indexAdd(a, index), saves(index), this, src);
    }

    // ------------------------------------------------------------------ linear algebra and nn primitives

    /** Matrix product with NumPy semantics (batch dims broadcast, 1-D operands promoted); saves b for a's gradient, a for b's. */
    public Var matmul(Var o) {
        if (Autocast.operandType("matmul", value, o.value) != null) return loweredMatmul(o, false);   // autocast: bf16 operands
        return record("matmul", value.matmul(o.value), () -> LinearRules.matmul(value, o.value),
                saves(wants(o) ? value : null, wants(this) ? o.value : null), this, o);
    }

    /**
     * {@link #matmul} whose result only bf16-reading ops take (SS2D's Δ, which the scan reads as bf16): under autocast
     * with bf16 activations ({@link Autocast#activationType}) the result is bf16 — the float32-accumulated product
     * rounded once, as a bf16 Linear output under torch.autocast — instead of float32 rounded later by its reader;
     * otherwise exactly {@link #matmul}. Both operands at least 2-D.
     */
    public Var matmulToActivation(Var o) {
        boolean bf16 = Autocast.operandType("matmul", value, o.value) != null && Autocast.activationType(value) != null
                && rank() >= 2 && o.rank() >= 2;
        return bf16 ? loweredMatmul(o, true) : matmul(o);
    }

    /** The autocast product (Autocast's table): bf16 operands, float32 or (bf16Result) bf16 result. */
    private Var loweredMatmul(Var o, boolean bf16Result) {
        Tensor a16 = value.toPreservingLayout(DType.BF16), b16 = o.value.toPreservingLayout(DType.BF16);
        Tensor y = bf16Result ? a16.backend().matmulBf16Result(a16, b16) : a16.matmul(b16);
        if (!wants(o) && a16 != value) a16.storage().release();      // not saved: a temporary of this op
        if (!wants(this) && b16 != o.value) b16.storage().release(); // (an operand already bf16 is the caller's)
        var fromNorm = NormOutputRecompute.product(a16, b16, wants(o), wants(this));   // a norm output: rebuilt from x̂
        if (fromNorm != null) return record("matmul", y, fromNorm::rule, fromNorm.saved(), this, o);
        return record("matmul", y, () -> LinearRules.matmul(a16, b16), saves(wants(o) ? a16 : null, wants(this) ? b16 : null), this, o);
    }

    /**
     * {@code act(this) @ w} without keeping {@code act(this)} for backward: the node saves this
     * (and w when this wants a gradient) and recomputes the activation for w's gradient — one
     * element-wise pass instead of an activation-sized tensor held until backward (a Linear after
     * a GELU: the MLP's widest tensor). Gradients equal those of {@code act().matmul(w)} exactly.
     * this (..., k), w as in {@link #matmul}; act one of TANH, SIGMOID, SILU, GELU, GELU_TANH.
     */
    public Var matmulAfter(UnaryOp act, Var w) {
        if (!act.hasFusedGradient() || act == UnaryOp.SOFTPLUS) {
            throw new JmambaException("matmulAfter: expected tanh, sigmoid, silu, gelu or gelu_tanh, got " + act);
        }
        boolean lowered = Autocast.operandType("matmulAfter", value, w.value) != null;   // autocast: bf16 operands
        Tensor wm = lowered ? w.value.toPreservingLayout(DType.BF16) : w.value;
        Tensor h = value.backend().unary(act, value, 0, 0);
        Tensor y = (lowered ? lowered(h) : h).matmul(wm);
        // the input the rule reads: under autocast kept as bf16 (half the memory of the widest tensor, as
        // torch.autocast keeps the bf16 output of the product before the activation)
        Tensor input = lowered && (wants(this) || wants(w)) ? value.toPreservingLayout(DType.BF16) : value;
        return record("matmulAfter", y, () -> (gy, needs) -> {
            Tensor x = input.dtype() == DType.BF16 ? input.to(DType.F32) : input;
            // the activation is recomputed only for w's gradient; for this's gradient the rule reads w alone
            Tensor a = needs[1] ? x.backend().unary(act, x, 0, 0) : x;
            if (needs[1] && lowered) a = lowered(a);
            Tensor[] g = LinearRules.matmul(a, wm, lowered).backward(gy, needs);
            Tensor gx = g[0] == null ? null : x.backend().unaryGrad(act, x, g[0], 0, 0);
            if (lowered && needs[1]) a.storage().release();
            if (x != input) x.storage().release();
            return new Tensor[] {gx, g[1]};
        }, saves(input, wants(this) ? wm : null), this, w);
    }

    /**
     * {@code act(this + bias) @ w}: a Linear after a biased activation (an MLP's fc2 after fc1's bias and GELU).
     * Under autocast one pass adds the bias, rounds the pre-activation to bf16 (all the node keeps for backward)
     * and writes act of it in bf16 for the product ({@link dev.jmamba.tensor.Backend#biasActivationBf16}); the
     * backward recomputes the activation from the kept bf16 value (a bf16 activation: off with
     * {@code -Djmamba.autocast.bf16Activations=false}). Otherwise exactly {@code add(bias).matmulAfter(act, w)}.
     * this (..., n) without the bias, bias (n), w (n, out) as in {@link #matmul}.
     */
    public Var matmulAfter(UnaryOp act, Var bias, Var w) {
        boolean lowered = Autocast.operandType("matmulAfter", value, w.value) != null && Autocast.activationType(value) != null
                && value.dtype() == DType.F32 && bias.dtype() == DType.F32 && act.hasFusedGradient() && act != UnaryOp.SOFTPLUS;
        if (!lowered) return add(bias).matmulAfter(act, w);
        Tensor wm = w.value.toPreservingLayout(DType.BF16);
        Tensor[] preAct = value.backend().biasActivationBf16(act, value, bias.value);   // {pre, act}, (..., n) bf16
        Tensor y = preAct[1].matmul(wm);                                                 // float32
        preAct[1].storage().release();
        boolean anyGrad = wants(this) || wants(bias) || wants(w);
        if (!anyGrad) preAct[0].storage().release();
        Tensor pre = preAct[0];
        return record("matmulAfter", y, () -> LinearRules.matmulAfterBias(act, pre, wm, bias.shape()),
                saves(anyGrad ? pre : null, wants(this) || wants(bias) ? wm : null), this, bias, w);
    }

    /** t as bf16 in t's layout, t's float32 storage released at once (a temporary of this op only). */
    private static Tensor lowered(Tensor t) {
        Tensor b = t.toPreservingLayout(DType.BF16);
        t.storage().release();
        return b;
    }

    /** this (N, C, H, W), weight (O, C/groups, kh, kw), bias (O) or null. */
    public Var conv2d(Var weight, Var bias, ConvParams p) {
        if (p.groups() == 1 && Autocast.operandType("conv2d", value, weight.value) != null) {   // autocast: bf16 operands
            Tensor x16 = value.toPreservingLayout(DType.BF16), w16 = weight.value.toPreservingLayout(DType.BF16);
            Tensor y = x16.conv2d(w16, bias == null ? null : bias.value, p);                  // float32
            if (!wants(weight) && x16 != value) x16.storage().release();                       // not saved: a temporary
            if (!wants(this) && w16 != weight.value) w16.storage().release();
            return record("conv2d", y, () -> LinearRules.conv2d(x16, w16, p),
                    saves(wants(weight) ? x16 : null, wants(this) ? w16 : null), this, weight, bias);
        }
        Tensor y = value.conv2d(weight.value, bias == null ? null : bias.value, p);
        return record("conv2d", y, () -> LinearRules.conv2d(value, weight.value, p),
                saves(wants(weight) ? value : null, wants(this) ? weight.value : null), this, weight, bias);
    }

    /** this (N, C, L), weight (O, C/groups, k), bias (O) or null; recorded as a conv2d on (N, C, 1, L). */
    public Var conv1d(Var weight, Var bias, int stride, int padding, int dilation, int groups) {
        if (rank() != 3 || weight.rank() != 3) {
            throw new JmambaException("conv1d: expected input (N, C, L) and weight (O, C/groups, k), got "
                    + Shapes.str(shape()) + " and " + Shapes.str(weight.shape()));
        }
        ConvParams p = new ConvParams(1, stride, 0, padding, 1, dilation, groups);
        return unsqueeze(2).conv2d(weight.unsqueeze(2), bias, p).squeeze(2);
    }

    public Var avgPool2d(int kernel, int stride, int padding) {
        return unary("avgPool2d", value.avgPool2d(kernel, stride, padding), () -> ResampleRules.avgPool2d(value.shape(), kernel, stride, padding), NOTHING);
    }
    public Var adaptiveAvgPool2d(int oh, int ow) {
        return unary("adaptiveAvgPool2d", value.adaptiveAvgPool2d(oh, ow), () -> ResampleRules.adaptiveAvgPool2d(value.shape()), NOTHING);
    }
    public Var interpolate(int outH, int outW, InterpolateMode mode, boolean alignCorners) {
        return unary("interpolate", value.interpolate(outH, outW, mode, alignCorners),
                () -> ResampleRules.interpolate(value.shape(), mode, alignCorners), NOTHING);
    }

    /** Layer norm over the last dim; weight and bias (C) may be null. */
    public Var layerNorm(Var weight, Var bias, double eps) {
        Tensor w = weight == null ? null : weight.value;
        Tensor[] r = value.backend().layerNorm(value, w, bias == null ? null : bias.value, eps); // {y, mean, rstd}
        return record("layerNorm", r[0], () -> NormRules.layerNorm(value, w, r[1], r[2]), saves(value, w, r[1], r[2]), this, weight, bias);
    }

    /**
     * Layer norm over the last dim whose output only lowered ops (products) read: under autocast with bf16
     * activations ({@link Autocast#activationType}) the output is bf16 and the node saves the bf16 x̂ and the
     * float32 rstd instead of the float32 input ({@link dev.jmamba.tensor.Backend#layerNormBf16}); otherwise exactly {@link #layerNorm}.
     */
    public Var layerNormForProducts(Var weight, Var bias, double eps) {
        if (Autocast.activationType(value) == null || (value.dtype() != DType.F32 && value.dtype() != DType.BF16)) {
            return layerNorm(weight, bias, eps);
        }
        Tensor w = weight == null ? null : weight.value;
        Tensor[] r = value.backend().layerNormBf16(value, w, bias == null ? null : bias.value, eps, Autograd.backwardFollows()); // {y, xhat, rstd}
        Var y = record("layerNormBf16", r[0], () -> NormRules.layerNormBf16(r[1], w, r[2]), saves(r[1], w, r[2]), this, weight, bias);
        if (y.node != null) NormOutputRecompute.remember(r[0], r[1], w, bias == null ? null : bias.value);   // the node keeps x̂: a product may rebuild y from it
        return y;
    }

    /** RMS norm over the last dim; weight (C) may be null. */
    public Var rmsNorm(Var weight, double eps) {
        Tensor w = weight == null ? null : weight.value;
        Tensor[] r = value.backend().rmsNorm(value, w, eps); // {y, rstd}
        return record("rmsNorm", r[0], () -> NormRules.rmsNorm(value, w, r[1]), saves(value, w, r[1]), this, weight);
    }
}
