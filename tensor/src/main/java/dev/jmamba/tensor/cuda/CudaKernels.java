package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jmamba.tensor.JmambaException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Launches the kernels of {@code elementwise.cu} on a {@link CudaContext}'s stream. Every kernel
 * has its function handle looked up once and its own pre-allocated {@link KernelArgs}, so a
 * launch allocates nothing. All methods are asynchronous; pointers are device pointers to float32.
 * One instance per launching thread (the argument blocks are reused).
 */
public final class CudaKernels {
    /** The kernel source resource. */
    public static final String SOURCE = "elementwise.cu";
    /** Threads per block for every kernel here. */
    static final int THREADS = 256;
    /** Most blocks per SM a grid-stride launch uses: 8 × 256 = 2048 threads, an SM's maximum on Hopper. */
    static final int BLOCKS_PER_SM = 8;
    /** Most partial sums of the first reduction pass (the second pass is one block over them). */
    static final int MAX_SUM_BLOCKS = 1024;
    /** Most dimensions of a strided op (JM_MAX_DIMS in the .cu). */
    public static final int MAX_DIMS = 8;
    /** Bytes of {@code struct StridedShape}: int ndim, int padding, three long long[8] arrays. */
    static final long SHAPE_BYTES = 8 + 3L * 8 * MAX_DIMS;

    /** Binary ops, each with a contiguous and a strided (broadcasting) kernel. */
    public enum BinaryOp {
        ADD, SUB, MUL, DIV;

        /** Contiguous kernel, e.g. {@code add_f32}. */
        public String kernel() {
            return name().toLowerCase() + "_f32";
        }

        /** Strided kernel, e.g. {@code add_strided_f32}. */
        public String stridedKernel() {
            return name().toLowerCase() + "_strided_f32";
        }
    }

    /** Unary ops on contiguous arrays. */
    public enum UnaryOp {
        EXP, LOG, TANH, SIGMOID, SILU, GELU, SOFTPLUS;

        /** Kernel name, e.g. {@code unary_exp_f32}. */
        public String kernel() {
            return "unary_" + name().toLowerCase() + "_f32";
        }
    }

    /** Every kernel name this class launches (each must be an entry of the compiled source). */
    public static List<String> kernelNames() {
        List<String> names = new ArrayList<>();
        for (BinaryOp op : BinaryOp.values()) {
            names.add(op.kernel());
            names.add(op.stridedKernel());
        }
        for (UnaryOp op : UnaryOp.values()) names.add(op.kernel());
        names.add("fill_f32");
        names.add("sum_partial_f32");
        return names;
    }

    private final CudaContext context;
    private final String source = KernelCache.resource(SOURCE);
    private final Map<BinaryOp, Long> binaryFunctions = new EnumMap<>(BinaryOp.class);
    private final Map<BinaryOp, Long> stridedFunctions = new EnumMap<>(BinaryOp.class);
    private final Map<UnaryOp, Long> unaryFunctions = new EnumMap<>(UnaryOp.class);
    private final long fillFunction;
    private final long sumFunction;
    // (a, b, out, n), (a, b, out, n, shape), (x, y, n), (out, value, n), (x, partial, n)
    private final KernelArgs binaryArgs = new KernelArgs(8, 8, 8, 8);
    private final KernelArgs stridedArgs = new KernelArgs(8, 8, 8, 8, SHAPE_BYTES);
    private final KernelArgs unaryArgs = new KernelArgs(8, 8, 8);
    private final KernelArgs fillArgs = new KernelArgs(8, 4, 8);
    private final KernelArgs sumArgs = new KernelArgs(8, 8, 8);

    /** Compiles (or loads from the cache) {@code elementwise.cu} for the context's device. */
    public CudaKernels(CudaContext context) {
        this.context = context;
        for (BinaryOp op : BinaryOp.values()) {
            binaryFunctions.put(op, function(op.kernel()));
            stridedFunctions.put(op, function(op.stridedKernel()));
        }
        for (UnaryOp op : UnaryOp.values()) unaryFunctions.put(op, function(op.kernel()));
        fillFunction = function("fill_f32");
        sumFunction = function("sum_partial_f32");
    }

    private long function(String kernel) {
        return context.kernels().function(source, SOURCE, KernelCache.standardOptions(), kernel);
    }

    /** Blocks for a grid-stride launch over {@code work} items: enough to cover them, capped at 8 per SM. */
    static int blocksFor(long work, int multiprocessors) {
        long needed = Math.max(1, (work + THREADS - 1) / THREADS);
        return (int) Math.min(needed, (long) BLOCKS_PER_SM * Math.max(1, multiprocessors));
    }

