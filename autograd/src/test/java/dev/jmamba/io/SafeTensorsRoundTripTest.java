package dev.jmamba.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsRoundTripTest {

    @TempDir
    Path folder;

    /** One tensor of every dtype, plus scalar (shape []) and empty (a 0 dimension) ones. */
    static Map<String, TensorBlob> everyDtype(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, TensorBlob> tensors = new LinkedHashMap<>();
        tensors.put("f32", TensorBlob.ofFloats(new long[] {2, 3}, randomFloats(random, 6)));
        tensors.put("f64", TensorBlob.ofDoubles(new long[] {5}, random.doubles(5).toArray()));
        tensors.put("bf16", TensorBlob.ofBf16(new long[] {3, 1, 2}, randomFloats(random, 6)));
        tensors.put("f16", TensorBlob.ofF16(new long[] {7}, randomFloats(random, 7)));
        tensors.put("i32", TensorBlob.ofInts(new long[] {2, 2}, random.ints(4).toArray()));
        tensors.put("i64", TensorBlob.ofLongs(new long[] {3}, random.longs(3).toArray()));
        byte[] bytes = new byte[5];
        random.nextBytes(bytes);
        tensors.put("u8", TensorBlob.ofUnsignedBytes(new long[] {5}, bytes));
        tensors.put("scalar.f32", TensorBlob.ofFloats(new long[] {}, new float[] {42.5f}));
        tensors.put("scalar.i64", TensorBlob.ofLongs(new long[] {}, new long[] {-7}));
        tensors.put("scalar.u8", TensorBlob.ofUnsignedBytes(new long[] {}, new byte[] {(byte) 200}));
        tensors.put("empty.f32", TensorBlob.ofFloats(new long[] {0, 4}, new float[0]));
        tensors.put("empty.bf16", TensorBlob.ofBf16(new long[] {3, 0}, new float[0]));
        tensors.put("empty.u8", TensorBlob.ofUnsignedBytes(new long[] {0}, new byte[0]));
        return tensors;
    }

    private static float[] randomFloats(SplittableRandom random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextDouble() * 200 - 100);
        }
        return values;
    }

    @Test
    void everyDtypeRoundTripsWithMetadata() {
        Map<String, TensorBlob> tensors = everyDtype(1);
        Map<String, String> metadata = Map.of("format", "pt", "epoch", "12", "note", "ünïcödé ✓");
        Path file = folder.resolve("model.safetensors");
        SafeTensors.write(file, tensors, metadata);
        try (SafeTensorFile read = SafeTensors.read(file)) {
            assertEquals(metadata, read.metadata());
            assertEquals(tensors.keySet(), new java.util.HashSet<>(read.names()));
            for (Map.Entry<String, TensorBlob> entry : tensors.entrySet()) {
                TensorBlob back = read.get(entry.getKey());
                assertEquals(entry.getValue(), back, entry.getKey());
                assertTrue(back.data().isReadOnly(), "views of the mapping are read-only");
            }
        }
    }

    @Test
    void valuesSurviveThroughConversions() {
        Map<String, TensorBlob> tensors = everyDtype(2);
        Path file = folder.resolve("values.safetensors");
        SafeTensors.write(file, tensors, null);
        try (SafeTensorFile read = SafeTensors.read(file)) {
            assertTrue(read.metadata().isEmpty());
            assertArrayEquals(tensors.get("f32").toFloatArray(), read.get("f32").toFloatArray());
            assertArrayEquals(tensors.get("f64").toDoubleArray(), read.get("f64").toDoubleArray());
            assertArrayEquals(tensors.get("i32").toIntArray(), read.get("i32").toIntArray());
            assertArrayEquals(tensors.get("i64").toLongArray(), read.get("i64").toLongArray());
            assertArrayEquals(new long[] {-7}, read.get("scalar.i64").toLongArray());
            assertArrayEquals(new int[] {200}, read.get("scalar.u8").toIntArray(), "U8 is unsigned");
            assertArrayEquals(new float[] {42.5f}, read.get("scalar.f32").toFloatArray());
            assertEquals(0, read.get("empty.bf16").toFloatArray().length);
            assertArrayEquals(new long[] {3, 0}, read.get("empty.bf16").shape());
            assertArrayEquals(new long[] {}, read.get("scalar.f32").shape());
        }
    }

    @Test
    void halfPrecisionValuesAreRoundedOnceOnWrite() {
        float[] values = {1.0f, -2.5f, 3.14159f, 65504f, 1e-3f, 0f};
        TensorBlob bf16 = TensorBlob.ofBf16(new long[] {6}, values);
        TensorBlob f16 = TensorBlob.ofF16(new long[] {6}, values);
        float[] bf16Back = bf16.toFloatArray();
        float[] f16Back = f16.toFloatArray();
        for (int i = 0; i < values.length; i++) {
            assertEquals(HalfFloats.bf16ToFloat(HalfFloats.floatToBf16(values[i])), bf16Back[i]);
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(values[i])), f16Back[i]);
            // relative error bounds: half an ulp, 2^-9 for bf16 (8 significant bits), 2^-12 for f16 (11 bits)
            assertEquals(values[i], bf16Back[i], Math.abs(values[i]) * 0x1p-9f);
            assertEquals(values[i], f16Back[i], Math.abs(values[i]) * 0x1p-11f);
        }
    }

    @Test
    void bytesDoNotDependOnMapOrderAndTensorsAreAligned() throws Exception {
        Map<String, TensorBlob> tensors = everyDtype(3);
        List<String> names = new ArrayList<>(tensors.keySet());
        Collections.reverse(names);
        Map<String, TensorBlob> reversed = new LinkedHashMap<>();
        names.forEach(name -> reversed.put(name, tensors.get(name)));
        Map<String, String> metadata = new HashMap<>(Map.of("b", "2", "a", "1"));
        Path first = folder.resolve("first.safetensors");
        Path second = folder.resolve("second.safetensors");
        SafeTensors.write(first, tensors, metadata);
        SafeTensors.write(second, reversed, new LinkedHashMap<>(Map.of("a", "1", "b", "2")));
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(second));

        try (SafeTensorFile read = SafeTensors.read(first)) {
            List<String> order = read.names();
            assertEquals("f64", order.get(0), "8-byte types first, then by name: " + order);
            long dataStart = read.get("f64").data().address(); // views of one mapping: compare addresses
            int previousSize = Integer.MAX_VALUE;
            for (String name : order) {
                TensorBlob blob = read.get(name);
                int size = blob.dtype().byteSize();
                assertTrue(size <= previousSize, "larger element sizes come first: " + order);
                previousSize = size;
                assertEquals(0, (blob.data().address() - dataStart) % size, name + " starts aligned");
                assertEquals(0, blob.data().address() % size, name + " is aligned in memory");
            }
        }
    }

    @Test
    void overwriteReplacesTheFile() {
        Path file = folder.resolve("over.safetensors");
        SafeTensors.write(file, Map.of("a", TensorBlob.ofInts(new long[] {1}, new int[] {1})), null);
        SafeTensors.write(file, Map.of("b", TensorBlob.ofInts(new long[] {2}, new int[] {2, 3})), Map.of("k", "v"));
        try (SafeTensorFile read = SafeTensors.read(file)) {
            assertEquals(List.of("b"), read.names());
            assertArrayEquals(new int[] {2, 3}, read.get("b").toIntArray());
        }
    }

    @Test
    void emptyFileHoldsNoTensors() {
        Path file = folder.resolve("nothing.safetensors");
        SafeTensors.write(file, Map.of(), Map.of());
        try (SafeTensorFile read = SafeTensors.read(file)) {
            assertTrue(read.names().isEmpty());
            assertTrue(read.metadata().isEmpty());
        }
    }

    @Test
    void unknownNameIsReportedWithTheFile() {
        Path file = folder.resolve("one.safetensors");
        SafeTensors.write(file, Map.of("a", TensorBlob.ofInts(new long[] {1}, new int[] {1})), null);
        try (SafeTensorFile read = SafeTensors.read(file)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> read.get("b"));
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("'b'"), e.getMessage());
        }
    }

    @Test
    void viewsDieWithTheFile() {
        Path file = folder.resolve("closed.safetensors");
        SafeTensors.write(file, Map.of("a", TensorBlob.ofInts(new long[] {1}, new int[] {1})), null);
        TensorBlob view;
        try (SafeTensorFile read = SafeTensors.read(file)) {
            view = read.get("a");
        }
        assertThrows(IllegalStateException.class, view::toIntArray, "reading after close is refused, not a crash");
    }

    @Test
    void blobRejectsWrongSizes() {
        assertThrows(IllegalArgumentException.class, () -> TensorBlob.ofFloats(new long[] {2, 2}, new float[3]));
        assertThrows(IllegalArgumentException.class, () -> TensorBlob.ofFloats(new long[] {-1}, new float[0]));
        assertThrows(IllegalStateException.class, () -> TensorBlob.ofFloats(new long[] {1}, new float[1]).toIntArray());
    }
}
