package dev.jmamba.app.data;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link SlotDecoding} on the host for tests of {@link DeviceBatchLoader}'s bookkeeping without a
 * GPU: it decodes with ImageIO ({@link ImageDecoding.Decoder#IMAGEIO}) and crops with
 * {@link FusedCrop#resample} — what nvJPEG and image.cu do on a GPU — into CPU tensors, refuses
 * files whose name contains {@code refuse} (as nvJPEG refuses CMYK) and counts fence records,
 * host writes, erasing boxes and finishes.
 */
public final class HostSlotDecoding implements SlotDecoding {
    public final AtomicInteger records = new AtomicInteger(), hostWrites = new AtomicInteger(), finishes = new AtomicInteger(),
            boxes = new AtomicInteger();

    @Override public Device device() {
        return Device.CPU;
    }

    @Override public String unavailableReason() {
        return null;
    }

    @Override public Fence newFence() {
        return new Fence() {
            @Override public void record() { records.incrementAndGet(); }

            @Override public void close() {}
        };
    }

    @Override public Writer newWriter() {
        return new Writer() {
            @Override public int[] size(byte[] file, String name) {
                if (name.contains("refuse")) throw new JmambaException(name + ": refused (a stand-in for a file nvJPEG cannot read)");
                ImageDecoding.RgbBytes px = pixels(name);
                return new int[] {px.width(), px.height()};
            }

            @Override public void decodeCrop(byte[] file, String name, FusedCrop crop, FusedCrop.Plan plan, Tensor out, int k, Fence free) {
                int s = crop.size();
                float[] image = new float[3 * s * s];
                FusedCrop.resample(pixels(name), plan.top(), plan.left(), plan.boxH(), plan.boxW(), plan.outH(), plan.outW(), plan.winTop(),
                        plan.winLeft(), s, crop.filter(), plan.flip(), crop.normalization(), image, 0);
                copy(image, out, k);
            }

            @Override public void write(float[] image, Tensor out, int k, Fence free) {
                hostWrites.incrementAndGet();
                copy(image, out, k);
            }

            @Override public void writeBox(RandomErasing.Box box, Tensor out, int k, Fence free) {
                boxes.incrementAndGet();
                try (Scope scope = Scope.open()) {
                    out.narrow(0, k, 1).narrow(2, box.top(), box.height()).narrow(3, box.left(), box.width())
                            .copyFrom(Tensor.wrap(box.noise(), 1, 3, box.height(), box.width()));
                }
            }

            @Override public void finish() { finishes.incrementAndGet(); }

            @Override public void close() {}
        };
    }

    private static ImageDecoding.RgbBytes pixels(String name) {
        try {
            return ImageDecoding.open(Path.of(name), ImageDecoding.Decoder.IMAGEIO).pixels(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copy(float[] image, Tensor out, int k) {
        int s = out.size(2);
        try (Scope scope = Scope.open()) {
            out.narrow(0, k, 1).copyFrom(Tensor.wrap(image, 1, 3, s, s));
        }
    }
}
