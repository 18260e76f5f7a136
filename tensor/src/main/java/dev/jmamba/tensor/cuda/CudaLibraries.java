package dev.jmamba.tensor.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds and loads the CUDA shared libraries by soname: the driver {@code libcuda.so.1}, NVRTC
 * ({@code libnvrtc.so.13}, then {@code .12}) and cuBLAS ({@code libcublas.so.13}, then {@code .12}).
 *
 * <p>Search order for each soname: the override folder ({@code -Djmamba.cuda.libDir} or the
 * environment variable {@code JMAMBA_CUDA_LIB_DIR}), then the system loader (ld.so cache,
 * {@code LD_LIBRARY_PATH}), then the standard CUDA folders. Libraries are loaded into the global
 * arena and never unloaded. Each is loaded once, on first use; a failure is remembered and reported again.
 */
public final class CudaLibraries {
    /** Sonames of the driver library. */
    public static final List<String> DRIVER = List.of("libcuda.so.1");
    /** Sonames of NVRTC, newest first. */
    public static final List<String> NVRTC = List.of("libnvrtc.so.13", "libnvrtc.so.12");
    /** Sonames of cuBLAS, newest first. */
    public static final List<String> CUBLAS = List.of("libcublas.so.13", "libcublas.so.12");
    /** Sonames of nvJPEG (the CUDA toolkit's JPEG decoder), newest first. */
    public static final List<String> NVJPEG = List.of("libnvjpeg.so.13", "libnvjpeg.so.12");
    /** Folders where CUDA toolkits and drivers usually put their libraries. */
    public static final List<Path> STANDARD_FOLDERS = List.of(
            Path.of("/usr/local/cuda/targets/x86_64-linux/lib"),
            Path.of("/usr/local/cuda/lib64"),
            Path.of("/usr/lib/x86_64-linux-gnu"));

    private CudaLibraries() {}

    /** Results of loading, by library: a SymbolLookup or the CudaUnavailableException it gave. */
    private static final Map<String, Object> LOADED = new ConcurrentHashMap<>();

    /** The driver library; throws {@link CudaUnavailableException} when absent (every time, with the same message). */
    public static SymbolLookup driver() {
        return cached("the CUDA driver", DRIVER);
    }

    /** The NVRTC library. */
    public static SymbolLookup nvrtc() {
        return cached("NVRTC", NVRTC);
    }

    /** The cuBLAS library. */
    public static SymbolLookup cublas() {
        return cached("cuBLAS", CUBLAS);
    }

    /** The nvJPEG library. */
    public static SymbolLookup nvjpeg() {
        return cached("nvJPEG", NVJPEG);
    }

    private static SymbolLookup cached(String what, List<String> sonames) {
        Object result = LOADED.computeIfAbsent(what, k -> {
            try {
                return load(what, sonames);
            } catch (CudaUnavailableException missing) {
                return missing;
            }
        });
        if (result instanceof CudaUnavailableException missing) {
            throw new CudaUnavailableException(missing.function(), missing.getMessage());
        }
        return (SymbolLookup) result;
    }

    /** The override folder, if set: {@code -Djmamba.cuda.libDir} wins over {@code JMAMBA_CUDA_LIB_DIR}. */
    static Path overrideFolder() {
        String dir = System.getProperty("jmamba.cuda.libDir");
        if (dir == null || dir.isBlank()) dir = System.getenv("JMAMBA_CUDA_LIB_DIR");
        return dir == null || dir.isBlank() ? null : Path.of(dir);
    }

    /** Folders searched besides the system loader, in order: override folder first, then the standard ones. */
    static List<Path> searchFolders() {
        List<Path> folders = new ArrayList<>();
        Path override = overrideFolder();
        if (override != null) folders.add(override);
        folders.addAll(STANDARD_FOLDERS);
        return folders;
    }

    /** Loads the first soname found, or throws {@link CudaUnavailableException} saying what was searched. */
    static SymbolLookup load(String what, List<String> sonames) {
        return load(what, sonames, overrideFolder(), STANDARD_FOLDERS);
    }

    static SymbolLookup load(String what, List<String> sonames, Path override, List<Path> standardFolders) {
        return load(what, sonames, override, standardFolders, "set JMAMBA_CUDA_LIB_DIR or -Djmamba.cuda.libDir to the folder that holds it");
    }

    /** {@link #load(String, List, Path, List)} whose failure message ends with {@code hint} (which setting to use). */
    static SymbolLookup load(String what, List<String> sonames, Path override, List<Path> standardFolders, String hint) {
        Arena arena = Arena.global();
        List<Path> folders = new ArrayList<>();
        if (override != null) folders.add(override);
        folders.addAll(standardFolders);
        for (String soname : sonames) {
            if (override != null) {
                SymbolLookup found = tryFile(override.resolve(soname), arena);
                if (found != null) return found;
            }
            try {
                return SymbolLookup.libraryLookup(soname, arena);
            } catch (IllegalArgumentException notOnLoaderPath) {
                // fall through to the standard folders
            }
            for (Path folder : standardFolders) {
                SymbolLookup found = tryFile(folder.resolve(soname), arena);
                if (found != null) return found;
            }
        }
        throw new CudaUnavailableException(what, Character.toUpperCase(what.charAt(0)) + what.substring(1) + " is not available: none of " + sonames
                + " could be loaded through the system loader or from the folders " + folders
                + " (" + hint + ").");
    }

    private static SymbolLookup tryFile(Path file, Arena arena) {
        if (!Files.isRegularFile(file)) return null;
        try {
            return SymbolLookup.libraryLookup(file, arena);
        } catch (IllegalArgumentException cannotLoad) {
            return null;
        }
    }

    /** A downcall handle for {@code name}; throws {@link CudaUnavailableException} when the library lacks it. */
    static MethodHandle downcall(SymbolLookup library, String libraryName, String name, FunctionDescriptor descriptor) {
        return Linker.nativeLinker().downcallHandle(
                library.find(name).orElseThrow(() -> new CudaUnavailableException(name,
                        libraryName + " has no symbol " + name + " (the installed version is too old for jmamba).")),
                descriptor);
    }

    /** A downcall handle for {@code name}, or null when the library lacks that (optional) symbol. */
    static MethodHandle optionalDowncall(SymbolLookup library, String name, FunctionDescriptor descriptor) {
        return library.find(name).map(s -> Linker.nativeLinker().downcallHandle(s, descriptor)).orElse(null);
    }
}
