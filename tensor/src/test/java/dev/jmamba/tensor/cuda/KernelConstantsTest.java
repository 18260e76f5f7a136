package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.BinaryOp;
import dev.jmamba.tensor.RandomKind;
import dev.jmamba.tensor.ReduceOp;
import dev.jmamba.tensor.UnaryOp;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The constants Java and CUDA share by value, read from the kernel sources (no GPU, no nvcc): the launchers
 * pass {@code op.ordinal()} of a Java enum and the kernels switch on a C enum that mirrors it, so inserting a
 * Java constant anywhere but in both places would silently run the wrong op on the GPU; and block sizes that
 * size a kernel's shared memory must equal what the launcher launches.
 */
class KernelConstantsTest {

    /** The names of {@code enum cName { P_A, P_B, ... };} in {@code source}, without the prefix. */
    private static List<String> cEnum(String source, String cName, String prefix) {
        Matcher m = Pattern.compile("enum\\s+" + cName + "\\s*\\{([^}]*)}").matcher(Launcher.source(source));
        assertTrue(m.find(), source + " declares enum " + cName);
        return Arrays.stream(m.group(1).split(","))
                .map(String::strip)
                .peek(n -> assertTrue(n.startsWith(prefix), source + " enum " + cName + ": " + n + " lacks the prefix " + prefix))
                .map(n -> n.substring(prefix.length()))
                .toList();
    }

    private static void assertMirrors(Class<? extends Enum<?>> java, String source, String cName, String prefix) {
        List<String> javaNames = Arrays.stream(java.getEnumConstants()).map(Enum::name).toList();
        assertEquals(javaNames, cEnum(source, cName, prefix), source + " enum " + cName + " must list "
                + java.getSimpleName() + "'s constants in ordinal order (the launcher passes op.ordinal())");
    }

    @Test void opEnumsOfTheKernelsMirrorTheJavaEnums() {
        assertMirrors(UnaryOp.class, StridedKernels.SOURCE, "JmUnary", "U_");
        assertMirrors(BinaryOp.class, StridedKernels.SOURCE, "JmBinary", "B_");
        assertMirrors(ReduceOp.class, ReduceKernels.SOURCE, "JmReduce", "R_");
        assertMirrors(RandomKind.class, RandomKernels.SOURCE, "JmRandom", "RK_");
    }

    /**
     * Every op of the element-wise kernels is handled after the enum: a {@code case U_X:} or the {@code default:}'s
     * {@code // U_X} comment (the default branch computes the last op, so a new constant without its case would
     * silently compute that one).
     */
    @Test void everyElementwiseOpHasItsCase() {
        String source = Launcher.source(StridedKernels.SOURCE);
        String afterEnums = source.substring(source.indexOf("enum JmBinary"));
        afterEnums = afterEnums.substring(afterEnums.indexOf(';'));
        for (UnaryOp op : UnaryOp.values()) {
            assertTrue(Pattern.compile("\\bU_" + op.name() + "\\b").matcher(afterEnums).find(), "strided.cu does not handle U_" + op.name());
        }
        for (BinaryOp op : BinaryOp.values()) {
            assertTrue(Pattern.compile("\\bB_" + op.name() + "\\b").matcher(afterEnums).find(), "strided.cu does not handle B_" + op.name());
        }
    }

    @Test void resampleTapKindsMatchTheLauncherCodes() {
        List<String> kinds = cEnum(ResampleKernels.SOURCE, "JmTapKind", "K_");
        assertEquals(List.of("NEAREST", "BILINEAR", "BICUBIC", "AVGPOOL", "ADAPTIVE"), kinds);
        int[] codes = {ResampleKernels.NEAREST, ResampleKernels.BILINEAR, ResampleKernels.BICUBIC, ResampleKernels.AVGPOOL,
                ResampleKernels.ADAPTIVE};
        for (int i = 0; i < codes.length; i++) assertEquals(i, codes[i], "ResampleKernels." + kinds.get(i) + " is JmTapKind's K_" + kinds.get(i));
    }

    @Test void depthwiseWeightGradientLaunchesTheThreadsItsTreeIsSizedFor() {
        Matcher m = Pattern.compile("#define JM_DW_WEIGHT_THREADS (\\d+)").matcher(Launcher.source(ConvKernels.SOURCE));
        assertTrue(m.find(), "conv.cu defines JM_DW_WEIGHT_THREADS");
        assertEquals(ConvKernels.DW_WEIGHT_THREADS, Integer.parseInt(m.group(1)));
        assertEquals(1, Integer.bitCount(ConvKernels.DW_WEIGHT_THREADS), "the tree reduction halves the block: a power of two");
    }
}
