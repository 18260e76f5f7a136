package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.dist.CommunicatorException;
import dev.jmamba.tensor.dist.Communicators;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding libnccl.so.2 and the one-sentence failure where it is missing (runs on any machine). */
class NcclLibraryTest {

    @Test void aMissingLibraryIsOneSentenceNamingSonameFoldersAndSetting(@TempDir Path empty) {
        CudaUnavailableException e = assertThrows(CudaUnavailableException.class,
                () -> Nccl.load(List.of("libnccl-not-installed.so.2"), empty, List.of(empty.resolve("lib"))));
        String m = e.getMessage();
        assertTrue(m.startsWith("NCCL is not available: none of [libnccl-not-installed.so.2] could be loaded"), m);
        assertTrue(m.contains(empty.toString()) && m.contains("JMAMBA_NCCL_LIB_DIR") && m.contains("-Djmamba.nccl.libDir"), m);
        assertTrue(m.endsWith(")."), m);
        assertEquals(1, m.split("\\. ").length, "one sentence: " + m);
    }

    @Test void withoutNcclTheProviderSaysSoInOneSentence() {
        Assumptions.assumeFalse(Nccl.available(), "NCCL is installed here: the missing-library path is covered by the test above");
        CommunicatorException e = assertThrows(CommunicatorException.class, () -> Communicators.forDevice(Device.cuda(0)));
        assertTrue(e.getMessage().startsWith("NCCL is not available: none of [libnccl.so.2]"), e.getMessage());
        assertTrue(e.getMessage().contains("JMAMBA_NCCL_LIB_DIR"), e.getMessage());
    }

    @Test void theCpuHasNoCommunicatorAndTheMessageSaysWhatToUse() {
        CommunicatorException e = assertThrows(CommunicatorException.class, () -> Communicators.forDevice(Device.CPU));
        assertTrue(e.getMessage().contains("one process per CUDA device over NCCL"), e.getMessage());
    }
}
