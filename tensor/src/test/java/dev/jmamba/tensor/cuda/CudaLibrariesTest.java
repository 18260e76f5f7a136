package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Library lookup by soname and the message when nothing is found (runs without a GPU). */
class CudaLibrariesTest {

    @Test
    void missingLibraryMessageSaysWhatWasSearched() {
        Path override = Path.of("/nonexistent/override");
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class, () -> CudaLibraries.load("the test library",
                List.of("libjmamba-missing.so.13", "libjmamba-missing.so.12"), override, CudaLibraries.STANDARD_FOLDERS));
        String message = e.getMessage();
        assertTrue(message.startsWith("The test library is not available"), message);
        for (String expected : List.of("libjmamba-missing.so.13", "libjmamba-missing.so.12", "/nonexistent/override",
                "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/local/cuda/lib64", "/usr/lib/x86_64-linux-gnu",
                "JMAMBA_CUDA_LIB_DIR", "jmamba.cuda.libDir")) {
            assertTrue(message.contains(expected), "message should name " + expected + ": " + message);
        }
        // one sentence: no line breaks
        assertTrue(!message.contains("\n"), message);
    }

    @Test
    void laterSonameIsTriedWhenTheFirstIsMissing() {
        // libc stands in for a CUDA library: the mechanism is the same
        SymbolLookup libc = CudaLibraries.load("libc", List.of("libjmamba-missing.so.13", "libc.so.6"), null, List.of());
        assertTrue(libc.find("strlen").isPresent());
    }

    @Test
    void overrideFolderIsSearchedFirst(@TempDir Path dir) throws Exception {
        Path realLibc = List.of(Path.of("/usr/lib/x86_64-linux-gnu/libc.so.6"), Path.of("/lib/x86_64-linux-gnu/libc.so.6"))
                .stream().filter(Files::isRegularFile).findFirst().orElseThrow();
        Files.copy(realLibc, dir.resolve("libjmamba-fake.so.1"));
        SymbolLookup found = CudaLibraries.load("fake", List.of("libjmamba-fake.so.1"), dir, List.of());
        assertTrue(found.find("strlen").isPresent());
    }

    @Test
    void overrideFolderComesFromTheSystemProperty() {
        String before = System.getProperty("jmamba.cuda.libDir");
        try {
            System.setProperty("jmamba.cuda.libDir", "/opt/somewhere/lib");
            assertEquals(Path.of("/opt/somewhere/lib"), CudaLibraries.overrideFolder());
            assertEquals(Path.of("/opt/somewhere/lib"), CudaLibraries.searchFolders().get(0));
            assertEquals(1 + CudaLibraries.STANDARD_FOLDERS.size(), CudaLibraries.searchFolders().size());
        } finally {
            if (before == null) System.clearProperty("jmamba.cuda.libDir"); else System.setProperty("jmamba.cuda.libDir", before);
        }
    }

    @Test
    void sonamesAreNewestFirst() {
        assertEquals(List.of("libcuda.so.1"), CudaLibraries.DRIVER);
        assertEquals(List.of("libnvrtc.so.13", "libnvrtc.so.12"), CudaLibraries.NVRTC);
        assertEquals(List.of("libcublas.so.13", "libcublas.so.12"), CudaLibraries.CUBLAS);
    }
}
