package dev.jmamba.io.pth;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The .pth fixtures written by {@code autograd/src/test/python/pth/make_fixtures.py}, copied to a folder. */
final class Fixtures {
    private Fixtures() {}

    static Path copy(String name, Path folder) {
        try (InputStream in = Fixtures.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("test resource " + name + " is missing");
            Path p = folder.resolve(name);
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
