package dev.jmamba.examples;

import dev.jmamba.tensor.JmambaException;
import java.io.PrintStream;
import java.util.List;
import java.util.function.BiConsumer;

/** The example programs by name, for {@code ./jmamba example NAME} and the test that runs them all. */
public final class Examples {
    private Examples() {}

    /** One example: its command-line name, one line about it, and its entry point (output stream, options). */
    public record Entry(String name, String summary, BiConsumer<PrintStream, String[]> run) {}

    public static final List<Entry> ALL = List.of(
            new Entry("scan-by-hand", "the selective scan step by step: dt, exp(dt*A), h, y; checked against the reference and the fast kernel",
                    ScanByHand::run),
            new Entry("autograd-by-hand", "a two-layer net with Var: gradients vs finite differences, then gradient descent by hand",
                    AutogradByHand::run),
            new Entry("curves-gallery", "PNGs of every scan order on a few grids, with locality statistics",
                    CurvesGallery::run),
            new Entry("tiny-vim", "Vim from jmamba's parts (patch embed, VimMixer, RMSNorm) trained on synthetic strokes",
                    TinyVim::run),
            new Entry("classify-image", "the embedding API: ImageClassifier.load(checkpoint).predict(image, 5); self-check without arguments",
                    ClassifyImage::run));

    /** The entry called {@code name}; an error listing the names otherwise. */
    public static Entry find(String name) {
        for (Entry e : ALL) if (e.name().equals(name)) return e;
        throw new JmambaException("unknown example '" + name + "': expected one of "
                + String.join(", ", ALL.stream().map(Entry::name).toList()));
    }
}
