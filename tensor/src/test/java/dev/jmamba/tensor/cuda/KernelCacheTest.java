package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cache keys, the disk cache and the in-memory module/function maps, with a fake compiler. */
class KernelCacheTest {

    /** "Compiles" by tagging the source with the options; counts calls. */
    static final class FakeCompiler implements KernelCache.Compiler {
        int calls;
        String version = "13.0";

        @Override
        public byte[] compile(String source, String name, List<String> options) {
            calls++;
            return (String.join(" ", options) + "|" + source).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String version() {
            return version;
        }
    }

    static final class FakeLoader implements KernelCache.ModuleLoader {
        int loads;
        int lookups;

        @Override
        public long load(byte[] image) {
            loads++;
            return 1000 + loads;
        }

        @Override
        public long function(long module, String name) {
            lookups++;
            return module * 31 + name.hashCode();
        }
    }

    @Test
    void keyIsDeterministicAndSeesEveryPart() {
        List<String> options = List.of("--gpu-architecture=sm_90", "-lineinfo");
        String key = KernelCache.key("src", "sm_90", options, "13.0");
        assertEquals(64, key.length());
        assertTrue(key.matches("[0-9a-f]{64}"));
        assertEquals(key, KernelCache.key("src", "sm_90", List.copyOf(options), "13.0"));
        assertNotEquals(key, KernelCache.key("src ", "sm_90", options, "13.0"));
        assertNotEquals(key, KernelCache.key("src", "sm_80", options, "13.0"));
        assertNotEquals(key, KernelCache.key("src", "sm_90", List.of("--gpu-architecture=sm_90"), "13.0"));
        assertNotEquals(key, KernelCache.key("src", "sm_90", options, "12.8"));
        // parts are separated: moving text between parts changes the key
        assertNotEquals(KernelCache.key("ab", "sm_90", options, "1"), KernelCache.key("a", "bsm_90", options, "1"));
        assertNotEquals(KernelCache.key("s", "sm_90", List.of("a b"), "1"), KernelCache.key("s", "sm_90", List.of("a", "b"), "1"));
    }

    @Test
    void defaultFolderPrecedence() {
        assertEquals(Path.of("/x/k"), KernelCache.defaultFolder("/x/k", "/xdg", "/home/u"));
        assertEquals(Path.of("/xdg/jmamba/kernels"), KernelCache.defaultFolder(null, "/xdg", "/home/u"));
        assertEquals(Path.of("/home/u/.cache/jmamba/kernels"), KernelCache.defaultFolder("", "", "/home/u"));
    }

    @Test
    void compilesOnceThenReadsFromDisk(@TempDir Path dir) throws Exception {
        FakeCompiler compiler = new FakeCompiler();
        KernelCache first = new KernelCache(dir, "sm_90", compiler, new FakeLoader());
        byte[] image = first.image("kernel source", "k.cu", List.of("-lineinfo"));
        assertEquals("--gpu-architecture=sm_90 -lineinfo|kernel source", new String(image, StandardCharsets.UTF_8));
        assertArrayEquals(image, first.image("kernel source", "k.cu", List.of("-lineinfo")));
        assertEquals(1, compiler.calls);

        // a new cache (a later run) over the same folder compiles nothing
        KernelCache later = new KernelCache(dir, "sm_90", compiler, new FakeLoader());
        assertArrayEquals(image, later.image("kernel source", "k.cu", List.of("-lineinfo")));
        assertEquals(1, compiler.calls);
        assertEquals(0, later.compilations());

        // another option, architecture or compiler version is another key
        later.image("kernel source", "k.cu", List.of("-lineinfo", "--std=c++17"));
        new KernelCache(dir, "sm_80", compiler, new FakeLoader()).image("kernel source", "k.cu", List.of("-lineinfo"));
        compiler.version = "13.1";
        later.image("kernel source", "k.cu", List.of("-lineinfo"));
        assertEquals(4, compiler.calls);

        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertEquals(4, names.size(), names.toString());
            assertTrue(names.stream().allMatch(n -> n.matches("[0-9a-f]{64}\\.bin")), "no temporary files left: " + names);
        }
    }

    @Test
    void modulesAndFunctionsAreLoadedOnce(@TempDir Path dir) {
        FakeLoader loader = new FakeLoader();
        KernelCache cache = new KernelCache(dir, "sm_90", new FakeCompiler(), loader);
        long f1 = cache.function("src", "k.cu", List.of(), "add_f32");
        long f2 = cache.function("src", "k.cu", List.of(), "add_f32");
        long g = cache.function("src", "k.cu", List.of(), "mul_f32");
        assertEquals(f1, f2);
        assertNotEquals(f1, g);
        assertEquals(1, loader.loads);
        assertEquals(2, loader.lookups);
        cache.function("other src", "k.cu", List.of(), "add_f32");
        assertEquals(2, loader.loads);
    }

    @Test
    void unwritableFolderOnlyCostsCompileTime(@TempDir Path dir) throws Exception {
        Path notAFolder = Files.writeString(dir.resolve("file"), "x");
        FakeCompiler compiler = new FakeCompiler();
        KernelCache cache = new KernelCache(notAFolder.resolve("kernels"), "sm_90", compiler, new FakeLoader());
        assertEquals("--gpu-architecture=sm_90|s", new String(cache.image("s", "k.cu", List.of()), StandardCharsets.UTF_8));
        cache.image("s", "k.cu", List.of());
        assertEquals(2, compiler.calls);
    }

    @Test
    void architectureIsValidated(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new KernelCache(dir, "90", new FakeCompiler(), new FakeLoader()));
        assertTrue(e.getMessage().contains("'90'"), e.getMessage());
        new KernelCache(dir, "sm_90a", new FakeCompiler(), new FakeLoader());
        new KernelCache(dir, "compute_90", new FakeCompiler(), new FakeLoader());
    }

    @Test
    void realArchitectureMeansCubin() {
        assertTrue(KernelCache.targetsRealArchitecture(KernelCache.fullOptions("sm_90", KernelCache.standardOptions())));
        assertTrue(!KernelCache.targetsRealArchitecture(KernelCache.fullOptions("compute_90", KernelCache.standardOptions())));
    }

    @Test
    void kernelSourcesAreOnTheClasspath() {
        assertTrue(KernelCache.resource(StridedKernels.SOURCE).contains("extern \"C\""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelCache.resource("nope.cu"));
        assertTrue(e.getMessage().contains("nope.cu"), e.getMessage());
    }
}
