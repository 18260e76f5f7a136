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
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Rules of the code base that no compiler checks, read from the sources of the library modules
 * (the app's tests run in {@code train-app/}, so the other modules are at {@code ../<module>}).
 */
class CodebaseRulesTest {
    /** Every module with main sources. */
    static final List<String> ALL_MODULES = List.of("tensor", "autograd", "scan-curves", "ssm", "vision", "examples", "train-app");
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

    /** A setting read in Java: {@code System.getProperty("x")}, {@code Integer.getInteger("x", …)}, {@code System.getenv("X")}, .... */
    private static final Pattern JAVA_SETTING = Pattern.compile(
            "(?:System\\.getProperty|Boolean\\.getBoolean|Integer\\.getInteger|Long\\.getLong|System\\.getenv)\\(\\s*\"([^\"]+)\"");
    /** A string literal that is exactly a jmamba property name, e.g. {@code property("jmamba.image.maxPixels", …)}. */
    private static final Pattern JMAMBA_LITERAL = Pattern.compile("\"(jmamba\\.[A-Za-z][A-Za-z0-9.]*)\"");
    /** JDK properties the code reads that are not jmamba settings. */
    private static final Set<String> JDK_PROPERTIES = Set.of("user.home", "java.version", "java.home", "os.name", "os.arch",
            "line.separator", "java.io.tmpdir", "java.class.path");
    /** A first-column entry of the settings table: | `name` | ... */
    private static final Pattern TABLE_ROW = Pattern.compile("^\\| `([^`]+)` \\|", Pattern.MULTILINE);

    @Test void everySettingIsInTheSettingsTable() throws IOException {
        Set<String> read = new TreeSet<>();
        for (String module : ALL_MODULES) {
            for (Path file : mainSources(module)) {
                String text = Files.readString(file);
                Matcher m = JAVA_SETTING.matcher(text);
                while (m.find()) if (!JDK_PROPERTIES.contains(m.group(1))) read.add(m.group(1));
                Matcher literal = JMAMBA_LITERAL.matcher(text);                  // names passed to helpers
                while (literal.find()) read.add(literal.group(1));
            }
        }
        Matcher launcher = Pattern.compile("\\b(JMAMBA_[A-Z0-9_]+)").matcher(Files.readString(Path.of("..", "jmamba")));
        while (launcher.find()) read.add(launcher.group(1));
        Set<String> documented = new TreeSet<>();
        Matcher row = TABLE_ROW.matcher(Files.readString(Path.of("..", "docs", "SETTINGS.md")));
        while (row.find()) documented.add(row.group(1));
        Set<String> missing = new TreeSet<>(read);
        missing.removeAll(documented);
        Set<String> stale = new TreeSet<>(documented);
        stale.removeAll(read);
        assertTrue(missing.isEmpty(), "settings read by the code but missing from docs/SETTINGS.md: " + missing);
        assertTrue(stale.isEmpty(), "settings in docs/SETTINGS.md that nothing reads any more: " + stale);
        assertTrue(read.contains("jmamba.threads") && read.contains("JMAMBA_CUDA_LIB_DIR"), "the scan found the known settings: " + read);
    }

    /** A markdown link target: [text](target) or [text](target#anchor). */
    private static final Pattern MD_LINK = Pattern.compile("\\]\\(([^)#\\s]+)(?:#[^)]*)?\\)");

    @Test void everyDocumentLinkStaysInsideTheRepositoryAndResolves() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<Path> docs;
        try (Stream<Path> files = Files.walk(root)) {
            docs = files.filter(p -> p.toString().endsWith(".md"))
                    .filter(p -> { String r = root.relativize(p).toString(); return !r.contains("target/") && !r.startsWith(".") ; })
                    .sorted().toList();
        }
        assertTrue(docs.size() >= 8, "found the READMEs: " + docs);
        List<String> broken = new ArrayList<>();
        for (Path doc : docs) {
            String text = Files.readString(doc);
            if (text.contains("../shared/") || text.contains("/work/")) broken.add(root.relativize(doc) + ": names a folder outside the repository");
            Matcher m = MD_LINK.matcher(text);
            while (m.find()) {
                String target = m.group(1);
                if (target.startsWith("http://") || target.startsWith("https://")) continue;
                Path resolved = doc.getParent().resolve(target).normalize();
                if (!resolved.startsWith(root) || !Files.exists(resolved)) broken.add(root.relativize(doc) + " -> " + target);
            }
        }
        assertTrue(broken.isEmpty(), "links that leave the repository or lead nowhere: " + broken);
    }

    /**
     * The layering: only a module's {@code cuda} package (and the app's benchmark commands) may use the CUDA
     * classes of {@code dev.jmamba.tensor.cuda} (its exception types excepted); everything else reaches the GPU through {@code Backend}
     * (graph capture included), so autograd, the blocks and the models never know the device.
     */
    @Test void onlyCudaPackagesImportTheCudaBackend() throws IOException {
        List<String> offenders = new ArrayList<>();
        for (String module : ALL_MODULES) {
            for (Path file : mainSources(module)) {
                String path = file.toString().replace('\\', '/');
                boolean allowed = path.contains("/cuda/") || path.contains("/dev/jmamba/app/Bench");
                // the exception types (CudaException, …) are part of the user-facing family and may be caught anywhere
                boolean importsCudaClass = Pattern.compile("import dev\\.jmamba\\.tensor\\.cuda\\.(?!\\w*Exception;)")
                        .matcher(Files.readString(file)).find();
                if (!allowed && importsCudaClass) offenders.add(path);
            }
        }
        assertTrue(offenders.isEmpty(), "go through Backend instead of importing dev.jmamba.tensor.cuda: " + offenders);
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
