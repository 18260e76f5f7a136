package dev.jmamba.tensor;

import java.util.Arrays;

/**
 * An n-dimensional array: a view (shape, strides, offset) over a {@link Storage} of one
 * {@link DType} on one {@link Device}. Tensors are immutable handles; ops return new tensors and
 * view ops ({@link #reshape}, {@link #permute}, {@link #narrow}, {@link #expand}, ...) share the
 * storage. Compute ops run on the device's {@link Backend}.
 *
 * <pre>{@code
 * Tensor x = Tensor.randn(42, 2, 3);            // (2, 3) F32 on the CPU
 * Tensor y = x.matmul(x.transpose(0, 1)).exp(); // (2, 2)
 * }</pre>
 */
public final class Tensor {
    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    public Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    // ------------------------------------------------------------------ basic properties

    public Storage storage() { return storage; }
    public DType dtype() { return storage.dtype(); }
    public Device device() { return storage.device(); }
    public Backend backend() { return Backends.of(device()); }
    public int[] shape() { return shape.clone(); }
    public int[] strides() { return strides.clone(); }
    public int offset() { return offset; }
    public int rank() { return shape.length; }
    public int numel() { return Shapes.numel(shape); }

    /** Size of dim {@code d} (negative counts from the end). */
    public int size(int d) { return shape[Shapes.axis("size", d, shape.length)]; }

