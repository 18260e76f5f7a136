package dev.jmamba.app;

import dev.jmamba.app.data.FloatImage;
import dev.jmamba.app.data.ImageDecoding;
import dev.jmamba.app.data.ImageTransform;
import dev.jmamba.app.data.Normalization;
import dev.jmamba.app.data.Resampler;
import dev.jmamba.app.data.ResizeCenterCrop;
import dev.jmamba.app.train.RunConfig;
import dev.jmamba.autograd.Autograd;
import dev.jmamba.autograd.Var;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code jmamba predict}: the top-5 classes of each image file, prepared with the evaluation pipeline
 * of the checkpoint's data (resize / centre crop and the run's normalisation; colour images become
 * grayscale for 1-channel models).
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Classify PNG/JPEG images with a checkpoint: top-5 labels with probabilities per image.")
public final class PredictCommand implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "DIR", description = "Run folder or its checkpoint/ folder.")
    Path checkpoint;
    @Option(names = "--device", paramLabel = "DEV", description = "cpu or cuda[:N] (default: cuda when present).")
    String device;
    @Option(names = "--top", paramLabel = "K", description = "Labels per image (default 5).")
    int top = 5;
    @Option(names = "--ema", description = "Use the EMA weights (runs trained with --ema).")
    boolean ema;
    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image files (PNG, JPEG, BMP, GIF).")
    List<Path> images;

    @Override public void run() {
        if (top < 1) throw UserError.usage("--top must be >= 1, got " + top);
        CheckpointModel cm = CheckpointModel.load(checkpoint, device, ema);
        Device dev = cm.device();
        RunConfig cfg = cm.config();
        ImageTransform prepare = evalTransform(cfg);
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int ok = 0;
        for (Path file : images) {
            FloatImage x;
            try {   // a bad file is reported and skipped; the other images are still classified
                FloatImage rgb = ImageDecoding.readRgb(file);
                x = prepare.apply(cfg.model().inChannels() == 1 ? toGray(rgb) : rgb, new SplittableRandom(0));
            } catch (IOException | RuntimeException e) {
                err.println("jmamba predict: skipping " + file + ": " + e.getMessage());
                err.flush();
                continue;
            }
            float[] probs;
            try (var noGrad = Autograd.noGrad()) {
                Tensor input = Tensor.wrap(x.data(), 1, x.channels(), x.height(), x.width()).to(dev);   // (1, C, R, R)
                probs = cm.model().forward(Var.of(input)).value().softmax(1).to(Device.CPU).toFloatArray(); // (1, K)
            }
            StringBuilder line = new StringBuilder(file.toString()).append(":");
            for (int k : topK(probs, top)) {
                line.append(String.format(" %s %.1f%%", cfg.data().classNames().get(k), 100 * probs[k]));
                line.append(',');
            }
            line.setLength(line.length() - 1);
            o.println(line);
            ok++;
        }
        o.flush();
        err.flush();
        if (ok == 0) throw UserError.runtime("none of the " + images.size() + " images could be read");
    }

    /** The run's evaluation transform: resize (fixed-size data) or resize + centre crop (folders), then normalise. */
    static ImageTransform evalTransform(RunConfig cfg) {
        int r = cfg.model().resolution();
        Normalization norm = new Normalization(cfg.data().mean(), cfg.data().std());
        ImageTransform size = cfg.data().kind().equals("folder")
                ? new ResizeCenterCrop(r, ResizeCenterCrop.DEFAULT_CROP_FRACTION, Resampler.Filter.BICUBIC)
                : ImageTransform.resize(r, r, Resampler.Filter.BILINEAR);
        return size.then(ImageTransform.normalize(norm));
    }

    /** ITU-R BT.601 luma of an RGB image: (3, H, W) → (1, H, W). */
    static FloatImage toGray(FloatImage rgb) {
        int plane = rgb.height() * rgb.width();
        float[] d = rgb.data(), g = new float[plane];
        for (int i = 0; i < plane; i++) g[i] = 0.299f * d[i] + 0.587f * d[plane + i] + 0.114f * d[2 * plane + i];
        return new FloatImage(1, rgb.height(), rgb.width(), g);
    }

    /** Indices of the k largest values, largest first. */
    static int[] topK(float[] values, int k) {
        Integer[] idx = new Integer[values.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        java.util.Arrays.sort(idx, (a, b) -> Float.compare(values[b], values[a]));
        int[] out = new int[Math.min(k, values.length)];
        for (int i = 0; i < out.length; i++) out[i] = idx[i];
        return out;
    }
}
