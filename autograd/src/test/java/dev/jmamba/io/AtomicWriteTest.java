package dev.jmamba.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A failed write leaves the previous file byte-for-byte and no temp files behind. */
class AtomicWriteTest {

    @TempDir
    Path folder;

    private List<Path> folderContents() throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        }
    }

    private Path writeOldCheckpoint() throws Exception {
        Path target = folder.resolve("model.safetensors");
        SafeTensors.write(target, Map.of("old", TensorBlob.ofInts(new long[] {3}, new int[] {1, 2, 3})),
                Map.of("generation", "old"));
        return target;
    }

    @Test
    void failureWhileCopyingTensorDataLeavesTheOldFile() throws Exception {
        Path target = writeOldCheckpoint();
        byte[] before = Files.readAllBytes(target);

        // 3 MiB of F64 are written first (several 1 MiB chunks), then the U8 blob's memory is found closed
        TensorBlob big = TensorBlob.ofDoubles(new long[] {3 << 17}, new double[3 << 17]);
        MemorySegment dead;
        try (Arena arena = Arena.ofConfined()) {
            dead = arena.allocate(16);
        }
        TensorBlob closed = new TensorBlob(SafeDType.U8, new long[] {16}, dead);
        Map<String, TensorBlob> tensors = new LinkedHashMap<>();
        tensors.put("z_bytes", closed);
        tensors.put("a_big", big);

        CheckpointException e = assertThrows(CheckpointException.class,
                () -> SafeTensors.write(target, tensors, Map.of("generation", "new")));
        assertTrue(e.getMessage().startsWith(target.toAbsolutePath() + ": "), e.getMessage());
        assertInstanceOf(IllegalStateException.class, e.getCause(), "failed while reading the closed segment");
        assertArrayEquals(before, Files.readAllBytes(target), "old checkpoint untouched");
        assertEquals(List.of(target), folderContents(), "no temp file left behind");
        try (SafeTensorFile read = SafeTensors.read(target)) {
            assertEquals("old", read.metadata().get("generation"));
        }
    }

    @Test
    void failureAtTheRenameLeavesNoTempFile() throws Exception {
        Path target = folder.resolve("occupied");
        Files.createDirectory(target);
        Files.writeString(target.resolve("keep.txt"), "x"); // a non-empty folder cannot be replaced by rename
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> SafeTensors.write(target, Map.of("a", TensorBlob.ofInts(new long[] {1}, new int[] {1})), null));
        assertTrue(e.getMessage().contains("could not be written"), e.getMessage());
        assertEquals(List.of(target), folderContents());
        assertEquals("x", Files.readString(target.resolve("keep.txt")));
    }

    @Test
    void missingFolderIsReportedAndNothingIsCreated() throws Exception {
        Path target = folder.resolve("no/such/dir/model.safetensors");
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> SafeTensors.write(target, Map.of(), null));
        assertTrue(e.getMessage().startsWith(target.toAbsolutePath().toString()), e.getMessage());
        assertEquals(List.of(), folderContents());
    }

    @Test
    void reservedNameIsRefusedBeforeTouchingDisk() throws Exception {
        Path target = writeOldCheckpoint();
        byte[] before = Files.readAllBytes(target);
        assertThrows(CheckpointException.class, () -> SafeTensors.write(target,
                Map.of("__metadata__", TensorBlob.ofInts(new long[] {1}, new int[] {1})), null));
        assertArrayEquals(before, Files.readAllBytes(target));
        assertEquals(List.of(target), folderContents());
    }

    @Test
    void successLeavesOnlyTheTarget() throws Exception {
        Path target = writeOldCheckpoint();
        SafeTensors.write(target, Map.of("new", TensorBlob.ofFloats(new long[] {1}, new float[] {5f})), null);
        assertEquals(List.of(target), folderContents());
        try (SafeTensorFile read = SafeTensors.read(target)) {
            assertEquals(List.of("new"), read.names());
        }
    }

    /**
     * A child JVM rewrites one checkpoint in a loop and is killed (SIGKILL) at a random moment; the target
     * must then be a complete checkpoint of one generation. (This covers process death; a power cut
     * additionally relies on the fsyncs, which a test cannot simulate.)
     */
    @Test
    void killedWriterLeavesACompleteCheckpoint() throws Exception {
        Path target = folder.resolve("crash.safetensors");
        String java = ProcessHandle.current().info().command().orElse("java");
        for (int round = 0; round < 3; round++) {
            Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    AtomicWriteCrashChild.class.getName(), target.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try {
                long deadline = System.nanoTime() + 20_000_000_000L;
                while (!Files.exists(target) && System.nanoTime() < deadline && child.isAlive()) {
                    Thread.sleep(5);
                }
                assertTrue(Files.exists(target), "child wrote a first checkpoint");
                Thread.sleep(20 + 70L * round); // kill during later generations, at varying moments
                assertTrue(child.isAlive(), "child was still rewriting when killed");
            } finally {
                child.destroyForcibly().waitFor();
            }
            try (SafeTensorFile read = SafeTensors.read(target)) {
                long generation = Long.parseLong(read.metadata().get("generation"));
                int[] values = read.get("values").toIntArray();
                assertEquals(AtomicWriteCrashChild.VALUES, values.length);
                for (int value : values) {
                    assertEquals((int) generation, value, "all values from one generation");
                }
            }
            // a killed writer may leave its hidden temp file (".crash.safetensors.<random>.tmp"), nothing else
            for (Path other : folderContents()) {
                String name = other.getFileName().toString();
                assertTrue(other.equals(target) || name.startsWith(".crash.safetensors.") && name.endsWith(".tmp"), name);
            }
        }
    }
}
