package dev.jmamba.ssm.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.CudaDriver;
import dev.jmamba.tensor.cuda.KernelArgs;
import dev.jmamba.tensor.cuda.KernelCache;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One kernel file on one context (an ssm source, or another module's through {@link #KernelFile(CudaContext, String, String)}): its functions, compiled on first use and remembered by name,
 * and the one-dimensional grid-stride launch the element-wise kernels share. Launches are
 * asynchronous on the context's stream.
 */
public final class KernelFile {
    /** Threads per block of a grid-stride launch (a multiple of 32, as block reductions need). */
    public static final int THREADS = 256;
    /** Most blocks of a grid-stride launch (the kernels loop over the rest). */
    private static final int MAX_BLOCKS = 1 << 16;

    private final CudaContext context;
    private final String sourceName;
    private final String source;
    private final Map<String, Long> functions = new ConcurrentHashMap<>();

    /** {@code sourceName}: a file under {@link KernelSource#FOLDER}, e.g. "causal_conv1d.cu". */
    KernelFile(CudaContext context, String sourceName) {
        this(context, KernelSource.FOLDER, sourceName);
    }

    /** {@code sourceName}: a file in the classpath folder {@code folder} (absolute, ending in '/'). */
    public KernelFile(CudaContext context, String folder, String sourceName) {
        this.context = context;
        this.sourceName = sourceName;
        this.source = KernelSource.read(folder, sourceName);
    }

    /** The CUfunction of {@code kernel}, compiled with the standard options on first use. */
    public long function(String kernel) {
        return functions.computeIfAbsent(kernel,
                name -> context.kernels().function(source, sourceName, KernelCache.standardOptions(), name));
    }

    /** Launches {@code kernel} over {@code work} elements: blocks of {@link #THREADS}, at most 2^16 blocks; nothing when work is 0. */
    public void launchFlat(String kernel, long work, KernelArgs args) {
        if (work == 0) return;
        int blocks = (int) Math.min(MAX_BLOCKS, (work + THREADS - 1) / THREADS);
        CudaDriver.launchKernel(function(kernel), blocks, 1, 1, THREADS, 1, 1, 0, context.stream(), args);
    }

    /** The kernel-name suffix of {@code dtype} ("f32" or "f64"); {@code op} names the operation in the error. */
    public static String suffix(DType dtype, String op) {
        return switch (dtype) {
            case F32 -> "f32";
            case F64 -> "f64";
            default -> throw new JmambaException(op + " on CUDA computes in F32 or F64, got " + dtype);
        };
    }
}
