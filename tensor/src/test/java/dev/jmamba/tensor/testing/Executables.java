package dev.jmamba.tensor.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the external tools some tests need (nvcc, g++): the first executable of that name on the PATH. */
public final class Executables {
    private Executables() {}

    /** The executable {@code name} from the PATH, or null when there is none. */
    public static Path onPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) return candidate;
        }
        return null;
    }
}
