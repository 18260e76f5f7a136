package dev.jmamba.ssm.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Reads CUDA sources shipped as classpath resources: the ssm module's under {@code /dev/jmamba/ssm/cuda/},
 * other modules' (e.g. vision's {@code /dev/jmamba/vision/cuda/}) under their own folders.
 */
public final class KernelSource {
    /** Classpath folder of the ssm kernel sources. */
    public static final String FOLDER = "/dev/jmamba/ssm/cuda/";

    private KernelSource() {}

    /** The text of the ssm source {@code name} (e.g. "causal_conv1d.cu"); a clear error when it is missing. */
    static String read(String name) {
        return read(FOLDER, name);
    }

    /** The text of {@code folder + name} (folder: an absolute classpath folder ending in '/'); a clear error when missing. */
    public static String read(String folder, String name) {
        try (InputStream in = KernelSource.class.getResourceAsStream(folder + name)) {
            if (in == null) throw new IllegalStateException("missing CUDA source resource " + folder + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read CUDA source " + folder + name, e);
        }
    }
}
