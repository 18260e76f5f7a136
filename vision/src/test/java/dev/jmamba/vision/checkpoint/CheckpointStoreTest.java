package dev.jmamba.vision.checkpoint;

import dev.jmamba.io.CheckpointException;
import dev.jmamba.io.TensorBlobs;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.models.ModelRegistry.ModelChoice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checkpoint folder swap, its recovery after an interrupted swap, and the tensor adapter. */
class CheckpointStoreTest {
    @TempDir Path tmp;

    private static final RunConfig CONFIG = new RunConfig(new ModelChoice("tiny-cnn", 2, 1, 28, 0, 1),
            new RunConfig.DataSpec("synthetic", null, 0, 0, List.of("a", "b"), 1, new float[] {0.5f}, new float[] {0.5f}, "light"),
            new RunConfig.Recipe(8, 2, 10, 20, 1e-3, 1, 1e-6, 1e-5, 0.05, 0, 0, 0, 0, 0, 0, 1));

    private static TrainerState state(long step) {
        return new TrainerState(step, (int) (step / 10), (int) (step % 10), 1, 1e-3, false, 0, 0, 0, 1.5, 100L, 10);
    }

    private static Map<String, Tensor> tensors(long seed) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("w", Tensor.randn(seed, 3, 4));
        m.put("d", Tensor.of(new double[] {Math.PI, -0.0, Double.MIN_VALUE}, 3));
        m.put("i", Tensor.of(new int[] {-7, Integer.MAX_VALUE}, 2));
        m.put("n", Tensor.of(new long[] {Long.MIN_VALUE}));
        return m;
    }

    @Test void tensorsRoundTripBitForBitInEveryDtype() {
        Map<String, Tensor> in = tensors(5);
        Path file = tmp.resolve("t.safetensors");
        TensorBlobs.write(file, in);
        Map<String, Tensor> out = TensorBlobs.read(file);
        assertEquals(in.keySet(), out.keySet());
        for (String k : in.keySet()) {
            assertEquals(in.get(k).dtype(), out.get(k).dtype(), k);
            assertArrayEquals(in.get(k).shape(), out.get(k).shape(), k);
            assertEquals(TensorBlobs.toBlob(in.get(k)), TensorBlobs.toBlob(out.get(k)), k);
        }
    }

    @Test void writeReplacesTheCheckpointAndLeavesNoLeftovers() {
        CheckpointStore.write(tmp, CONFIG, state(3), tensors(1), tensors(2), null);
        CheckpointStore.write(tmp, CONFIG, state(7), tensors(3), tensors(4), null);
        CheckpointStore.Loaded c = CheckpointStore.load(tmp.resolve("checkpoint"), true);
        assertEquals(7, c.state().step());
        assertEquals(TensorBlobs.toBlob(tensors(3).get("w")), TensorBlobs.toBlob(c.model().get("w")));
        assertEquals("tiny-cnn", c.config().model().name());
        assertArrayEquals(new float[] {0.5f}, c.config().data().mean());
        assertTrue(Files.notExists(tmp.resolve("checkpoint.tmp")) && Files.notExists(tmp.resolve("checkpoint.old")));
    }

    @Test void aSwapInterruptedBetweenTheRenamesIsFinished() throws Exception {
        CheckpointStore.write(tmp, CONFIG, state(3), tensors(1), tensors(2), null);
        // simulate a kill after "checkpoint -> checkpoint.old" of the next write: the new one waits in checkpoint.tmp
        Path other = Files.createDirectory(tmp.resolve("other"));
        CheckpointStore.write(other, CONFIG, state(9), tensors(5), tensors(6), null);
        Files.move(tmp.resolve("checkpoint"), tmp.resolve("checkpoint.old"));
        Files.move(other.resolve("checkpoint"), tmp.resolve("checkpoint.tmp"));
        assertEquals(9, CheckpointStore.load(tmp, false).state().step(), "the complete newer checkpoint is used");
        CheckpointStore.write(tmp, CONFIG, state(12), tensors(7), tensors(8), null);
        assertEquals(12, CheckpointStore.load(tmp, false).state().step());
        assertTrue(Files.notExists(tmp.resolve("checkpoint.tmp")) && Files.notExists(tmp.resolve("checkpoint.old")));
    }

    @Test void anIncompleteTemporaryFolderIsIgnored() throws Exception {
        CheckpointStore.write(tmp, CONFIG, state(3), tensors(1), tensors(2), null);
        Path partial = Files.createDirectory(tmp.resolve("checkpoint.tmp"));
        Files.write(partial.resolve("model.safetensors"), new byte[] {1, 2, 3});
        assertEquals(3, CheckpointStore.load(tmp, false).state().step());
        CheckpointStore.write(tmp, CONFIG, state(4), tensors(1), tensors(2), null);
        assertEquals(4, CheckpointStore.load(tmp, false).state().step());
    }

    @Test void noCheckpointIsOneClearException() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointStore.load(tmp, false));
        assertTrue(e.getMessage().contains("trainer.json"), e.getMessage());
    }

}
