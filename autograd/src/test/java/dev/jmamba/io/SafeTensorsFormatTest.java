package dev.jmamba.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks the byte layout against the format description, independently of our own reader/writer. */
class SafeTensorsFormatTest {

    @TempDir
    Path folder;

    /** A safetensors file from a header string and data bytes, exactly as the format describes. */
    static byte[] fileBytes(String headerJson, byte[] data) {
        byte[] header = headerJson.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(header.length).put(header).put(data);
        return out.array();
    }

    @Test
    void readsAHandBuiltFile() throws Exception {
        // data section: a (F32, [2]) = 1.0, -2.0 | b (I64, []) = 258 | c (U8, [3]) = 1, 2, 255 | d (BF16, [1]) = 1.0
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        data.writeBytes(new byte[] {0x00, 0x00, (byte) 0x80, 0x3F});              // 1.0f little-endian
        data.writeBytes(new byte[] {0x00, 0x00, 0x00, (byte) 0xC0});              // -2.0f
        data.writeBytes(new byte[] {0x02, 0x01, 0, 0, 0, 0, 0, 0});               // 258 = 0x0102
        data.writeBytes(new byte[] {1, 2, (byte) 255});                           // unsigned bytes
        data.writeBytes(new byte[] {(byte) 0x80, 0x3F});                          // bf16 0x3F80 = 1.0
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]},"
                + "\"c\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[16,19]},"
                + "\"d\":{\"dtype\":\"BF16\",\"shape\":[1,1],\"data_offsets\":[19,21]}}  "; // unpadded length is fine
        Path file = folder.resolve("hand.safetensors");
        Files.write(file, fileBytes(header, data.toByteArray()));
        try (SafeTensorFile read = SafeTensors.read(file)) {
            assertEquals(List.of("a", "b", "c", "d"), read.names());
            assertEquals(Map.of("format", "pt"), read.metadata());
            assertArrayEquals(new float[] {1.0f, -2.0f}, read.get("a").toFloatArray());
            assertArrayEquals(new long[] {258}, read.get("b").toLongArray());
            assertArrayEquals(new long[] {}, read.get("b").shape());
            assertArrayEquals(new int[] {1, 2, 255}, read.get("c").toIntArray());
            assertArrayEquals(new float[] {1.0f}, read.get("d").toFloatArray());
            assertEquals(SafeDType.BF16, read.get("d").dtype());
            assertArrayEquals(new long[] {1, 1}, read.get("d").shape());
        }
    }

    @Test
    void writtenFileMatchesAMinimalIndependentParser() throws Exception {
        Map<String, TensorBlob> tensors = new LinkedHashMap<>();
        tensors.put("w", TensorBlob.ofFloats(new long[] {2, 2}, new float[] {1, 2, 3, 4}));
        tensors.put("n", TensorBlob.ofUnsignedBytes(new long[] {3}, new byte[] {9, 8, 7}));
        tensors.put("step", TensorBlob.ofLongs(new long[] {}, new long[] {0x0102030405060708L}));
        tensors.put("h", TensorBlob.ofBf16(new long[] {1}, new float[] {-2.0f}));
        Path file = folder.resolve("ours.safetensors");
        SafeTensors.write(file, tensors, Map.of("k", "v"));

        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + headerLength) % 8, "header padded to an 8-byte boundary");
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        String json = header.stripTrailing();
        assertTrue(header.substring(json.length()).chars().allMatch(c -> c == ' '), "padding is spaces");
        assertTrue(header.length() - json.length() < 8, "at most 7 padding bytes");
        JsonNode root = new ObjectMapper().readTree(json);
        assertEquals("v", root.get("__metadata__").get("k").asText());
        int dataStart = 8 + (int) headerLength;
        assertEquals(5, root.size(), "four tensors and the metadata");

        // element size descending, then name: step (8), w (4), h (2), n (1); contiguous from 0
        String[] expectedOrder = {"step", "w", "h", "n"};
        String[] expectedDtype = {"I64", "F32", "BF16", "U8"};
        long[][] expectedShape = {{}, {2, 2}, {1}, {3}};
        byte[][] expectedData = {
                {8, 7, 6, 5, 4, 3, 2, 1},
                {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, 0x40, 0, 0, 0x40, 0x40, 0, 0, (byte) 0x80, 0x40},
                {0x00, (byte) 0xC0},
                {9, 8, 7}};
        List<String> headerOrder = root.propertyStream().map(Map.Entry::getKey)
                .filter(k -> !k.equals("__metadata__")).toList();
        assertEquals(List.of(expectedOrder), headerOrder);
        long offset = 0;
        for (int t = 0; t < expectedOrder.length; t++) {
            JsonNode entry = root.get(expectedOrder[t]);
            assertEquals(expectedDtype[t], entry.get("dtype").asText());
            long[] shape = new long[entry.get("shape").size()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = entry.get("shape").get(d).asLong();
            }
            assertArrayEquals(expectedShape[t], shape, expectedOrder[t]);
            long begin = entry.get("data_offsets").get(0).asLong();
            long end = entry.get("data_offsets").get(1).asLong();
            assertEquals(offset, begin, expectedOrder[t] + " begins where the previous ended");
            assertArrayEquals(expectedData[t],
                    Arrays.copyOfRange(bytes, dataStart + (int) begin, dataStart + (int) end), expectedOrder[t]);
            offset = end;
        }
        assertEquals(bytes.length - dataStart, offset, "tensors cover the data section exactly");
    }
}