    private void launch(long function, long work, KernelArgs args) {
        CudaDriver.launchKernel(function, blocksFor(work, context.multiprocessors()), 1, 1, THREADS, 1, 1, 0,
                context.stream(), args);
    }

    /** {@code out[i] = value} for i < n. out: (n). */
    public void fill(long out, long n, float value) {
        if (n == 0) return;
        fillArgs.setLong(0, out).setFloat(1, value).setLong(2, n);
        launch(fillFunction, (n + 3) / 4, fillArgs);
    }

    /** {@code out[i] = a[i] op b[i]} for i < n; out may be a or b. a, b, out: (n). */
    public void binary(BinaryOp op, long a, long b, long out, long n) {
        if (n == 0) return;
        binaryArgs.setLong(0, a).setLong(1, b).setLong(2, out).setLong(3, n);
        launch(binaryFunctions.get(op), (n + 3) / 4, binaryArgs);
    }

    /**
     * Broadcasting binary op: {@code out} is contiguous with {@code shape}; element (i0, …, id)
     * reads {@code a[Σ i_k·stridesA[k]]} and {@code b[Σ i_k·stridesB[k]]} (strides in elements,
     * 0 where an operand is broadcast). shape, stridesA, stridesB: (ndim), ndim ≤ 8.
     */
    public void binaryStrided(BinaryOp op, long a, long b, long out, long[] shape, long[] stridesA, long[] stridesB) {
        long n = packShape(stridedArgs.slot(4), shape, stridesA, stridesB);
        if (n == 0) return;
        stridedArgs.setLong(0, a).setLong(1, b).setLong(2, out).setLong(3, n);
        launch(stridedFunctions.get(op), n, stridedArgs);
    }

    /** {@code y[i] = op(x[i])} for i < n; y may be x. x, y: (n). */
    public void unary(UnaryOp op, long x, long y, long n) {
        if (n == 0) return;
        unaryArgs.setLong(0, x).setLong(1, y).setLong(2, n);
        launch(unaryFunctions.get(op), (n + 3) / 4, unaryArgs);
    }

    /** {@code out[0] = Σ x[i]} for i < n, in two deterministic passes (no atomics). x: (n); out: (1). */
    public void sum(long x, long n, long out) {
        int blocks = (int) Math.min(MAX_SUM_BLOCKS, blocksFor(n, context.multiprocessors()));
        CachingAllocator allocator = context.allocator();
        long partial = allocator.allocate(4L * blocks, context.stream());
        sumArgs.setLong(0, x).setLong(1, partial).setLong(2, n);
        CudaDriver.launchKernel(sumFunction, blocks, 1, 1, THREADS, 1, 1, 0, context.stream(), sumArgs);
        sumArgs.setLong(0, partial).setLong(1, out).setLong(2, blocks);
        CudaDriver.launchKernel(sumFunction, 1, 1, 1, THREADS, 1, 1, 0, context.stream(), sumArgs);
        // stream order: the next user of this block runs after the second pass
        allocator.free(partial);
    }

    /**
     * Writes {@code struct StridedShape} into {@code slot} and returns the element count.
     * shape, stridesA, stridesB: (ndim).
     */
    static long packShape(MemorySegment slot, long[] shape, long[] stridesA, long[] stridesB) {
        int ndim = shape.length;
        if (ndim > MAX_DIMS) throw new JmambaException("strided ops take at most " + MAX_DIMS + " dimensions; got " + ndim);
        if (stridesA.length != ndim || stridesB.length != ndim) {
            throw new JmambaException("shape has " + ndim + " dimensions but the strides of a and b have "
                    + stridesA.length + " and " + stridesB.length);
        }
        if (slot.byteSize() < SHAPE_BYTES) throw new JmambaException("shape slot holds " + slot.byteSize() + " bytes; needs " + SHAPE_BYTES);
        long n = 1;
        slot.fill((byte) 0);
        slot.set(JAVA_INT, 0, ndim);
        for (int d = 0; d < ndim; d++) {
            if (shape[d] < 0) throw new JmambaException("shape " + java.util.Arrays.toString(shape) + " has a negative size");
            n = Math.multiplyExact(n, shape[d]);
            slot.set(JAVA_LONG, 8 + 8L * d, shape[d]);
            slot.set(JAVA_LONG, 8 + 8L * (MAX_DIMS + d), stridesA[d]);
            slot.set(JAVA_LONG, 8 + 8L * (2 * MAX_DIMS + d), stridesB[d]);
        }
        return n;
    }

    /** Element offset of linear output index {@code i} for an operand with {@code strides}: the .cu's index math. */
    static long offsetOf(long i, long[] shape, long[] strides) {
        long offset = 0;
        for (int d = shape.length - 1; d >= 0; d--) {
            offset += (i % shape[d]) * strides[d];
            i /= shape[d];
        }
        return offset;
    }
}