    /** True when elements are laid out row-major without gaps, starting at {@link #offset()}. */
    public boolean isContiguous() {
        int expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    @Override public String toString() {
        return "Tensor" + Shapes.str(shape) + " " + dtype() + " " + device();
    }

    // ------------------------------------------------------------------ creation

    /** A zero tensor. */
    public static Tensor zeros(DType dtype, Device device, int... shape) {
        Storage s = Backends.of(device).allocate(dtype, Shapes.numel(shape));
        return new Tensor(s, shape.clone(), Shapes.contiguousStrides(shape), 0);
    }

    /** A tensor whose every element the caller will write (contents unspecified; the GPU skips the zero fill). */
    public static Tensor empty(DType dtype, Device device, int... shape) {
        Storage s = Backends.of(device).allocateUninitialized(dtype, Shapes.numel(shape));
        return new Tensor(s, shape.clone(), Shapes.contiguousStrides(shape), 0);
    }

    /**
     * A dense tensor of {@code like}'s shape, dtype and device whose dims lie in memory in the order of
     * like's strides (PyTorch's {@code empty_like} with preserve_format): a (B, D, L) view of a (D, B·L)
     * matrix gets a new (D, B·L) matrix. Contents unspecified.
     */
    public static Tensor emptyLike(Tensor like) { return emptyLike(like, like.dtype()); }

    /** As {@link #emptyLike(Tensor)} with elements of {@code dtype}. */
    public static Tensor emptyLike(Tensor like, DType dtype) {
        Storage s = Backends.of(like.device()).allocateUninitialized(dtype, Shapes.numel(like.shape));
        return new Tensor(s, like.shape.clone(), denseStridesLike(like), 0);
    }

    /** The strides {@link #emptyLike} gives: dense, dims ordered in memory as in {@code like}. */
    public static int[] denseStridesLike(Tensor like) {
        int[] st = like.strides, sh = like.shape, strides = new int[like.rank()];
        // the dims of size > 1, outermost (largest |stride|) first; ties keep dim order
        int[] order = java.util.stream.IntStream.range(0, sh.length).filter(i -> sh[i] != 1).boxed()
                .sorted((a, b) -> Long.compare(Math.abs((long) st[b]), Math.abs((long) st[a])))
                .mapToInt(Integer::intValue).toArray();
        int step = 1;
        for (int i = order.length - 1; i >= 0; i--) {
            strides[order[i]] = step;
            step *= sh[order[i]];
        }
        for (int i = 0; i < sh.length; i++) if (sh[i] == 1) strides[i] = step;
        return strides;
    }

    /** A zero F32 tensor on the CPU. */
    public static Tensor zeros(int... shape) { return zeros(DType.F32, Device.CPU, shape); }

    /** A tensor filled with {@code value}. */
    public static Tensor full(double value, DType dtype, Device device, int... shape) {
        Tensor t = zeros(dtype, device, shape);
        if (value != 0) t.backend().fill(t, value);
        return t;
    }

    public static Tensor ones(int... shape) { return full(1, DType.F32, Device.CPU, shape); }

    /** A 0-d tensor holding {@code value}. */
    public static Tensor scalar(double value, DType dtype, Device device) { return full(value, dtype, device); }

    /** [start, end) with {@code step}. */
    public static Tensor arange(double start, double end, double step, DType dtype, Device device) {
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        Tensor t = zeros(dtype, device, n);
        t.backend().arange(t, start, step);
        return t;
    }

    /** {@code steps} points evenly spaced from start to end inclusive. */
    public static Tensor linspace(double start, double end, int steps, DType dtype, Device device) {
        Tensor t = zeros(dtype, device, steps);
        t.backend().arange(t, start, steps > 1 ? (end - start) / (steps - 1) : 0);
        return t;
    }

    /** Random tensor from the counter-based generator: same (seed, shape) → same numbers everywhere. */
    public static Tensor random(RandomKind kind, long seed, double a, double b, DType dtype, Device device, int... shape) {
        Tensor t = zeros(dtype, device, shape);
        t.backend().fillRandom(t, kind, seed, a, b);
        return t;
    }

    /**
     * {@link #random(RandomKind, long, double, double, DType, Device, int...)} with the seed read from
     * {@code seeds[index]} when the work runs ({@link Backend#fillRandom(Tensor, RandomKind, Tensor, int, double, double)}):
     * what a step captured in a CUDA graph uses so that each replay draws with the seed written there
     * before it. seeds: (m) I64, contiguous, on {@code device}; 0 ≤ index < m.
     */
    public static Tensor random(RandomKind kind, Tensor seeds, int index, double a, double b, DType dtype, Device device, int... shape) {
        String op = "random";
        if (seeds == null) throw new TensorException(op, "a seeds tensor", "null");
        seeds.storage().checkAlive(op);
        if (seeds.dtype() != DType.I64) throw new TensorException.DType(op, "seeds of dtype I64", seeds.dtype().toString());
        if (seeds.rank() != 1 || !seeds.isContiguous()) {
            throw new TensorException.Shape(op, "contiguous seeds of shape (m)", Shapes.str(seeds.shapeRef()) + (seeds.isContiguous() ? "" : " (not contiguous)"));
        }
        if (index < 0 || index >= seeds.size(0)) throw new TensorException(op, "a seed index in [0, " + seeds.size(0) + ")", String.valueOf(index));
        if (!seeds.device().equals(device)) throw new TensorException.Device(op, "seeds on " + device, "seeds on " + seeds.device());
        Tensor t = zeros(dtype, device, shape);
        t.backend().fillRandom(t, kind, seeds, index, a, b);
        return t;
    }

    /** Uniform [0, 1) F32 on the CPU. */
    public static Tensor rand(long seed, int... shape) { return random(RandomKind.UNIFORM, seed, 0, 1, DType.F32, Device.CPU, shape); }

    /** Standard normal F32 on the CPU. */
    public static Tensor randn(long seed, int... shape) { return random(RandomKind.NORMAL, seed, 0, 1, DType.F32, Device.CPU, shape); }

    /** Wraps a copy of {@code data} with the given shape (F32, CPU). */
    public static Tensor of(float[] data, int... shape) { return ArrayIO.of(data.clone(), shape); }

    /** Wraps a copy of {@code data} (F64, CPU). */
    public static Tensor of(double[] data, int... shape) { return ArrayIO.of(data.clone(), shape); }

    /** Wraps a copy of {@code data} (I32, CPU). */
    public static Tensor of(int[] data, int... shape) { return ArrayIO.of(data.clone(), shape); }

    /** Wraps a copy of {@code data} (I64, CPU). */
    public static Tensor of(long[] data, int... shape) { return ArrayIO.of(data.clone(), shape); }

    /** Wraps {@code data} without copying (F32, CPU); the caller must not modify it afterwards. */
    public static Tensor wrap(float[] data, int... shape) { return ArrayIO.of(data, shape); }

    // ------------------------------------------------------------------ conversion

    public float[] toFloatArray() { return ArrayIO.toFloats(this); }
    public double[] toDoubleArray() { return ArrayIO.toDoubles(this); }
    public int[] toIntArray() { return ArrayIO.toInts(this); }
    public long[] toLongArray() { return ArrayIO.toLongs(this); }

    /** The value of a one-element tensor. */
    public double item() {
        if (numel() != 1) throw new TensorException.Shape("item", "a tensor with one element", Shapes.str(shape));
        return toDoubleArray()[0];
    }

    /** A copy converted to {@code dtype} (this tensor when it already has it). */
    public Tensor to(DType dtype) {
        if (dtype == dtype()) return this;
        Tensor out = empty(dtype, device(), shape);
        backend().copy(this, out);
        return out;
    }

    /**
     * A copy converted to {@code dtype} that keeps this tensor's layout when it is a dense block stored in
     * some order of its dims (a transposed or permuted view of a contiguous tensor): the elements are
     * converted in storage order, one coalesced pass, and the result has the same strides — PyTorch's
     * {@code preserve_format}. Other tensors (broadcast, sliced) get a contiguous copy, as {@link #to(DType)}.
     */
    /**
     * The dim order in which this tensor's elements lie as one dense block ({@code permute(order)} is
     * contiguous, e.g. (0, 2, 3, 1) for a channels-last (N, C, H, W) view), or null when they do not.
     */
    public int[] storageOrder() {
        return Views.denseOrder(this);
    }

    public Tensor toPreservingLayout(DType dtype) {
        if (dtype == dtype() || isContiguous()) return to(dtype);
        int[] order = Views.denseOrder(this);
        if (order == null) return to(dtype);
        return permute(order).to(dtype).permute(Shapes.inversePermutation(order));   // converted in storage order, viewed back
    }

    /**
     * {@code this + other}, in this tensor's layout when both are the same dense block stored in the same
     * non-row-major dim order (equal shapes and strides, e.g. two gradients of a transposed view): added in
     * storage order, one coalesced pass, with those strides — as PyTorch gives an element-wise result the
     * layout its inputs share. Otherwise {@link #add}.
     */
    public Tensor addPreservingLayout(Tensor other) {
        if (isContiguous() || !java.util.Arrays.equals(shape, other.shape) || !java.util.Arrays.equals(strides, other.strides)) {
            return add(other);
        }
        int[] order = Views.denseOrder(this);   // other's too: same shape and strides
        if (order == null) return add(other);
        return permute(order).add(other.permute(order)).permute(Shapes.inversePermutation(order));
    }

    /** A copy on {@code device} (this tensor when it is already there). */
    public Tensor to(Device device) {
        if (device.equals(device())) return this;
        return Backends.transfer(contiguous(), device);
    }

    /** This tensor if contiguous, else a contiguous copy. */
    public Tensor contiguous() {
        if (isContiguous()) return this;
        return copy();
    }

    /** A contiguous copy that does not share storage. */
    public Tensor copy() {
        Tensor out = empty(dtype(), device(), shape);
        backend().copy(this, out);
        return out;
    }

    /** Writes {@code src} (broadcast to this shape) into this view, in place. */
    public Tensor copyFrom(Tensor src) {
        Checks.sameDevice("copyFrom", this, src);
        Tensor s = Shapes.same(src.shape, shape) ? src : src.expand(shape);
        backend().copy(s, this);
        return this;
    }

    /** Sets every element of this view to {@code value}, in place. */
    public Tensor fill(double value) {
        backend().fill(this, value);
        return this;
    }

    // ------------------------------------------------------------------ views

    /** Same data, new shape (one dim may be -1); copies only when the strides do not allow a view. */
    public Tensor reshape(int... newShape) { return Views.reshape(this, newShape); }

    /** Like {@link #reshape} but never copies: throws when a view is impossible. */
    public Tensor view(int... newShape) { return Views.view(this, newShape); }

    public Tensor permute(int... dims) { return Views.permute(this, dims); }

    public Tensor transpose(int a, int b) { return Views.transpose(this, a, b); }

    /** Elements [start, start + length) of dim {@code dim}. */
    public Tensor narrow(int dim, int start, int length) { return Views.narrow(this, dim, start, length); }

    /** Elements start, start+step, ... < end of dim {@code dim} (Python slice semantics for ends). */
    public Tensor slice(int dim, int start, int end, int step) { return Views.slice(this, dim, start, end, step); }

    /** Removes dim {@code dim} by taking index {@code index}. */
    public Tensor select(int dim, int index) { return Views.select(this, dim, index); }

    /** Broadcasts size-1 dims (stride 0); new leading dims may be added. -1 keeps a size. */
    public Tensor expand(int... newShape) { return Views.expand(this, newShape); }

    public Tensor squeeze(int dim) { return Views.squeeze(this, dim); }

    /** Removes every size-1 dim. */
    public Tensor squeeze() { return Views.squeezeAll(this); }

    public Tensor unsqueeze(int dim) { return Views.unsqueeze(this, dim); }

    /** Reverses the given dims (a copy, as in PyTorch). */
    public Tensor flip(int... dims) { return Views.flipView(this, dims).copy(); }

    // ------------------------------------------------------------------ element-wise

    public Tensor unary(UnaryOp op, double p0, double p1) { return backend().unary(op, this, p0, p1); }
    private Tensor unary(UnaryOp op) { return unary(op, 0, 0); }

    public Tensor neg() { return unary(UnaryOp.NEG); }
    public Tensor exp() { return unary(UnaryOp.EXP); }
    public Tensor log() { return unary(UnaryOp.LOG); }
    public Tensor sqrt() { return unary(UnaryOp.SQRT); }
    public Tensor rsqrt() { return unary(UnaryOp.RSQRT); }
    public Tensor tanh() { return unary(UnaryOp.TANH); }
    public Tensor sigmoid() { return unary(UnaryOp.SIGMOID); }
    public Tensor silu() { return unary(UnaryOp.SILU); }
    /** Exact GELU (erf). */
    public Tensor gelu() { return unary(UnaryOp.GELU); }
    /** GELU, tanh approximation. */
    public Tensor geluTanh() { return unary(UnaryOp.GELU_TANH); }
    /** softplus with beta 1 and threshold 20 (PyTorch's and Mamba's defaults). */
    public Tensor softplus() { return unary(UnaryOp.SOFTPLUS, 1, 20); }
    public Tensor softplus(double beta, double threshold) { return unary(UnaryOp.SOFTPLUS, beta, threshold); }
    public Tensor abs() { return unary(UnaryOp.ABS); }
    public Tensor sign() { return unary(UnaryOp.SIGN); }
    public Tensor clamp(double min, double max) { return unary(UnaryOp.CLAMP, min, max); }
    public Tensor relu() { return unary(UnaryOp.RELU); }
    public Tensor square() { return unary(UnaryOp.SQUARE); }
    public Tensor reciprocal() { return unary(UnaryOp.RECIPROCAL); }
    public Tensor pow(double exponent) { return unary(UnaryOp.POW, exponent, 0); }
    public Tensor sin() { return unary(UnaryOp.SIN); }
    public Tensor cos() { return unary(UnaryOp.COS); }
    public Tensor log1p() { return unary(UnaryOp.LOG1P); }
    public Tensor expm1() { return unary(UnaryOp.EXPM1); }
    /** 1 where the element is NaN or infinite, else 0. */
    public Tensor nonFinite() { return unary(UnaryOp.NONFINITE); }

    public Tensor add(double s) { return unary(UnaryOp.AFFINE, 1, s); }
    public Tensor sub(double s) { return unary(UnaryOp.AFFINE, 1, -s); }
    public Tensor mul(double s) { return unary(UnaryOp.AFFINE, s, 0); }
    public Tensor div(double s) { return unary(UnaryOp.AFFINE, 1.0 / s, 0); }

    public Tensor binary(BinaryOp op, Tensor other) {
        Checks.sameDevice(op.name().toLowerCase(), this, other);
        return backend().binary(op, this, other);
    }

    public Tensor add(Tensor o) { return binary(BinaryOp.ADD, o); }
    public Tensor sub(Tensor o) { return binary(BinaryOp.SUB, o); }
    public Tensor mul(Tensor o) { return binary(BinaryOp.MUL, o); }
    public Tensor div(Tensor o) { return binary(BinaryOp.DIV, o); }
    public Tensor pow(Tensor o) { return binary(BinaryOp.POW, o); }
    public Tensor maximum(Tensor o) { return binary(BinaryOp.MAX, o); }
    public Tensor minimum(Tensor o) { return binary(BinaryOp.MIN, o); }
    public Tensor eq(Tensor o) { return binary(BinaryOp.EQ, o); }
    public Tensor ne(Tensor o) { return binary(BinaryOp.NE, o); }
    public Tensor lt(Tensor o) { return binary(BinaryOp.LT, o); }
    public Tensor le(Tensor o) { return binary(BinaryOp.LE, o); }
    public Tensor gt(Tensor o) { return binary(BinaryOp.GT, o); }
    public Tensor ge(Tensor o) { return binary(BinaryOp.GE, o); }

    /** {@code cond != 0 ? a : b} with broadcasting. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        Checks.sameDevice("where", cond, a);
        Checks.sameDevice("where", a, b);
        return a.backend().where(cond, a, b);
    }

    // ------------------------------------------------------------------ reductions

    public Tensor sum(boolean keepdim, int... axes) { return Reductions.reduce(ReduceOp.SUM, this, axes, keepdim); }
    public Tensor mean(boolean keepdim, int... axes) { return Reductions.reduce(ReduceOp.MEAN, this, axes, keepdim); }
    public Tensor max(boolean keepdim, int... axes) { return Reductions.reduce(ReduceOp.MAX, this, axes, keepdim); }
    public Tensor min(boolean keepdim, int... axes) { return Reductions.reduce(ReduceOp.MIN, this, axes, keepdim); }
    /** Sum of all elements (0-d). */
    public Tensor sum() { return sum(false); }
    /** Mean of all elements (0-d). */
    public Tensor mean() { return mean(false); }
    /** Variance over {@code axes} ({@code unbiased}: divide by n - 1). */
    public Tensor var(boolean unbiased, boolean keepdim, int... axes) { return Reductions.var(this, unbiased, keepdim, axes); }
    public Tensor argmax(int axis, boolean keepdim) { return backend().argReduce(true, this, Shapes.axis("argmax", axis, rank()), keepdim); }
    public Tensor argmin(int axis, boolean keepdim) { return backend().argReduce(false, this, Shapes.axis("argmin", axis, rank()), keepdim); }
    public Tensor softmax(int axis) { return backend().softmax(this, Shapes.axis("softmax", axis, rank()), false); }
    public Tensor logSoftmax(int axis) { return backend().softmax(this, Shapes.axis("logSoftmax", axis, rank()), true); }

    /** Sums this tensor down to {@code target} shape (the reverse of broadcasting). */
    public Tensor sumTo(int... target) { return Reductions.sumTo(this, target); }

    // ------------------------------------------------------------------ linear algebra, nn primitives

    /** Matrix product with NumPy semantics (1-D operands are promoted and the added dim removed). */
    public Tensor matmul(Tensor other) { return LinearOps.matmul(this, other); }

    /** 2-D convolution: this (N, C, H, W), weight (O, C/groups, kh, kw), bias (O) or null. */
    public Tensor conv2d(Tensor weight, Tensor bias, ConvParams p) { return LinearOps.conv2d(this, weight, bias, p); }

    /** 1-D convolution: this (N, C, L), weight (O, C/groups, k), bias (O) or null. */
    public Tensor conv1d(Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        return LinearOps.conv1d(this, weight, bias, stride, padding, dilation, groups);
    }

    public Tensor avgPool2d(int kernel, int stride, int padding) {
        return backend().avgPool2d(Checks.rank("avgPool2d", this, 4), kernel, kernel, stride, stride, padding, padding);
    }

    public Tensor adaptiveAvgPool2d(int oh, int ow) { return backend().adaptiveAvgPool2d(Checks.rank("adaptiveAvgPool2d", this, 4), oh, ow); }

    public Tensor gather(int axis, Tensor index) { return IndexOps.gather(this, axis, index); }
    public Tensor scatterAdd(int axis, Tensor index, Tensor src) { return IndexOps.scatterAdd(this, axis, index, src); }
    public Tensor indexSelect(int axis, Tensor index) { return IndexOps.indexSelect(this, axis, index); }
    public Tensor indexAdd(int axis, Tensor index, Tensor src) { return IndexOps.indexAdd(this, axis, index, src); }

    /** Resamples the last two dims of (N, C, H, W) to (outH, outW). */
    public Tensor interpolate(int outH, int outW, InterpolateMode mode, boolean alignCorners) {
        return backend().interpolate(Checks.rank("interpolate", this, 4), outH, outW, mode, alignCorners);
    }

    /** Layer norm over the last dim; weight/bias (C) may be null. */
    public Tensor layerNorm(Tensor weight, Tensor bias, double eps) { return backend().layerNorm(this, weight, bias, eps)[0]; }

    /** RMS norm over the last dim; weight (C) may be null. */
    public Tensor rmsNorm(Tensor weight, double eps) { return backend().rmsNorm(this, weight, eps)[0]; }

    // ------------------------------------------------------------------ joining and padding

    public static Tensor cat(int axis, Tensor... parts) { return Joins.cat(axis, parts); }
    public static Tensor stack(int axis, Tensor... parts) { return Joins.stack(axis, parts); }
    public Tensor[] split(int axis, int... sizes) { return Joins.split(this, axis, sizes); }
    public Tensor[] chunk(int chunks, int axis) { return Joins.chunk(this, chunks, axis); }

    /**
     * Constant padding; {@code pads} lists (before, after) pairs starting from the LAST dim, as in
     * PyTorch's {@code F.pad}. Negative pads crop.
     */
    public Tensor pad(double value, int... pads) { return Joins.pad(this, value, pads); }

    // ------------------------------------------------------------------ misc

    /** Max |a - b| over all elements (a quick check; for tests prefer the testing helpers). */
    public double maxAbsDiff(Tensor other) {
        double[] a = toDoubleArray(), b = other.toDoubleArray();
        if (a.length != b.length) throw new TensorException.Shape("maxAbsDiff", Shapes.str(shape), Shapes.str(other.shape));
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }

    /** Shape equality. */
    public boolean sameShape(Tensor o) { return Arrays.equals(shape, o.shape); }

    // package-private raw access for views
    int[] shapeRef() { return shape; }
    int[] stridesRef() { return strides; }
}
