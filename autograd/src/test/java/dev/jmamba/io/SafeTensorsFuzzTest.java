package dev.jmamba.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of the reader: every damaged file must either read cleanly (and then every tensor view
 * lies inside the file and can be read in full) or fail with a {@link CheckpointException} that names the
 * file. Any other exception or error fails the test.
 */
class SafeTensorsFuzzTest {

    private static final int TRUNCATIONS = 2000;
    private static final int BYTE_MUTATIONS = 2000;
    private static final int HEADER_LENGTHS = 500;
    private static final int NUMBER_EDITS = 500;
    private static final byte[] JSON_CHARS = "{}[]\":,0123456789-.eE \\u".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path folder;

    private int caseNumber;
    private int accepted;
    private int rejected;

    @Test
    void damagedFilesNeverEscapeCheckpointException() throws Exception {
        Path original = folder.resolve("original.safetensors");
        SafeTensors.write(original, SafeTensorsRoundTripTest.everyDtype(11), Map.of("format", "pt", "epoch", "3"));
        byte[] valid = Files.readAllBytes(original);
        int headerEnd = 8 + (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        SplittableRandom random = new SplittableRandom(20240607);
        int cases = 0;

        for (int i = 0; i < TRUNCATIONS; i++, cases++) {
            check(Arrays.copyOf(valid, random.nextInt(valid.length)), "truncation " + i);
        }
        for (int i = 0; i < BYTE_MUTATIONS; i++, cases++) {
            byte[] damaged = valid.clone();
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(headerEnd); // the length field and the header
                damaged[at] = switch (random.nextInt(3)) {
                    case 0 -> (byte) (damaged[at] ^ (1 << random.nextInt(8)));
                    case 1 -> (byte) random.nextInt(256);
                    default -> JSON_CHARS[random.nextInt(JSON_CHARS.length)];
                };
            }
            check(damaged, "byte mutation " + i);
        }
        for (int i = 0; i < HEADER_LENGTHS; i++, cases++) {
            byte[] damaged = valid.clone();
            long length = switch (random.nextInt(4)) {
                case 0 -> random.nextLong();
                case 1 -> random.nextLong(valid.length + 64L);
                case 2 -> headerEnd - 8 + random.nextInt(-16, 17);
                default -> new long[] {0, 1, 7, 8, valid.length - 8, valid.length - 7, 100_000_000, 100_000_001,
                        Long.MAX_VALUE, Long.MIN_VALUE, -1, 1L << 32}[random.nextInt(12)];
            };
            ByteBuffer.wrap(damaged).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
            check(damaged, "header length " + length);
        }
        for (int i = 0; i < NUMBER_EDITS; i++, cases++) {
            check(editNumber(valid, headerEnd, random), "number edit " + i);
        }

        System.out.printf("safetensors fuzz: %d cases, %d read cleanly, %d rejected with CheckpointException%n",
                cases, accepted, rejected);
        assertEquals(TRUNCATIONS + BYTE_MUTATIONS + HEADER_LENGTHS + NUMBER_EDITS, cases);
        assertEquals(cases, accepted + rejected);
        assertTrue(accepted > 0 && rejected > 0, "both outcomes exercised: " + accepted + " / " + rejected);
    }

    /**
     * Replaces one run of digits in the header with a random non-negative number of a similar or larger
     * magnitude, keeping the JSON well-formed so the semantic checks (shapes, offsets) are exercised.
     */
    private static byte[] editNumber(byte[] valid, int headerEnd, SplittableRandom random) {
        String header = new String(valid, 8, headerEnd - 8, StandardCharsets.UTF_8);
        int start;
        do {
            start = random.nextInt(header.length());
        } while (!Character.isDigit(header.charAt(start)));
        while (start > 0 && Character.isDigit(header.charAt(start - 1))) {
            start--;
        }
        int end = start;
        while (end < header.length() && Character.isDigit(header.charAt(end))) {
            end++;
        }
        long replacement = switch (random.nextInt(3)) {
            case 0 -> random.nextInt(64);
            case 1 -> random.nextLong(Long.MAX_VALUE);
            default -> Long.parseLong(header.substring(start, Math.min(end, start + 18))) + random.nextInt(-2, 3);
        };
        String edited = header.substring(0, start) + Math.abs(replacement) + header.substring(end);
        byte[] text = edited.getBytes(StandardCharsets.UTF_8);
        byte[] data = Arrays.copyOfRange(valid, headerEnd, valid.length);
        return SafeTensorsFormatTest.fileBytes(new String(text, StandardCharsets.UTF_8), data);
    }

    private void check(byte[] bytes, String description) throws Exception {
        // a fresh file per case: rewriting one file in place makes ext4 flush it on every close (slow)
        Path file = folder.resolve("case-" + caseNumber++ + ".safetensors");
        Files.write(file, bytes);
        try {
            checkFile(file, bytes, description);
        } finally {
            Files.delete(file);
        }
    }

    private void checkFile(Path file, byte[] bytes, String description) {
        try (SafeTensorFile read = SafeTensors.read(file)) {
            long dataSize = bytes.length - 8 - ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            long total = 0;
            for (String name : read.names()) {
                TensorBlob blob = read.get(name);
                byte[] copy = blob.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE); // touches every byte
                assertEquals(blob.elementCount() * blob.dtype().byteSize(), copy.length, description);
                assertEquals(blob.elementCount(), blob.toDoubleArray().length, description);
                total += copy.length;
            }
            assertEquals(dataSize, total, description + ": accepted tensors tile the data section");
            accepted++;
        } catch (CheckpointException e) {
            assertTrue(e.getMessage().startsWith(file + ": "), description + ": message names the file: " + e.getMessage());
            rejected++;
        } catch (Throwable other) {
            fail(description + ": expected success or CheckpointException but got " + other, other);
        }
    }
}
