package dev.jmamba.app.data.cuda;

import dev.jmamba.app.data.FusedCrop;
import dev.jmamba.app.data.RandomErasing;
import dev.jmamba.app.data.SlotDecoding;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cuda.NvjpegDecoder;
import dev.jmamba.tensor.cuda.StreamFence;
import dev.jmamba.vision.image.Resampler;

/**
 * {@link SlotDecoding} with nvJPEG on a CUDA device: one {@link NvjpegDecoder} (own stream) per
 * worker thread, a {@link StreamFence} on the compute stream per ring slot. A writer never touches
 * the compute stream, so workers may decode while the training thread queues or captures a step.
 */
public final class NvjpegSlots implements SlotDecoding {
    private final Device device;

    public NvjpegSlots(Device device) {
        this.device = device;
    }

    @Override public Device device() {
        return device;
    }

    @Override public String unavailableReason() {
        return NvjpegDecoder.unavailableReason(device);
    }

    @Override public Writer newWriter() {
        return new NvjpegWriter(NvjpegDecoder.open(device));
    }

    @Override public Fence newFence() {
        return new NvjpegFence(StreamFence.create(device));
    }

    /** The crop of {@code plan} as {@link NvjpegDecoder} takes it: box, window, the filter's taps of both axes, flip, mean and 1/std. */
    public static NvjpegDecoder.Crop crop(FusedCrop crop, FusedCrop.Plan plan) {
        Resampler.Filter filter = crop.filter();
        Resampler.Taps h = Resampler.Taps.of(plan.boxW(), plan.outW(), filter), v = Resampler.Taps.of(plan.boxH(), plan.outH(), filter);
        float[] mean = crop.normalization().mean().clone(), std = crop.normalization().std();
        float[] inverseStd = {1f / std[0], 1f / std[1], 1f / std[2]};
        return new NvjpegDecoder.Crop(plan.top(), plan.left(), plan.winTop(), plan.winLeft(), crop.size(),
                new NvjpegDecoder.Taps(h.first, h.count, h.weights, h.maxTaps), new NvjpegDecoder.Taps(v.first, v.count, v.weights, v.maxTaps),
                plan.flip(), filter == Resampler.Filter.BICUBIC, mean, inverseStd);
    }

    private final class NvjpegWriter implements Writer {
        private final NvjpegDecoder decoder;

        NvjpegWriter(NvjpegDecoder decoder) {
            this.decoder = decoder;
        }

        @Override public int[] size(byte[] file, String name) {
            return decoder.size(file, name);
        }

        @Override public void decodeCrop(byte[] file, String name, FusedCrop crop, FusedCrop.Plan plan, Tensor out, int k, Fence free) {
            decoder.decodeCrop(file, name, crop(crop, plan), out, k, streamFence(free));
        }

        @Override public void write(float[] image, Tensor out, int k, Fence free) {
            decoder.write(image, out, k, streamFence(free));
        }

        @Override public void writeBox(RandomErasing.Box box, Tensor out, int k, Fence free) {
            decoder.writeBox(box.noise(), box.top(), box.left(), box.height(), box.width(), out, k, streamFence(free));
        }

        @Override public void finish() {
            decoder.synchronize();
        }

        @Override public void close() {
            decoder.close();
        }
    }

    private static StreamFence streamFence(Fence free) {
        if (free instanceof NvjpegFence f) return f.fence();
        throw new IllegalArgumentException("an nvJPEG writer needs a fence of NvjpegSlots, got " + free);
    }

    /** A slot's fence: a {@link StreamFence} on the compute stream. */
    private record NvjpegFence(StreamFence fence) implements Fence {
        @Override public void record() { fence.record(); }

        @Override public void close() { fence.close(); }
    }
}
