package dev.jmamba.vision.parity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fixtures load from the test-classes folder and from inside a jar (how the packed GPU run sees them). */
class ParityFixtureTest {
    @Test void loadsFromAJarEntryAsFromAFile(@TempDir Path dir) throws Exception {
        ParityFixture plain = ParityFixture.load("vim_mixer");
        Path jar = dir.resolve("tests.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out);
             InputStream in = ParityFixture.class.getResourceAsStream("/parity/vim_mixer.safetensors")) {
            j.putNextEntry(new JarEntry("parity/vim_mixer.safetensors"));
            in.transferTo(j);
            j.closeEntry();
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            URL url = loader.getResource("parity/vim_mixer.safetensors");
            assertEquals("jar", url.getProtocol());
            ParityFixture fromJar = ParityFixture.load(url, "vim_mixer");
            assertEquals(plain.params().keySet(), fromJar.params().keySet());
            assertTrue(plain.params().containsKey("A_b_log"));
            assertArrayEquals(plain.output().toDoubleArray(), fromJar.output().toDoubleArray(), 0.0);
        }
    }
}
