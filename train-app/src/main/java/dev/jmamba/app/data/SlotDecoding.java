package dev.jmamba.app.data;

import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;

/**
 * How {@link DeviceBatchLoader} gets JPEG files into slots of device batches: per worker thread a
 * {@link Writer} (on a GPU: an nvJPEG decoder with its own stream), per ring slot a {@link Fence}
 * that the training thread records after the work that reads the slot and that the writers wait for
 * before they write it. nvJPEG is one implementation ({@code cuda.NvjpegSlots}); tests use a host one.
 */
public interface SlotDecoding {

    /** The device of the batches. */
    Device device();

    /** A writer for the calling worker thread. */
    Writer newWriter();

    /** A fence for one slot of the ring. */
    Fence newFence();

    /** Why this path cannot run, in one sentence, or null. */
    String unavailableReason();

    /** The point after the last reads of a slot. */
    interface Fence extends AutoCloseable {
        /** Marks the work queued so far by the training thread (called on that thread, outside any graph capture). */
        void record();

        @Override void close();
    }

    /** Decodes files into slots; used by one thread at a time. */
    interface Writer extends AutoCloseable {
        /** {width, height} from the file's header; an exception (naming {@code name}) where this decoder cannot read it. */
        int[] size(byte[] file, String name);

        /**
         * Decodes {@code file} and writes sample {@code plan} of {@code crop} (its geometry, flip and
         * normalisation; FusedCrop's operations at full decode size) into slot {@code k} of
         * {@code out} (B, 3, S, S), after {@code free}; an exception where this decoder cannot decode it.
         */
        void decodeCrop(byte[] file, String name, FusedCrop crop, FusedCrop.Plan plan, Tensor out, int k, Fence free);

        /** Writes host pixels (3, S, S) into slot {@code k} of {@code out} after {@code free} (files decoded on the host instead). */
        void write(float[] image, Tensor out, int k, Fence free);

        /** Writes random erasing's box (its noise, drawn on the host) into slot {@code k} of {@code out}, after this writer's earlier writes. */
        void writeBox(RandomErasing.Box box, Tensor out, int k, Fence free);

        /** Waits until everything this writer queued is in place. */
        void finish();

        @Override void close();
    }
}
