package dev.jmamba.io.pth;

import dev.jmamba.io.CheckpointException;
import dev.jmamba.io.SafeTensorFile;
import dev.jmamba.io.SafeTensors;
import dev.jmamba.io.TensorBlob;
import dev.jmamba.io.WeightFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PyTorch checkpoints written by torch.save (fixtures from {@code make_fixtures.py}) read back with the
 * values PyTorch holds (saved beside them as {@code expected.safetensors}), byte for byte.
 */
class TorchArchiveTest {
    @TempDir Path dir;

    private void assertMatchesExpected(Map<String, TensorBlob> got) {
        try (SafeTensorFile expected = SafeTensors.read(Fixtures.copy("expected.safetensors", dir))) {
            assertEquals(Set.copyOf(expected.names()), got.keySet());
            for (String name : expected.names()) {
                TensorBlob e = expected.get(name), g = got.get(name);
                assertEquals(e.dtype(), g.dtype(), name);
                assertArrayEquals(e.shape(), g.shape(), name);
                assertEquals(-1, e.data().mismatch(g.data()), name + ": bytes differ");
            }
        }
    }

    @Test
    void stateDictsOfEveryDtypeAndLayoutReadAsPyTorchHoldsThem() {
        for (String f : List.of("state_dict.pth", "state_dict_p4.pth")) {
            WeightFiles.StateDict sd = WeightFiles.read(Fixtures.copy(f, dir));
            assertEquals("", sd.entry(), f);
            assertMatchesExpected(sd.tensors());
        }
    }

    @Test
    void keysKeepTheFileOrder() {
        List<String> keys = List.copyOf(WeightFiles.read(Fixtures.copy("state_dict.pth", dir)).tensors().keySet());
        assertEquals(List.of("0.weight", "0.bias", "1.weight"), keys.subList(0, 3));
        assertEquals("extra.strided", keys.getLast());
    }

    @Test
    void aTrainingCheckpointIsUnwrappedAndItsOtherEntriesAreInertData() {
        Path file = Fixtures.copy("training.pth", dir);
        WeightFiles.StateDict sd = WeightFiles.read(file);
        assertEquals("model", sd.entry());
        assertTrue(sd.available().containsAll(List.of("model", "model_ema", "optimizer", "args", "config")), sd.available().toString());
        assertMatchesExpected(sd.tensors());

        WeightFiles.StateDict ema = WeightFiles.read(file, "model_ema");
        assertEquals("model_ema", ema.entry());
        float[] w = ema.tensors().get("0.weight").toFloatArray();
        for (float v : w) assertEquals(1f, v);

        try (TorchArchive a = TorchArchive.open(file)) {
            Map<?, ?> root = (Map<?, ?>) a.root();
            PyObject args = assertInstanceOf(PyObject.class, root.get("args"));
            assertEquals("argparse.Namespace", args.className());
            assertEquals("vim_tiny", args.attributes().get("model"));
            assertEquals(5e-4, (Double) args.attributes().get("lr"), 0.0);
            assertEquals(224L, args.attributes().get("input_size"));
            assertEquals(new PyTuple(List.of(1L, 2L)), args.attributes().get("flags"));
            assertEquals(76.1, (Double) root.get("max_accuracy"), 0.0);
            assertEquals(280L, root.get("best_epoch"));
            assertEquals(299L, root.get("epoch"));
            PyObject cfg = assertInstanceOf(PyObject.class, root.get("config"));
            assertEquals("yacs.config.CfgNode", cfg.className());
            PyObject model = assertInstanceOf(PyObject.class, cfg.items().get("MODEL"));
            assertEquals("vssm", model.items().get("NAME"));
            assertEquals(Set.of("x", "y"), root.get("names"));
            assertArrayEquals(new byte[] {0, 1, 'b', 'i', 'n', 'a', 'r', 'y'}, (byte[]) root.get("blob"));
            Map<?, ?> opt = (Map<?, ?>) root.get("optimizer");
            assertTrue(opt.containsKey("state") && opt.containsKey("param_groups"), opt.keySet().toString());
        }
    }

    @Test
    void aDataParallelPrefixIsRemoved() {
        assertMatchesExpected(WeightFiles.read(Fixtures.copy("ddp.pth", dir)).tensors());
    }

    @Test
    void safetensorsFilesReadThroughTheSameEntryPoint() {
        assertMatchesExpected(WeightFiles.read(Fixtures.copy("expected.safetensors", dir)).tensors());
    }

    @Test
    void aPickleThatWouldRunCodeIsRefusedAndNamesTheGlobal() {
        Path file = Fixtures.copy("evil.pth", dir);
        CheckpointException e = assertThrows(CheckpointException.class, () -> WeightFiles.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("'posix.system'") && e.getMessage().contains("Nothing was executed"), e.getMessage());
    }

    @Test
    void clearMessagesForFilesWithoutAStateDict() {
        Path none = Fixtures.copy("no_state_dict.pth", dir);
        var e = assertThrows(CheckpointException.class, () -> WeightFiles.read(none));
        assertTrue(e.getMessage().contains("holds no state dict") && e.getMessage().contains("[epoch, acc]"), e.getMessage());
        var missing = assertThrows(CheckpointException.class, () -> WeightFiles.read(Fixtures.copy("training.pth", dir), "ema"));
        assertTrue(missing.getMessage().contains("has no entry 'ema'"), missing.getMessage());
        var notDict = assertThrows(CheckpointException.class, () -> WeightFiles.read(Fixtures.copy("training.pth", dir), "epoch"));
        assertTrue(notDict.getMessage().contains("entry 'epoch' is an integer, not a state dict"), notDict.getMessage());
        var legacy = assertThrows(CheckpointException.class, () -> WeightFiles.read(Fixtures.copy("legacy.pth", dir)));
        assertTrue(legacy.getMessage().contains("legacy format"), legacy.getMessage());
        var absent = assertThrows(CheckpointException.class, () -> WeightFiles.read(dir.resolve("nope.pth")));
        assertTrue(absent.getMessage().endsWith("file not found"), absent.getMessage());
    }

    @Test
    void hugeIntegersBecomeBigIntegers() {
        byte[] p = new PickleBuilder().op(0x80, 2).op(0x8a, 9).le(-1, 8).op(0).op('.').bytes();   // 2^64 - 1
        assertEquals(new BigInteger("18446744073709551615"), PickleReader.read(p, pid -> pid));
    }
}
