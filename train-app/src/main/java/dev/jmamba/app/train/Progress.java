package dev.jmamba.app.train;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintWriter;
import java.time.Duration;

/**
 * Training progress for people: on a terminal a progress bar per epoch (loss, img/s, ETA), otherwise
 * a plain line every {@code plainEverySeconds} (and at the end of each epoch), so logs stay readable.
 */
public abstract sealed class Progress permits Progress.Bar, Progress.Lines {

    /** A bar when {@code terminal}, else plain lines to {@code out}. */
    public static Progress create(boolean terminal, PrintWriter out, double plainEverySeconds) {
        return terminal ? new Bar(out) : new Lines(out, plainEverySeconds);
    }

    /** Starts epoch {@code epoch} (0-based) of {@code epochs}, with {@code done} of {@code total} batches already done. */
    public abstract void startEpoch(int epoch, int epochs, int done, int total);

    /** After a step: batches done in the epoch, global step, smoothed loss, throughput, learning rate. */
    public abstract void step(int done, long step, double loss, double imagesPerSecond, double lr);

    /** Ends the current epoch display. */
    public abstract void endEpoch();

    /** Prints a line outside the bar. */
    public abstract void line(String text);

    static String stats(long step, double loss, double imagesPerSecond, double lr) {
        return String.format("step %d loss %.4f %.0f img/s lr %.2e", step, loss, imagesPerSecond, lr);
    }

    /** The interactive bar (me.tongfei progressbar). */
    static final class Bar extends Progress {
        private final PrintWriter out;
        private ProgressBar bar;

        Bar(PrintWriter out) { this.out = out; }

        @Override public void startEpoch(int epoch, int epochs, int done, int total) {
            endEpoch();
            bar = new ProgressBarBuilder().setTaskName("epoch " + (epoch + 1) + "/" + epochs).setInitialMax(total)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).setUpdateIntervalMillis(250)
                    .startsFrom(done, Duration.ZERO).setUnit(" batches", 1).build();
        }

        @Override public void step(int done, long step, double loss, double imagesPerSecond, double lr) {
            if (bar == null) return;
            bar.stepTo(done);
            bar.setExtraMessage(String.format("loss %.4f %.0f img/s", loss, imagesPerSecond));
        }

        @Override public void endEpoch() {
            if (bar != null) bar.close();
            bar = null;
        }

        @Override public void line(String text) {
            if (bar != null) {
                bar.pause();
                System.err.print("\r");
            }
            out.println(text);
            out.flush();
            if (bar != null) bar.resume();
        }
    }

    /** Plain periodic lines. */
    static final class Lines extends Progress {
        private final PrintWriter out;
        private final long everyNanos;
        private long lastPrint;
        private int epoch, epochs, total, done;
        private String last = "";

        Lines(PrintWriter out, double everySeconds) {
            this.out = out;
            this.everyNanos = (long) (everySeconds * 1e9);
        }

        @Override public void startEpoch(int epoch, int epochs, int done, int total) {
            this.epoch = epoch;
            this.epochs = epochs;
            this.total = total;
            this.done = done;
            this.lastPrint = System.nanoTime();
            this.last = "";
        }

        @Override public void step(int done, long step, double loss, double imagesPerSecond, double lr) {
            this.done = done;
            this.last = stats(step, loss, imagesPerSecond, lr);
            long now = System.nanoTime();
            if (now - lastPrint >= everyNanos) {
                lastPrint = now;
                print();
            }
        }

        private void print() {
            line(String.format("epoch %d/%d batch %d/%d %s", epoch + 1, epochs, done, total, last));
        }

        @Override public void endEpoch() {
            if (!last.isEmpty()) print();
            last = "";
        }

        @Override public void line(String text) {
            out.println(text);
            out.flush();
        }
    }
}
