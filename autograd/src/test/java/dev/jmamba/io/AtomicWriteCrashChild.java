package dev.jmamba.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/** Child process for {@link AtomicWriteTest}: rewrites one checkpoint forever, generation after generation. */
final class AtomicWriteCrashChild {

    /** Number of I32 values per checkpoint (4 MiB: big enough that a kill often lands mid-write). */
    static final int VALUES = 1 << 20;

    private AtomicWriteCrashChild() {
    }

    public static void main(String[] args) {
        Path target = Path.of(args[0]);
        int[] values = new int[VALUES];
        for (int generation = 0; ; generation++) {
            Arrays.fill(values, generation);
            SafeTensors.write(target, Map.of("values", TensorBlob.ofInts(new long[] {VALUES}, values)),
                    Map.of("generation", Integer.toString(generation)));
        }
    }
}
