package dev.jmamba.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.io.CheckpointException;
import dev.jmamba.nn.StateDictException;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.TensorException;
import dev.jmamba.tensor.cuda.CudaException;
import dev.jmamba.tensor.cuda.CudaUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Rules of the code base that no compiler checks, read from the sources of the library modules
 * (the app's tests run in {@code train-app/}, so the other modules are at {@code ../<module>}).
 */
class CodebaseRulesTest {
    /** The library modules that throw the {@link JmambaException} family (scan-curves is JDK-only). */
    static final List<String> LIBRARY_MODULES = List.of("tensor", "autograd", "ssm", "vision");

    /** The main Java sources of {@code module}, as (path, text) pairs. */
    static List<Path> mainSources(String module) throws IOException {
        Path root = Path.of("..", module, "src", "main", "java");
        assertTrue(Files.isDirectory(root), "expected the sources of " + module + " at " + root.toAbsolutePath());
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }

    @Test void libraryModulesThrowTheJmambaFamilyNotPlainIllegalArgument() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (String module : LIBRARY_MODULES) {
            for (Path file : mainSources(module)) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    if (lines.get(i).contains("new IllegalArgumentException(")) offenders.add(file + ":" + (i + 1));
                }
            }
        }
        assertTrue(offenders.isEmpty(), "throw JmambaException (or a TensorException kind) instead of a plain "
                + "IllegalArgumentException, so embedders can catch jmamba's errors in one place: " + offenders);
    }

    @Test void everyUserFacingExceptionIsAJmambaException() {
        for (Class<?> c : List.of(TensorException.class, TensorException.Shape.class, TensorException.DType.class,
                TensorException.Device.class, TensorException.OutOfMemory.class, CudaException.class,
                CudaUnavailableException.class, CheckpointException.class, StateDictException.class)) {
            assertTrue(JmambaException.class.isAssignableFrom(c), c.getName() + " should extend JmambaException");
        }
        // callers written to the plain Java convention keep catching them
        assertTrue(IllegalArgumentException.class.isAssignableFrom(JmambaException.class));
    }
}
