package dev.jmamba.io;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each defect from the validation list gives a CheckpointException naming the file and the defect. */
class SafeTensorsValidationTest {

    @TempDir
    Path folder;

    private static String tensor(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    /** (description, header JSON, data section size, phrase the message must contain) */
    static Stream<Arguments> badHeaders() {
        return Stream.of(
                Arguments.of("not JSON", "{\"a\":", 0, "not valid JSON"),
                Arguments.of("top level array", "[1,2]", 0, "must be a JSON object but is ARRAY"),
                Arguments.of("empty header", "", 0, "must be a JSON object but is empty"),
                Arguments.of("deep nesting", "{\"__metadata__\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}", 0,
                        "not valid JSON"),
                Arguments.of("huge number literal", "{" + tensor("a", "\"U8\"", "[" + "9".repeat(5000) + "]", "[0,1]") + "}",
                        1, "not valid JSON"),
                Arguments.of("trailing tokens", "{} {}", 0, "not valid JSON"),
                Arguments.of("duplicate key", "{" + tensor("a", "\"U8\"", "[1]", "[0,1]") + ","
                        + tensor("a", "\"U8\"", "[1]", "[0,1]") + "}", 1, "Duplicate field 'a'"),
                Arguments.of("entry not object", "{\"a\":[1]}", 0, "tensor 'a' must be an object"),
                Arguments.of("missing dtype", "{\"a\":{\"shape\":[1],\"data_offsets\":[0,1]}}", 1, "missing \"dtype\""),
                Arguments.of("missing shape", "{\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,1]}}", 1, "missing \"shape\""),
                Arguments.of("missing offsets", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1]}}", 1, "missing \"data_offsets\""),
                Arguments.of("dtype not string", "{" + tensor("a", "5", "[1]", "[0,1]") + "}", 1, "dtype must be a string"),
                Arguments.of("unknown dtype", "{" + tensor("a", "\"F8_E4M3\"", "[1]", "[0,1]") + "}", 1, "unknown dtype 'F8_E4M3'"),
                Arguments.of("shape not array", "{" + tensor("a", "\"U8\"", "1", "[0,1]") + "}", 1, "shape must be an array"),
                Arguments.of("fractional dim", "{" + tensor("a", "\"U8\"", "[1.5]", "[0,1]") + "}", 1, "must be an integer"),
                Arguments.of("string dim", "{" + tensor("a", "\"U8\"", "[\"1\"]", "[0,1]") + "}", 1, "must be an integer"),
                Arguments.of("negative dim", "{" + tensor("a", "\"U8\"", "[-1]", "[0,1]") + "}", 1, "must be >= 0"),
                Arguments.of("dim beyond 64 bits", "{" + tensor("a", "\"U8\"", "[100000000000000000000]", "[0,1]") + "}",
                        1, "within 64 bits"),
                Arguments.of("shape product overflow", "{" + tensor("a", "\"F32\"", "[4611686018427387904,4]", "[0,1]") + "}",
                        1, "more bytes than a long can count"),
                Arguments.of("byte count overflow", "{" + tensor("a", "\"F64\"", "[2305843009213693952]", "[0,1]") + "}",
                        1, "more bytes than a long can count"),
                Arguments.of("offsets wrong length", "{" + tensor("a", "\"U8\"", "[1]", "[0]") + "}", 1, "must have 2 entries"),
                Arguments.of("negative offset", "{" + tensor("a", "\"U8\"", "[1]", "[-1,0]") + "}", 1, "must be >= 0"),
                Arguments.of("begin after end", "{" + tensor("a", "\"U8\"", "[1]", "[1,0]") + "}", 1, "0 <= begin <= end <= 1"),
                Arguments.of("end past data", "{" + tensor("a", "\"U8\"", "[2]", "[0,2]") + "}", 1, "0 <= begin <= end <= 1"),
                Arguments.of("size mismatch", "{" + tensor("a", "\"F32\"", "[2]", "[0,4]") + "}", 4, "needs 8 bytes but"),
                Arguments.of("overlap", "{" + tensor("a", "\"U8\"", "[2]", "[0,2]") + ","
                        + tensor("b", "\"U8\"", "[2]", "[1,3]") + "}", 3, "overlap"),
                Arguments.of("gap", "{" + tensor("a", "\"U8\"", "[1]", "[0,1]") + ","
                        + tensor("b", "\"U8\"", "[1]", "[2,3]") + "}", 3, "data bytes [1, 2) belong to no tensor"),
                Arguments.of("unused tail", "{" + tensor("a", "\"U8\"", "[1]", "[0,1]") + "}", 3,
                        "data bytes [1, 3) belong to no tensor"),
                Arguments.of("data but no tensors", "{}", 2, "data bytes [0, 2) belong to no tensor"),
                Arguments.of("metadata not object", "{\"__metadata__\":[\"a\"]}", 0, "must be an object of strings"),
                Arguments.of("metadata value not string", "{\"__metadata__\":{\"epoch\":3}}", 0,
                        "value for key 'epoch' must be a string"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHeaders")
    void badHeaderIsRejected(String description, String header, int dataSize, String phrase) throws Exception {
        Path file = folder.resolve("bad.safetensors");
        Files.write(file, SafeTensorsFormatTest.fileBytes(header, new byte[dataSize]));
        assertRejected(file, phrase);
    }

    @Test
    void invalidUtf8IsRejected() throws Exception {
        byte[] header = "{\"__metadata__\":{\"k\":\"xx\"}}".getBytes(StandardCharsets.US_ASCII);
        header[23] = (byte) 0xC3; // a lead byte followed by '"' (not a continuation byte)
        Path file = folder.resolve("utf8.safetensors");
        Files.write(file, ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).array());
        assertRejected(file, "not valid UTF-8");
    }

    @Test
    void shortFilesAreRejected() throws Exception {
        Path file = folder.resolve("short.safetensors");
        for (int size = 0; size < 8; size++) {
            Files.write(file, new byte[size]);
            assertRejected(file, "fewer than the 8-byte header length prefix");
        }
    }

    @Test
    void headerLengthsBeyondBoundsAreRejected() throws Exception {
        Path file = folder.resolve("length.safetensors");
        writeWithLength(file, 100_000_001L, "{}");
        assertRejected(file, "exceeds the bound of 100000000 bytes");
        writeWithLength(file, -1L, "{}");
        assertRejected(file, "header length 18446744073709551615 exceeds the bound");
        writeWithLength(file, 3L, "{}");
        assertRejected(file, "header length 3 exceeds the 2 bytes that follow");
    }

    @Test
    void missingFileIsRejected() {
        assertRejected(folder.resolve("absent.safetensors"), "cannot be read");
        assertThrows(CheckpointException.class, () -> SafeTensors.read(folder).close(), "a folder is not a checkpoint");
    }

    private static void writeWithLength(Path file, long length, String header) throws Exception {
        byte[] text = header.getBytes(StandardCharsets.UTF_8);
        Files.write(file, ByteBuffer.allocate(8 + text.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(length).put(text).array());
    }

    private static void assertRejected(Path file, String phrase) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafeTensors.read(file).close());
        assertTrue(e.getMessage().startsWith(file.toString() + ": "), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(phrase), "expected '" + phrase + "' in: " + e.getMessage());
    }
}
