package dev.jmamba.ssm.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.testing.Nvcc;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ScanParamsLayout} against the compiled {@code struct ScanParams}: nvcc compiles selective_scan.cu
 * followed by one {@code static_assert(offsetof(ScanParams, f) == offset)} per field and one on sizeof, so a
 * field added, removed or reordered on either side fails here, with the field's name, instead of
 * mis-scanning on a GPU. No GPU needed; skipped (with the reason shown) when nvcc is not installed.
 */
class ScanParamsLayoutTest {
    private static final Path KERNELS = Path.of("src/main/resources/dev/jmamba/ssm/cuda");

    private static String check(String field, long offset) {
        return "static_assert(offsetof(ScanParams, " + field + ") == " + offset + ", \"ScanParams." + field
                + ": ScanParamsLayout says offset " + offset + "\");\n";
    }

    @Test void everyFieldSitsWhereTheLauncherWritesIt(@TempDir Path tmp) throws Exception {
        Path nvcc = Nvcc.require("ScanParams layout check");
        StringBuilder asserts = new StringBuilder("\n#include <cstddef>\n");
        for (int i = 0; i < ScanParamsLayout.INT_FIELDS.size(); i++) asserts.append(check(ScanParamsLayout.INT_FIELDS.get(i), ScanParamsLayout.intAt(i)));
        for (int i = 0; i < ScanParamsLayout.POINTER_FIELDS.size(); i++) {
            asserts.append(check(ScanParamsLayout.POINTER_FIELDS.get(i), ScanParamsLayout.pointerAt(i)));
        }
        asserts.append(check("S", ScanParamsLayout.SEGMENTS_AT)).append(check("segChunks", ScanParamsLayout.SEG_CHUNKS_AT))
                .append(check("seqStride", ScanParamsLayout.SEQ_STRIDES_AT)).append(check("bcStride", ScanParamsLayout.BC_STRIDES_AT))
                .append(check("reverse", ScanParamsLayout.REVERSE_AT)).append(check("sharedU", ScanParamsLayout.SHARED_U_AT))
                .append(check("cols", ScanParamsLayout.COLS_AT))
                .append("static_assert(sizeof(ScanParams) == ").append(ScanParamsLayout.BYTES)
                .append(", \"sizeof(ScanParams): ScanParamsLayout.BYTES says ").append(ScanParamsLayout.BYTES).append("\");\n");
        Path source = tmp.resolve("scan_params_layout.cu");
        Files.writeString(source, Files.readString(KERNELS.resolve("selective_scan.cu")) + asserts);
        String ptx = Nvcc.ptx(nvcc, source, tmp.resolve("scan_params_layout.ptx"));   // fails with nvcc's message on a mismatch
        assertTrue(ptx.contains(".entry"), "selective_scan.cu produced no kernels");
    }

    @Test void theLayoutIsConsistentWithItself() {
        assertEquals(ScanParamsLayout.INT_FIELDS.size() * 4L, ScanParamsLayout.POINTERS_AT - 4, "9 ints + 4 bytes of padding");
        assertEquals(ScanParamsLayout.CALL_POINTERS + 4, ScanParamsLayout.POINTER_FIELDS.size(), "20 call pointers + 4 scratch buffers");
        assertEquals(0, ScanParamsLayout.BYTES % 8, "the struct is 8-byte aligned");
    }
}
