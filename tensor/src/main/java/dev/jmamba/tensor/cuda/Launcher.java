package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * Base of the CUDA backend's per-family kernel launchers: loads one {@code .cu} resource
 * (pasting in {@code jm_common.cuh}, since NVRTC has no include path), looks kernels up through
 * the context's {@link KernelCache}, and launches them on the context's stream. Launches are
 * asynchronous. Subclasses keep one pre-allocated {@link KernelArgs} per kernel signature and
 * make their launching methods {@code synchronized} (the argument blocks are shared).
 */
abstract class Launcher {
    /** Most dims of a strided loop after merging (JM_MAX_DIMS). */
    static final int MAX_DIMS = 8;
    /** Threads per block of grid-stride kernels. */
    static final int THREADS = 256;
    /** Most blocks per SM of a grid-stride launch (8 × 256 threads fill a Hopper SM). */
    static final int BLOCKS_PER_SM = 8;
    /** The shared header every kernel file includes. */
    static final String COMMON_HEADER = "jm_common.cuh";

    protected final CudaContext context;
    private final String sourceName;
    private final String source;

    Launcher(CudaContext context, String sourceName) {
        this.context = context;
        this.sourceName = sourceName;
        this.source = source(sourceName);
    }

    /** The text of kernel file {@code name} with {@code #include "jm_common.cuh"} replaced by the header. */
    static String source(String name) {
        String text = read(name);
        String include = "#include \"" + COMMON_HEADER + "\"";
        if (!text.contains(include)) return text;
        return text.replace(include, read(COMMON_HEADER).replace("#pragma once", ""));
    }

    private static String read(String name) {
        try (InputStream in = Launcher.class.getResourceAsStream(KernelCache.KERNEL_RESOURCES + name)) {
            if (in == null) throw new JmambaException("no kernel source " + KernelCache.KERNEL_RESOURCES + name + " on the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read kernel source " + name, e);
        }
    }

    private final java.util.Map<String, Long> functions = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The function handle of {@code kernel} (compiled on first use, then cached here: the kernel
     * cache keys modules by a SHA-256 of the source, far too slow to compute on every launch).
     */
    protected final long function(String kernel) {
        Long f = functions.get(kernel);
        if (f == null) {
            f = context.kernels().function(source, sourceName, KernelCache.standardOptions(), kernel);
            functions.put(kernel, f);
        }
        return f;
    }

    /** Blocks for a grid-stride launch over {@code work} items. */
    final int blocksFor(long work) {
        long needed = Math.max(1, (work + THREADS - 1) / THREADS);
        return (int) Math.min(needed, (long) BLOCKS_PER_SM * Math.max(1, context.multiprocessors()));
    }

    /** A grid-stride launch over {@code work} items. */
    protected final void launch(String kernel, long work, KernelArgs args) {
        CudaDriver.launchKernel(function(kernel), blocksFor(work), 1, 1, THREADS, 1, 1, 0, context.stream(), args);
    }

    /** One block of {@code threads} threads per row, {@code rows} blocks. */
    protected final void launchRows(String kernel, int rows, int threads, KernelArgs args) {
        CudaDriver.launchKernel(function(kernel), rows, 1, 1, threads, 1, 1, 0, context.stream(), args);
    }

    /** A 2-D launch: a (gridX, gridY) grid of (blockX, blockY) blocks (gridY at most 65535). */
    protected final void launchGrid(String kernel, int gridX, int gridY, int blockX, int blockY, KernelArgs args) {
        CudaDriver.launchKernel(function(kernel), gridX, gridY, 1, blockX, blockY, 1, 0, context.stream(), args);
    }

    /** Threads per block for a row of {@code length} elements: a multiple of 32 from 32 to 256. */
    static int rowThreads(int length) {
        int t = 32;
        while (t < 256 && t < length) t <<= 1;
        return t;
    }

    /** Sets a double parameter (KernelArgs has no double setter). */
    static void setDouble(KernelArgs args, int index, double value) {
        args.slot(index).set(JAVA_DOUBLE, 0, value);
    }

    /** The device address of {@code t}'s first element (storage pointer + offset). */
    static long address(Tensor t) {
        return CudaStorage.of(t).pointer() + (long) t.offset() * t.dtype().bytes();
    }

    /** The device address of {@code t}'s storage start (offsets travel in JmStrides). */
    static long base(Tensor t) {
        return CudaStorage.of(t).pointer();
    }

    /** Kernel-name suffix of a dtype: f32, f64, i32, i64, bf16. */
    static String suffix(dev.jmamba.tensor.DType dtype) {
        return dtype.name().toLowerCase(java.util.Locale.ROOT);
    }
}
