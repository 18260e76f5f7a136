package dev.jmamba.ssm.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Reads the ssm module's CUDA sources, shipped as resources under {@code /dev/jmamba/ssm/cuda/}. */
final class KernelSource {
    /** Classpath folder of the ssm kernel sources. */
    static final String FOLDER = "/dev/jmamba/ssm/cuda/";

    private KernelSource() {}

    /** The text of {@code name} (e.g. "scan2d.cu"); a clear error when it is missing. */
    static String read(String name) {
        try (InputStream in = KernelSource.class.getResourceAsStream(FOLDER + name)) {
            if (in == null) throw new IllegalStateException("missing CUDA source resource " + FOLDER + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read CUDA source " + FOLDER + name, e);
        }
    }
}
