package dev.jmamba.ssm.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jmamba.nn.Module;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.testing.RandomTensors;
import java.util.LinkedHashMap;
import java.util.Map;

/** Helpers shared by the block tests. */
public final class BlockTestSupport {
    private BlockTestSupport() {}

    public static Tensor randomF64(long seed, int... shape) {
        return RandomTensors.gaussian(seed, shape);
    }

    /** Asserts the state dict has exactly these keys (any order) with these shapes. */
    public static void assertKeysAndShapes(Module m, Map<String, int[]> expected) {
        Map<String, Tensor> state = m.stateDict();
        assertEquals(new java.util.TreeSet<>(expected.keySet()), new java.util.TreeSet<>(state.keySet()));
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            assertArrayEquals(e.getValue(), state.get(e.getKey()).shape(), e.getKey());
        }
    }

    /** name → shape, in the order given: ("a", new int[]{1}), ... */
    public static Map<String, int[]> shapes(Object... pairs) {
        Map<String, int[]> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) m.put((String) pairs[i], (int[]) pairs[i + 1]);
        return m;
    }

    public static double softplus(double x) { return x > 20 ? x : Math.log1p(Math.exp(x)); }

    public static Module f64(Module m) { return m.to(DType.F64); }
}
