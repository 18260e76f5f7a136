package dev.jmamba.tensor.cuda;

import dev.jmamba.tensor.JmambaException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * Compiled kernels, cached twice: on disk (the compiled image, so a later run pays no NVRTC
 * time) and in memory (the loaded module and each looked-up function, so a run pays each
 * cuModuleLoadData / cuModuleGetFunction once).
 *
 * <p>The disk key is the SHA-256 of (source, architecture, options, compiler version): change any
 * of them and the kernel is compiled again. Files are written to a temporary name and renamed into
 * place, so a crash never leaves a half-written image under a valid key. Folder:
 * {@code -Djmamba.kernelCache}, else {@code $XDG_CACHE_HOME/jmamba/kernels}, else
 * {@code ~/.cache/jmamba/kernels}. A cache that cannot be written only costs compile time.
 */
public final class KernelCache {
    private static final Logger LOG = Logger.getLogger("dev.jmamba");
    /** Classpath folder of the kernel sources. */
    public static final String KERNEL_RESOURCES = "/dev/jmamba/tensor/cuda/kernels/";

    /** Turns source into a loadable image (NVRTC on a GPU; a fake in tests). */
    public interface Compiler {
        /** The compiled image of {@code source}. */
        byte[] compile(String source, String name, List<String> options);

        /** The compiler's version, part of the cache key. */
        String version();
    }

    /** Loads images and finds functions in them (the driver on a GPU; a fake in tests). */
    public interface ModuleLoader {
        /** A module handle for the image. */
        long load(byte[] image);

        /** The function {@code name} of a loaded module. */
        long function(long module, String name);
    }

    private final Path folder;
    private final String architecture;
    private final Compiler compiler;
    private final ModuleLoader loader;
    private final Map<String, Long> modules = new ConcurrentHashMap<>();
    private final Map<String, Long> functions = new ConcurrentHashMap<>();
    private volatile int compilations;

    /** A cache in {@code folder} for kernels built for {@code architecture} (e.g. "sm_90"). */
    public KernelCache(Path folder, String architecture, Compiler compiler, ModuleLoader loader) {
        if (!architecture.matches("sm_\\d+[a-z]?|compute_\\d+[a-z]?")) {
            throw new JmambaException("GPU architecture must look like sm_90 or compute_90; got '" + architecture + "'");
        }
        this.folder = folder;
        this.architecture = architecture;
        this.compiler = compiler;
        this.loader = loader;
    }

    /** The folder chosen by {@code -Djmamba.kernelCache}, {@code XDG_CACHE_HOME} or the home folder. */
    public static Path defaultFolder() {
        return defaultFolder(System.getProperty("jmamba.kernelCache"), System.getenv("XDG_CACHE_HOME"), System.getProperty("user.home"));
    }

    static Path defaultFolder(String override, String xdgCacheHome, String userHome) {
        if (override != null && !override.isBlank()) return Path.of(override);
        if (xdgCacheHome != null && !xdgCacheHome.isBlank()) return Path.of(xdgCacheHome, "jmamba", "kernels");
        return Path.of(userHome, ".cache", "jmamba", "kernels");
    }

    /** The NVRTC options used for every kernel, after the architecture flag. */
    public static List<String> standardOptions() {
        return List.of("-default-device", "--std=c++17", "-lineinfo");
    }

    /** The full option list for {@code architecture}: {@code --gpu-architecture=...} then {@code options}. */
    static List<String> fullOptions(String architecture, List<String> options) {
        List<String> all = new ArrayList<>();
        all.add("--gpu-architecture=" + architecture);
        all.addAll(options);
        return all;
    }

    /** True when the options ask for a real architecture (sm_XY), so NVRTC can produce a CUBIN. */
    static boolean targetsRealArchitecture(List<String> options) {
        for (String option : options) {
            if (option.startsWith("--gpu-architecture=sm_") || option.startsWith("-arch=sm_")) return true;
        }
        return false;
    }

    /** The cache key: SHA-256 (hex) of source, architecture, options and compiler version, NUL-separated. */
    public static String key(String source, String architecture, List<String> options, String compilerVersion) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : List.of(source, architecture, String.join("\u0001", options), compilerVersion)) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException impossible) {
            throw new IllegalStateException("the JDK has no SHA-256", impossible);
        }
    }

    /** Reads a kernel source shipped as a resource under {@link #KERNEL_RESOURCES}, e.g. "strided.cu". */
    public static String resource(String fileName) {
        try (InputStream in = KernelCache.class.getResourceAsStream(KERNEL_RESOURCES + fileName)) {
            if (in == null) throw new JmambaException("no kernel source " + KERNEL_RESOURCES + fileName + " on the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read kernel source " + fileName, e);
        }
    }

    /** The compiled image of {@code source}: from disk when cached, else compiled and stored. */
    public byte[] image(String source, String name, List<String> options) {
        List<String> all = fullOptions(architecture, options);
        String key = key(source, architecture, all, compiler.version());
        Path file = folder.resolve(key + ".bin");
        if (Files.isRegularFile(file)) {
            try {
                return Files.readAllBytes(file);
            } catch (IOException unreadable) {
                LOG.warning("kernel cache file " + file + " could not be read (" + unreadable.getMessage() + "); compiling again");
            }
        }
        byte[] image = compiler.compile(source, name, all);
        compilations++;
        store(file, image);
        return image;
    }

    private void store(Path file, byte[] image) {
        try {
            Files.createDirectories(folder);
            Path temp = Files.createTempFile(folder, file.getFileName().toString(), ".tmp");
            try {
                Files.write(temp, image);
                try {
                    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException notAtomic) {
                    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException | UnsupportedOperationException cannotWrite) {
            LOG.warning("could not write kernel cache file " + file + " (" + cannotWrite.getMessage() + "); kernels will be compiled again next run");
        }
    }

    /** The loaded module for {@code source} (loaded once per cache). */
    public long module(String source, String name, List<String> options) {
        String key = key(source, architecture, fullOptions(architecture, options), compiler.version());
        return modules.computeIfAbsent(key, k -> loader.load(image(source, name, options)));
    }

    /** The function {@code kernel} of the module for {@code source} (looked up once per cache). */
    public long function(String source, String name, List<String> options, String kernel) {
        long module = module(source, name, options);
        return functions.computeIfAbsent(module + "/" + kernel, k -> loader.function(module, kernel));
    }

    /** The architecture this cache compiles for. */
    public String architecture() {
        return architecture;
    }

    /** The disk folder. */
    public Path folder() {
        return folder;
    }

    /** How many times this cache ran the compiler (disk hits do not count). */
    public int compilations() {
        return compilations;
    }
}
