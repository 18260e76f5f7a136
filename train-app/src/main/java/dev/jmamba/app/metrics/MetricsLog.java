package dev.jmamba.app.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmamba.io.IoMessages;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends training metrics to {@code DIR/metrics.jsonl}, one JSON object per line, flushed after every
 * line so that a crash loses nothing already logged and other tools can tail the file. Every record has a
 * {@code "type"}: {@code "step"} records carry {@code epoch, step, train_loss, lr, img_per_s}; {@code "eval"}
 * records carry {@code epoch, step, val_loss, val_top1, val_top5}; either may carry extra fields (e.g.
 * {@code skipped_images}). Non-finite numbers are written as the strings "NaN" / "Infinity". Thread-safe.
 */
public final class MetricsLog implements AutoCloseable {

    /** File name inside the output folder. */
    public static final String FILE_NAME = "metrics.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final BufferedWriter out;

    /**
     * Opens (creating the folder if needed) {@code dir/metrics.jsonl} for appending; a resumed run keeps
     * earlier lines. A last line without its newline (cut off by a crash or a full disk) is removed
     * first, so the next record starts a line of its own instead of merging into a corrupt one.
     */
    public MetricsLog(Path dir) {
        this.file = dir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dir);
            dropPartialLastLine(file);
            this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot open the metrics log for appending (" + IoMessages.reason(e) + ")", e);
        }
    }

    private MetricsLog() {
        this.file = null;
        this.out = new BufferedWriter(java.io.Writer.nullWriter());
    }

    /** A log that writes nothing: for the ranks other than 0 of a multi-process run (rank 0 writes the run's metrics). */
    public static MetricsLog discarding() {
        return new MetricsLog();
    }

    /** Truncates {@code file} after its last newline when it does not end with one. */
    static void dropPartialLastLine(Path file) throws IOException {
        if (!Files.isRegularFile(file)) return;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = ch.size();
            long keep = size;
            ByteBuffer one = ByteBuffer.allocate(1);
            while (keep > 0) {
                one.clear();
                ch.read(one, keep - 1);
                if (one.get(0) == '\n') break;
                keep--;
            }
            if (keep < size) ch.truncate(keep);
        }
    }

    /** The file written, or null for a {@link #discarding()} log. */
    public Path file() {
        return file;
    }

    /** Logs a training step record. */
    public void step(int epoch, long step, double trainLoss, double lr, double imagesPerSecond, Map<String, ?> extra) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", "step");
        r.put("epoch", epoch);
        r.put("step", step);
        r.put("train_loss", trainLoss);
        r.put("lr", lr);
        r.put("img_per_s", imagesPerSecond);
        write(r, extra);
    }

    /** Logs an evaluation record; accuracies are fractions in [0, 1] (the trainer and eval command write fractions). */
    public void eval(int epoch, long step, double valLoss, double top1, double top5, Map<String, ?> extra) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("type", "eval");
        r.put("epoch", epoch);
        r.put("step", step);
        r.put("val_loss", valLoss);
        r.put("val_top1", top1);
        r.put("val_top5", top5);
        write(r, extra);
    }

    /** Logs an arbitrary record (the keys of {@code extra} are added after those of {@code record}). */
    public synchronized void write(Map<String, ?> record, Map<String, ?> extra) {
        Map<String, Object> all = new LinkedHashMap<>(record);
        if (extra != null) all.putAll(extra);
        try {
            out.write(JSON.writeValueAsString(all));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write metrics (" + IoMessages.reason(e) + ")", e);
        }
    }

    @Override public synchronized void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot close metrics log (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Reads every record of a metrics file. A last line cut off by a crash is ignored; any other bad line
     * fails with its line number.
     */
    public static List<Map<String, Object>> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read metrics (" + e.getMessage() + ")", e);
        }
        List<Map<String, Object>> records = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            try {
                records.add(JSON.readValue(line, new TypeReference<LinkedHashMap<String, Object>>() { }));
            } catch (JsonProcessingException e) {
                if (i == lines.size() - 1) break; // partial last line of an interrupted run
                throw new IllegalArgumentException(file + ": line " + (i + 1) + " is not a JSON object (" + e.getOriginalMessage() + ")", e);
            }
        }
        return records;
    }

    /** A numeric field of a record as double: NaN when absent or not a number ("NaN" strings included). */
    public static double number(Map<String, Object> record, String key) {
        Object v = record.get(key);
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
        return Double.NaN;
    }
}
