package dev.jmamba.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated JSON header of a safetensors file. Every check that does not need the
 * tensor bytes happens here, against the known size of the data section, so that a header which
 * passes can be turned into views of the mapped file without any further bounds worry.
 *
 * @param entries  tensors in header order
 * @param metadata the {@code "__metadata__"} map (empty when absent), in header order
 */
record SafeTensorsHeader(List<Entry> entries, Map<String, String> metadata) {

    /** Largest header accepted, in bytes (the reference implementation uses the same bound). */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The reserved key holding the string→string metadata map. */
    static final String METADATA_KEY = "__metadata__";

    /**
     * One tensor's header entry, already validated.
     *
     * @param shape dimensions, outermost first
     * @param begin first byte in the data section (inclusive)
     * @param end   last byte in the data section (exclusive)
     */
    record Entry(String name, SafeDType dtype, long[] shape, long begin, long end) {
    }

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /**
     * Parses and validates {@code headerBytes} of {@code file}, whose data section is {@code dataSize}
     * bytes long. Throws {@link CheckpointException} naming the file for any problem.
     */
    static SafeTensorsHeader parse(Path file, byte[] headerBytes, long dataSize) {
        JsonNode root = parseJson(file, headerBytes);
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals(METADATA_KEY)) {
                readMetadata(file, field.getValue(), metadata);
            } else {
                entries.add(readEntry(file, field.getKey(), field.getValue(), dataSize));
            }
        }
        checkCoverage(file, entries, dataSize);
        return new SafeTensorsHeader(List.copyOf(entries), metadata);
    }

    private static JsonNode parseJson(Path file, byte[] headerBytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(headerBytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointException(file, "header is not valid UTF-8 (" + e + ")", e);
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            throw new CheckpointException(file, "header is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointException(file, "header must be a JSON object but is "
                    + (root == null || root.isMissingNode() ? "empty" : root.getNodeType()));
        }
        return root;
    }

    private static void readMetadata(Path file, JsonNode node, Map<String, String> metadata) {
        if (!node.isObject()) {
            throw new CheckpointException(file, "\"" + METADATA_KEY + "\" must be an object of strings but is "
                    + node.getNodeType());
        }
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            if (!field.getValue().isTextual()) {
                throw new CheckpointException(file, "\"" + METADATA_KEY + "\" value for key '" + field.getKey()
                        + "' must be a string but is " + field.getValue().getNodeType());
            }
            metadata.put(field.getKey(), field.getValue().textValue());
        }
    }

    private static Entry readEntry(Path file, String name, JsonNode node, long dataSize) {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) {
            throw new CheckpointException(file, where + " must be an object with dtype, shape and data_offsets but is "
                    + node.getNodeType());
        }
        JsonNode dtypeNode = required(file, where, node, "dtype");
        if (!dtypeNode.isTextual()) {
            throw new CheckpointException(file, where + " dtype must be a string but is " + dtypeNode.getNodeType());
        }
        SafeDType dtype = SafeDType.fromHeaderName(dtypeNode.textValue());
        if (dtype == null) {
            throw new CheckpointException(file, where + " has unknown dtype '" + dtypeNode.textValue()
                    + "'; expected one of " + Arrays.toString(SafeDType.values()));
        }
        long[] shape = longArray(file, where + " shape", required(file, where, node, "shape"), -1);
        long[] offsets = longArray(file, where + " data_offsets", required(file, where, node, "data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataSize) {
            throw new CheckpointException(file, where + " data_offsets [" + begin + ", " + end
                    + "] must satisfy 0 <= begin <= end <= " + dataSize + " (the data section size)");
        }
        long expectedBytes;
        try {
            expectedBytes = Math.multiplyExact(TensorBlob.elementCount(shape), dtype.byteSize());
        } catch (ArithmeticException overflow) {
            throw new CheckpointException(file, where + " shape " + Arrays.toString(shape)
                    + " has more bytes than a long can count");
        }
        if (end - begin != expectedBytes) {
            throw new CheckpointException(file, where + " of " + dtype + " with shape " + Arrays.toString(shape)
                    + " needs " + expectedBytes + " bytes but data_offsets [" + begin + ", " + end
                    + "] span " + (end - begin));
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static JsonNode required(Path file, String where, JsonNode entry, String field) {
        JsonNode value = entry.get(field);
        if (value == null) {
            throw new CheckpointException(file, where + " is missing \"" + field + "\"");
        }
        return value;
    }

    /**
     * The non-negative integers of a JSON array; {@code requiredLength} -1 means any length. Every check
     * happens before anything is allocated from the array's length (bounded by the header size anyway).
     */
    private static long[] longArray(Path file, String what, JsonNode node, int requiredLength) {
        if (!node.isArray()) {
            throw new CheckpointException(file, what + " must be an array of integers but is " + node.getNodeType());
        }
        if (requiredLength >= 0 && node.size() != requiredLength) {
            throw new CheckpointException(file, what + " must have " + requiredLength + " entries but has " + node.size());
        }
        long[] values = new long[node.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode item = node.get(i);
            if (!item.isIntegralNumber() || !item.canConvertToLong()) {
                throw new CheckpointException(file, what + " entry " + i + " must be an integer within 64 bits but is "
                        + item);
            }
            values[i] = item.longValue();
            if (values[i] < 0) {
                throw new CheckpointException(file, what + " entry " + i + " must be >= 0 but is " + values[i]);
            }
        }
        return values;
    }

    /**
     * The tensors' byte ranges, sorted by position, must tile the data section exactly: no overlap and no
     * gap, the first at 0 and the last ending at {@code dataSize} (as the reference implementation demands).
     */
    private static void checkCoverage(Path file, List<Entry> entries, long dataSize) {
        List<Entry> byPosition = new ArrayList<>(entries);
        byPosition.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long covered = 0;
        Entry previous = null;
        for (Entry entry : byPosition) {
            if (entry.begin() < covered) {
                throw new CheckpointException(file, "tensor '" + entry.name() + "' bytes [" + entry.begin() + ", "
                        + entry.end() + ") overlap tensor '" + previous.name() + "' bytes [" + previous.begin()
                        + ", " + previous.end() + ")");
            }
            if (entry.begin() > covered) {
                throw new CheckpointException(file, "data bytes [" + covered + ", " + entry.begin()
                        + ") belong to no tensor; tensors must cover the data section without gaps");
            }
            covered = entry.end();
            previous = entry;
        }
        if (covered != dataSize) {
            throw new CheckpointException(file, "data bytes [" + covered + ", " + dataSize
                    + ") belong to no tensor; tensors must cover the data section without gaps");
        }
    }
}
