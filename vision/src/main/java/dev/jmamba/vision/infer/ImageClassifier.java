package dev.jmamba.vision.infer;

import dev.jmamba.autograd.Autograd;
import dev.jmamba.autograd.Var;
import dev.jmamba.io.CheckpointException;
import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.vision.checkpoint.TrainedModel;
import dev.jmamba.vision.image.FloatImage;
import dev.jmamba.vision.image.BoundedImageReader;
import dev.jmamba.vision.image.ImageLimits;
import dev.jmamba.vision.image.Images;
import dev.jmamba.vision.image.Preprocessing;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An image classifier loaded from a jmamba checkpoint folder (a training run, its {@code checkpoint/},
 * or the output of {@code jmamba import} for official weights), ready for Java applications:
 * <pre>
 *   try (ImageClassifier c = ImageClassifier.load(Path.of("runs/x"))) {
 *       List&lt;ImageClassifier.Prediction&gt; top5 = c.predict(bufferedImage, 5);   // label, index, probability
 *       float[] logits = c.logits(chwFloats, channels, height, width);            // already-normalised input
 *   }
 * </pre>
 * Preprocessing (resize / centre crop, channels, mean and std) and class names come from the
 * checkpoint's {@code config.json}. The device is the GPU when one is usable, else the CPU, or the one
 * passed to {@link #load(Path, Device)}.
 *
 * <p><b>Threads.</b> All methods may be called from many threads at once. Decoding and preprocessing
 * run on the caller's thread; the forward passes take turns (one at a time: the CPU backend already
 * spreads each operation over every core, and a GPU runs one stream). For throughput, pass batches to
 * {@link #predict(List, int)}.
 */
public final class ImageClassifier implements AutoCloseable {

    /**
     * One class of a prediction.
     *
     * @param label       the class name from the checkpoint
     * @param index       the class index (the model's output position)
     * @param probability softmax probability in [0, 1]
     */
    public record Prediction(String label, int index, float probability) {
        @Override public String toString() {
            return String.format("%s (%d) %.2f%%", label, index, 100 * probability);
        }
    }

    private final TrainedModel model;
    private final Preprocessing preprocessing;
    private final List<String> labels;
    private final ReentrantLock forwardLock = new ReentrantLock();
    private volatile boolean closed;

    private ImageClassifier(TrainedModel model) {
        this.model = model;
        this.preprocessing = model.preprocessing();
        this.labels = List.copyOf(model.classNames());
    }

    /**
     * Loads the checkpoint in {@code dir} (a run folder or its {@code checkpoint/} folder) on the default
     * device. Throws {@link CheckpointException} naming the file for anything missing or damaged.
     */
    public static ImageClassifier load(Path dir) {
        return load(dir, Backends.defaultDevice());
    }

    /** Loads the checkpoint in {@code dir} onto {@code device}. */
    public static ImageClassifier load(Path dir, Device device) {
        return load(dir, device, false);
    }

    /** Loads the checkpoint in {@code dir} onto {@code device}; {@code ema}: its EMA weights (runs trained with --ema). */
    public static ImageClassifier load(Path dir, Device device, boolean ema) {
        if (!Backends.isAvailable(device)) throw new JmambaException("device " + device + " is not usable on this machine");
        return new ImageClassifier(TrainedModel.load(dir, device, ema));
    }

    /** The {@code k} most probable classes of {@code image}, most probable first. */
    public List<Prediction> predict(BufferedImage image, int k) {
        return predict(List.of(image), k).getFirst();
    }

    /** The {@code k} most probable classes of each image, in one batched forward pass. */
    public List<List<Prediction>> predict(List<BufferedImage> images, int k) {
        checkK(k);
        if (images.isEmpty()) return List.of();
        List<FloatImage> inputs = new ArrayList<>(images.size());
        for (BufferedImage im : images) inputs.add(preprocessing.apply(Images.toRgb(im)));
        float[][] logits = forward(inputs);
        List<List<Prediction>> out = new ArrayList<>(logits.length);
        for (float[] row : logits) out.add(topK(softmax(row), k));
        return out;
    }

    /**
     * Reads an image file (PNG, JPEG, BMP, GIF) and predicts it; an {@link IOException} "FILE: reason" when
     * it cannot be used: unreadable, not an image, truncated, damaged, or larger than {@link ImageLimits#DEFAULT}
     * allows (checked from its header before decoding; large images are decoded subsampled).
     */
    public List<Prediction> predict(Path imageFile, int k) throws IOException {
        BufferedImage image;
        try {
            image = BoundedImageReader.read(imageFile, ImageLimits.DEFAULT);
        } catch (IOException e) {
            throw new IOException(imageFile + ": " + e.getMessage(), e);
        }
        return predict(image, k);
    }

    /**
     * The raw logits (K) of one input that is already preprocessed: {@code chw} holds (C, H, W) floats,
     * row-major, normalised as the model expects. Any H×W the model supports is accepted.
     */
    public float[] logits(float[] chw, int channels, int height, int width) {
        if (channels < 1 || height < 1 || width < 1 || (long) channels * height * width != chw.length) {
            throw new JmambaException("logits: " + chw.length + " floats do not make an image of (" + channels + ", " + height + ", " + width + ")");
        }
        if (channels != preprocessing.channels()) {
            throw new JmambaException("logits: the model takes " + preprocessing.channels() + " channels, got " + channels);
        }
        return forward(List.of(new FloatImage(channels, height, width, chw.clone())))[0];
    }

    /** The class names, index = class. */
    public List<String> labels() { return labels; }

    /** How images are prepared before the forward pass. */
    public Preprocessing preprocessing() { return preprocessing; }

    /** The registry name of the model (e.g. {@code vim-tiny}). */
    public String modelName() { return model.config().model().name(); }

    public Device device() { return model.device(); }

    /** The checkpoint folder that was loaded. */
    public Path checkpoint() { return model.dir(); }

    /** Logits (B, K) of same-shaped inputs (C, H, W); one forward pass at a time. */
    private float[][] forward(List<FloatImage> images) {
        FloatImage first = images.getFirst();
        int c = first.channels(), h = first.height(), w = first.width(), n = images.size();
        float[] batch = new float[n * first.length()];
        for (int i = 0; i < n; i++) {
            FloatImage im = images.get(i);
            if (im.channels() != c || im.height() != h || im.width() != w) throw new IllegalStateException("batch images differ in shape");
            System.arraycopy(im.data(), 0, batch, i * im.length(), im.length());
        }
        float[] flat;
        int k;
        forwardLock.lock();
        try {
            if (closed) throw new IllegalStateException("this ImageClassifier is closed");
            try (var noGrad = Autograd.noGrad(); Scope scope = Scope.open()) {
                Tensor x = Tensor.wrap(batch, n, c, h, w).to(model.device());                  // (B, C, H, W)
                Var logits = model.model().forward(Var.of(x));                                   // (B, K)
                k = logits.size(1);
                flat = logits.value().to(Device.CPU).toFloatArray();
            }
        } finally {
            forwardLock.unlock();
        }
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) out[i] = java.util.Arrays.copyOfRange(flat, i * k, (i + 1) * k);
        return out;
    }

    /** Softmax in float64 (stable: the maximum is subtracted first). */
    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double sum = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < logits.length; i++) sum += e[i] = Math.exp(logits[i] - max);
        float[] p = new float[logits.length];
        for (int i = 0; i < p.length; i++) p[i] = (float) (e[i] / sum);
        return p;
    }

    /** The k largest probabilities, largest first (ties: lower index first). */
    private List<Prediction> topK(float[] p, int k) {
        int n = Math.min(k, p.length);
        int[] idx = new int[n];
        boolean[] taken = new boolean[p.length];
        for (int j = 0; j < n; j++) {
            int best = -1;
            for (int i = 0; i < p.length; i++) if (!taken[i] && (best < 0 || p[i] > p[best])) best = i;
            taken[best] = true;
            idx[j] = best;
        }
        List<Prediction> out = new ArrayList<>(n);
        for (int i : idx) out.add(new Prediction(labels.get(i), i, p[i]));
        return out;
    }

    private static void checkK(int k) {
        if (k < 1) throw new JmambaException("k must be >= 1, got " + k);
    }

    /** Releases the model; later calls fail. Waits for a forward pass in progress. */
    @Override public void close() {
        forwardLock.lock();
        try {
            closed = true;
        } finally {
            forwardLock.unlock();
        }
    }
}
