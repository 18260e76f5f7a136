package dev.jmamba.app.data.cuda;

import dev.jmamba.app.data.DataException;
import dev.jmamba.app.data.FusedCrop;
import dev.jmamba.app.data.ImageFolder;
import dev.jmamba.app.data.Seeds;
import dev.jmamba.app.data.StageTimes;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cuda.NvjpegDecoder;
import dev.jmamba.vision.image.Resampler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The training input path on the GPU (DALI-style): each worker thread reads a file, nvJPEG decodes
 * it on the GPU and {@link NvjpegDecoder} crops, resamples, flips and normalises it straight into
 * its slot of a (B, 3, S, S) float32 batch on the device — no float image on the host, no upload of
 * the batch. The crop of sample i of epoch e draws from {@link Seeds#forSample}(seed, e, i) what the
 * CPU path ({@link FusedCrop#plan}) draws, at full decode size (no DCT-domain downscaling), so the
 * batches equal the CPU path's up to the two decoders' pixel differences. A file nvJPEG cannot
 * decode (CMYK, damaged) goes through the CPU path ({@link ImageFolder#loadFused}, which also
 * replaces unreadable images) and is uploaded into its slot.
 */
public final class NvjpegLoader implements AutoCloseable {
    private final ImageFolder data;
    private final FusedCrop crop;
    private final Device device;
    private final long seed;
    private final ExecutorService executor;
    private final int workers;
    private final ThreadLocal<NvjpegDecoder> decoders = new ThreadLocal<>();
    private final List<NvjpegDecoder> opened = new ArrayList<>();
    private final StageTimes times = new StageTimes();
    private final AtomicInteger cpuFallbacks = new AtomicInteger();
    private final float[] mean, inverseStd;

    /** Why the GPU path cannot run on {@code device} in one sentence, or null. */
    public static String unavailableReason(Device device) {
        return NvjpegDecoder.unavailableReason(device);
    }

    /**
     * @param crop the training crop ({@link FusedCrop} without a tail transform: random erasing is not done on the GPU)
     */
    public NvjpegLoader(ImageFolder data, FusedCrop crop, Device device, int workers, long seed) {
        if (crop.tail() != null) throw new IllegalArgumentException("the nvJPEG path does no tail transform (random erasing); use the CPU path");
        if (workers < 1) throw new IllegalArgumentException("workers must be >= 1, got " + workers);
        String why = unavailableReason(device);
        if (why != null) throw new JmambaException(why);
        this.data = data;
        this.crop = crop;
        this.device = device;
        this.seed = seed;
        this.workers = workers;
        this.mean = crop.normalization().mean().clone();
        float[] std = crop.normalization().std();
        this.inverseStd = new float[] {1f / std[0], 1f / std[1], 1f / std[2]};
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(workers, r -> {
            Thread t = new Thread(r, "jmamba-nvjpeg-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /** Per-stage times: decode = file read + nvJPEG header and Huffman decode (host), transform = queuing the crop. */
    public StageTimes stageTimes() {
        return times;
    }

    /** Images that went through the CPU path so far (nvJPEG could not decode them). */
    public int cpuFallbacks() {
        return cpuFallbacks.get();
    }

    /**
     * Decodes and crops samples {@code indices} of epoch {@code epoch} into {@code out} (B, 3, S, S)
     * F32 on the device, B = indices.length, split over the workers; returns their labels. The host
     * work is done when it returns; the device work is queued ahead of anything the caller queues next.
     */
    public int[] load(int[] indices, int epoch, Tensor out) {
        int b = indices.length;
        int[] labels = new int[b];
        int slices = Math.min(workers, b);
        List<Future<?>> parts = new ArrayList<>(slices);
        for (int s = 0; s < slices; s++) {
            int from = (int) ((long) b * s / slices), to = (int) ((long) b * (s + 1) / slices);
            parts.add(executor.submit(() -> {
                for (int k = from; k < to; k++) labels[k] = loadOne(indices[k], epoch, out, k);
            }));
        }
        try {
            for (Future<?> f : parts) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DataException("interrupted while decoding a batch with nvJPEG", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) throw r;
            throw new DataException("decoding a batch with nvJPEG failed: " + cause, cause);
        }
        return labels;
    }

    private int loadOne(int index, int epoch, Tensor out, int slot) {
        NvjpegDecoder decoder = decoder();
        Path file = data.file(index);
        long t0 = System.nanoTime();
        try {
            byte[] bytes = Files.readAllBytes(file);
            int[] size = decoder.size(bytes, file.toString());
            FusedCrop.Plan plan = crop.plan(size[1], size[0], Seeds.forSample(seed, epoch, index));
            Resampler.Filter filter = crop.filter();
            Resampler.Taps h = Resampler.Taps.of(plan.boxW(), plan.outW(), filter), v = Resampler.Taps.of(plan.boxH(), plan.outH(), filter);
            NvjpegDecoder.Crop c = new NvjpegDecoder.Crop(plan.top(), plan.left(), plan.winTop(), plan.winLeft(), crop.size(),
                    new NvjpegDecoder.Taps(h.first, h.count, h.weights, h.maxTaps), new NvjpegDecoder.Taps(v.first, v.count, v.weights, v.maxTaps),
                    plan.flip(), filter == Resampler.Filter.BICUBIC, mean, inverseStd);
            long t1 = System.nanoTime();
            decoder.decodeCrop(bytes, file.toString(), c, out, slot);
            times.decode(System.nanoTime() - t0);
            times.sample();
            return data.label(index);
        } catch (IOException | JmambaException e) {
            // not decodable by nvJPEG (or unreadable): the CPU path decodes it or substitutes the next readable image
            cpuFallbacks.incrementAndGet();
            int s = crop.size();
            float[] pixels = new float[3 * s * s];
            int label = data.loadFused(index, crop, () -> Seeds.forSample(seed, epoch, index), pixels, 0, times);
            try (Scope scope = Scope.open()) {
                out.narrow(0, slot, 1).copyFrom(Tensor.wrap(pixels, 1, 3, s, s).to(device));
            }
            times.sample();
            return label;
        }
    }

    private NvjpegDecoder decoder() {
        NvjpegDecoder d = decoders.get();
        if (d == null) {
            d = NvjpegDecoder.open(device);
            decoders.set(d);
            synchronized (opened) {
                opened.add(d);
            }
        }
        return d;
    }

    /** Stops the workers and frees the decoders (waiting for their queued work). */
    @Override public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (opened) {
            for (NvjpegDecoder d : opened) d.close();
            opened.clear();
        }
    }
}
