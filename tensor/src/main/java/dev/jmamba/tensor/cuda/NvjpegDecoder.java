package dev.jmamba.tensor.cuda;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.jmamba.tensor.Backends;
import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Decodes JPEGs on the GPU with nvJPEG and crops, resamples, flips and normalises them into a
 * (B, 3, S, S) float32 batch on the device (a DALI-style input path). One decoder per host thread:
 * Huffman decoding runs on the calling thread, everything else on the decoder's own stream, beside
 * the compute stream; the batch slot is written after the work queued on the compute stream so far
 * (an event), and the compute stream waits for the decoder's work before anything queued later.
 *
 * <p>The crop is given as the CPU path computes it ({@link Crop}: box, output window, separable filter
 * taps, flip, mean and 1/std), and {@code image.cu} follows the CPU's FusedCrop operation by operation,
 * so given the same decoded pixels the slot holds the CPU's floats bit for bit; the pixels themselves
 * differ from libjpeg-turbo's within the decoders' IDCT and chroma-upsampling tolerance.
 *
 * <p>Where nvJPEG is missing (it ships with the CUDA toolkit as {@code libnvjpeg.so.13} / {@code .12},
 * found like the other CUDA libraries), {@link #unavailableReason} says so in one sentence.
 */
public final class NvjpegDecoder implements AutoCloseable {

    /** Separable filter taps of one axis over the virtual output: first input index, tap count and weights (maxTaps per output). */
    public record Taps(int[] first, int[] count, float[] weights, int maxTaps) {}

    /**
     * Where and how one image goes into its slot: the box [top, top + boxH) × [left, left + boxW) of the
     * full image (its size is implied by the taps), resampled to a virtual (outH, outW) image of which the
     * S × S window at (winTop, winLeft) is kept; flip mirrors it, clamp (bicubic) clamps to [0, 1] before
     * the normalisation (v − mean[c]) · inverseStd[c].
     */
    public record Crop(int top, int left, int winTop, int winLeft, int size, Taps horizontal, Taps vertical, boolean flip, boolean clamp,
                       float[] mean, float[] inverseStd) {}

    private static final Object HANDLE_LOCK = new Object();
    private static long handle;

    private final CudaBackend backend;
    private final CudaContext context;
    private final ImageKernels kernels;
    private final long state, stream, written, queued;
    private final Arena arena = Arena.ofShared();
    private long rgb, rgbBytes, tmp, tmpBytes, taps, tapsBytes;
    private MemorySegment hostTaps, hostJpeg, hostImage, hostBox;
    private long hostTapsAddress, hostImageAddress, hostBoxAddress;
    /** Box copies queued since the stream was last synchronised (they read {@code hostBox}). */
    private boolean boxPending;
    private boolean closed;

    private NvjpegDecoder(CudaBackend backend) {
        this.backend = backend;
        this.context = backend.context();
        backend.enter();
        synchronized (HANDLE_LOCK) {
            if (handle == 0) handle = Nvjpeg.createSimple();
        }
        this.kernels = new ImageKernels(context);
        this.state = Nvjpeg.stateCreate(handle);
        this.stream = CudaDriver.streamCreate(CudaDriver.STREAM_NON_BLOCKING);
        this.written = CudaDriver.eventCreate(CudaDriver.EVENT_DEFAULT);
        this.queued = CudaDriver.eventCreate(CudaDriver.EVENT_DEFAULT);
        this.hostJpeg = arena.allocate(1 << 20);
    }

    /** Why {@code device} cannot decode JPEGs with nvJPEG, in one sentence, or null when it can. */
    public static String unavailableReason(Device device) {
        if (!(device instanceof Device.Cuda)) return "nvJPEG decoding needs a CUDA device, got " + device;
        if (!Backends.isAvailable(device)) return "the CUDA device " + device + " is not available";
        try {
            Nvjpeg.require();
            return null;
        } catch (CudaException e) {
            return e.getMessage();
        }
    }

    /** A decoder on {@code device}; throws a {@link CudaUnavailableException} saying why where nvJPEG cannot be used. */
    public static NvjpegDecoder open(Device device) {
        String why = unavailableReason(device);
        if (why != null) throw new CudaUnavailableException("nvJPEG", why);
        return new NvjpegDecoder((CudaBackend) Backends.raw(device));
    }

    /** {width, height} of a JPEG from its header; a file nvJPEG cannot read gives an exception naming {@code name}. */
    public int[] size(byte[] jpeg, String name) {
        requireOpen();
        backend.enter();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment data = jpegBytes(jpeg);
            int[] info = Nvjpeg.imageInfo(handle, data, jpeg.length, call);
            if (info.length == 1) throw new JmambaException(name + ": nvJPEG cannot read it (" + Nvjpeg.statusName(info[0]) + ")");
            return new int[] {info[1], info[2]};
        }
    }

    /**
     * Decodes {@code jpeg} and writes its crop into slot {@code index} of {@code out} (B, 3, S, S) F32
     * contiguous on this decoder's device. Asynchronous on the device; the decoder's previous image is
     * finished first (its buffers are reused). A file nvJPEG cannot decode gives an exception naming
     * {@code name} (the caller may fall back to the CPU decoder for it).
     */
    public void decodeCrop(byte[] jpeg, String name, Crop crop, Tensor out, int index) {
        decodeCrop(jpeg, name, crop, out, index, null);
    }

    /**
     * {@link #decodeCrop(byte[], String, Crop, Tensor, int)} ordered by a fence instead of the compute
     * stream: with {@code after} not null the slot is written after {@code after}'s latest record
     * (the work that last read the slot) and nothing is queued on the compute stream, so this may run
     * on a loader thread while another thread queues (or captures) compute work; the caller then
     * orders the compute stream's reads of the slot itself, e.g. with {@link #synchronize()} before it
     * hands the batch over. With {@code after} null: the compute-stream ordering described there.
     */
    public void decodeCrop(byte[] jpeg, String name, Crop crop, Tensor out, int index, StreamFence after) {
        requireOpen();
        int s = crop.size();
        checkSlot("decodeCrop", out, index, s);
        backend.enter();
        CudaDriver.streamSynchronize(stream);                    // the previous image's kernels are done: buffers reusable
        boxPending = false;
        try (Arena call = Arena.ofConfined()) {
            MemorySegment data = jpegBytes(jpeg);
            int[] info = Nvjpeg.imageInfo(handle, data, jpeg.length, call);
            if (info.length == 1) throw new JmambaException(name + ": nvJPEG cannot read it (" + Nvjpeg.statusName(info[0]) + ")");
            int width = info[1], height = info[2];
            long pitch = 3L * width;
            rgb = grow(rgb, rgbBytes, pitch * height);
            rgbBytes = Math.max(rgbBytes, pitch * height);
            int status = Nvjpeg.decodeRgbi(handle, state, data, jpeg.length, rgb, pitch, stream, call);
            if (status != 0) throw new JmambaException(name + ": nvJPEG could not decode it (" + Nvjpeg.statusName(status) + ")");
            // the rows of the box the window reads (as FusedCrop.resample)
            Taps v = crop.vertical(), h = crop.horizontal();
            int rowFrom = v.first()[crop.winTop()], rowTo = 0;
            for (int y = crop.winTop(); y < crop.winTop() + s; y++) {
                rowFrom = Math.min(rowFrom, v.first()[y]);
                rowTo = Math.max(rowTo, v.first()[y] + v.count()[y]);
            }
            int rows = Math.max(0, rowTo - rowFrom);
            if (crop.top() < 0 || crop.left() < 0 || crop.top() + rowTo > height || crop.left() + maxReach(h, crop.winLeft(), s) > width) {
                throw new JmambaException(name + ": the crop (top " + crop.top() + ", left " + crop.left() + ") does not fit the "
                        + width + "x" + height + " image nvJPEG decoded");
            }
            tmp = grow(tmp, tmpBytes, 4L * 3 * Math.max(1, rows) * s);
            tmpBytes = Math.max(tmpBytes, 4L * 3 * Math.max(1, rows) * s);
            long[] at = uploadTaps(h, v);
            kernels.horizontal(rgb, pitch, crop.top() + rowFrom, crop.left(), at[0], at[1], at[2], h.maxTaps(), crop.winLeft(), tmp, rows, s, stream);
            if (after == null) {
                CudaDriver.eventRecord(queued, context.stream());   // the slot may still be read by work queued so far
                CudaDriver.streamWaitEvent(stream, queued);
            } else {
                after.awaitOn(stream);                               // the slot's last reader is done
            }
            long slot = Launcher.address(out) + 4L * 3 * s * s * index;
            kernels.vertical(tmp, rows, s, rowFrom, at[3], at[4], at[5], v.maxTaps(), crop.winTop(), crop.clamp(), crop.flip(),
                    crop.mean(), crop.inverseStd(), slot, stream);
            if (after == null) {
                CudaDriver.eventRecord(written, stream);
                CudaDriver.streamWaitEvent(context.stream(), written);  // later compute work sees the slot
            }
        }
    }

    /**
     * Copies {@code image} (3, S, S) floats from the host into slot {@code index} of {@code out}
     * (B, 3, S, S) F32 on this decoder's stream, after {@code after}'s latest record (what a loader
     * does for a file nvJPEG cannot decode, decoded on the host instead). Asynchronous: order the
     * compute stream's reads as for {@link #decodeCrop(byte[], String, Crop, Tensor, int, StreamFence)}.
     */
    public void write(float[] image, Tensor out, int index, StreamFence after) {
        requireOpen();
        int s = out.rank() == 4 ? out.size(2) : -1;
        checkSlot("write", out, index, s);
        if (image.length != 3 * s * s) throw new JmambaException("NvjpegDecoder.write: expected 3 x " + s + " x " + s + " floats, got " + image.length);
        backend.enter();
        CudaDriver.streamSynchronize(stream);                    // the page-locked buffer is free again
        boxPending = false;
        long bytes = 4L * image.length;
        if (hostImage == null || hostImage.byteSize() < bytes) {
            if (hostImage != null) CudaDriver.memFreeHost(hostImageAddress);
            hostImageAddress = CudaDriver.memHostAlloc(bytes);
            hostImage = MemorySegment.ofAddress(hostImageAddress).reinterpret(bytes);
        }
        MemorySegment.copy(image, 0, hostImage, JAVA_FLOAT, 0, image.length);
        after.awaitOn(stream);
        CudaDriver.memcpyHtoDAsync(Launcher.address(out) + bytes * index, hostImage, bytes, stream);
    }

    /**
     * Writes {@code values} (3, h, w) over rows [top, top + h) × columns [left, left + w) of every channel of
     * slot {@code index} of {@code out} (B, 3, S, S) F32 (random erasing's noise, drawn on the host), one
     * row copy per channel and row on this decoder's stream, after {@code after}'s latest record and after
     * this decoder's earlier writes. Asynchronous, ordered as {@link #write}.
     */
    public void writeBox(float[] values, int top, int left, int h, int w, Tensor out, int index, StreamFence after) {
        requireOpen();
        int s = out.rank() == 4 ? out.size(2) : -1;
        checkSlot("writeBox", out, index, s);
        if (top < 0 || left < 0 || h < 0 || w < 0 || top + h > s || left + w > s || values.length != 3 * h * w) {
            throw new JmambaException("NvjpegDecoder.writeBox: a (3, " + h + ", " + w + ") box at (" + top + ", " + left + ") of " + values.length
                    + " values does not fit a " + s + " x " + s + " image");
        }
        if (values.length == 0) return;
        backend.enter();
        if (boxPending) CudaDriver.streamSynchronize(stream);   // the previous box's copies have read the page-locked buffer
        long bytes = 4L * values.length;
        if (hostBox == null || hostBox.byteSize() < bytes) {
            if (hostBox != null) CudaDriver.memFreeHost(hostBoxAddress);
            hostBoxAddress = CudaDriver.memHostAlloc(Math.max(bytes, 4L * 3 * s * s));
            hostBox = MemorySegment.ofAddress(hostBoxAddress).reinterpret(Math.max(bytes, 4L * 3 * s * s));
        }
        MemorySegment.copy(values, 0, hostBox, JAVA_FLOAT, 0, values.length);
        after.awaitOn(stream);
        long slot = Launcher.address(out) + 4L * 3 * s * s * index;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < h; y++) {
                long src = 4L * ((long) c * h + y) * w, dst = slot + 4L * (((long) c * s + top + y) * s + left);
                CudaDriver.memcpyHtoDAsync(dst, hostBox.asSlice(src, 4L * w), 4L * w, stream);
            }
        }
        boxPending = true;
    }

    private void checkSlot(String what, Tensor out, int index, int s) {
        if (out.dtype() != DType.F32 || !out.isContiguous() || out.rank() != 4 || out.size(1) != 3 || out.size(2) != s || out.size(3) != s
                || index < 0 || index >= out.size(0) || !out.device().equals(backend.device())) {
            throw new JmambaException("NvjpegDecoder." + what + ": out must be a contiguous (B, 3, " + s + ", " + s + ") F32 tensor on "
                    + backend.device() + " and index in [0, B), got " + out + " and " + index);
        }
    }

    /** One past the last column of the box the window's outputs read. */
    private static int maxReach(Taps h, int winLeft, int s) {
        int reach = 0;
        for (int x = winLeft; x < winLeft + s; x++) reach = Math.max(reach, h.first()[x] + h.count()[x]);
        return reach;
    }

    /** Waits for this decoder's queued work. */
    public void synchronize() {
        requireOpen();
        backend.enter();
        CudaDriver.streamSynchronize(stream);
        boxPending = false;
    }

    private MemorySegment jpegBytes(byte[] jpeg) {
        if (hostJpeg.byteSize() < jpeg.length) hostJpeg = arena.allocate(Math.max(jpeg.length, 2 * hostJpeg.byteSize()));
        MemorySegment.copy(jpeg, 0, hostJpeg, JAVA_BYTE, 0, jpeg.length);
        return hostJpeg;
    }

    /** A device buffer of at least {@code bytes}, replacing {@code current} (of {@code currentBytes}) when too small; the stream is idle. */
    private static long grow(long current, long currentBytes, long bytes) {
        if (current != 0 && currentBytes >= bytes) return current;
        if (current != 0) CudaDriver.memFree(current);
        return CudaDriver.memAlloc(Math.max(bytes, 1));
    }

    /** Copies both axes' taps to the device on the decoder's stream: addresses of hFirst, hCount, hWeights, vFirst, vCount, vWeights. */
    private long[] uploadTaps(Taps h, Taps v) {
        long[] lengths = {h.first().length, h.count().length, h.weights().length, v.first().length, v.count().length, v.weights().length};
        long[] offsets = new long[6];
        long total = 0;
        for (int i = 0; i < 6; i++) {
            offsets[i] = total;
            total += (4 * lengths[i] + 255) / 256 * 256;
        }
        if (hostTaps == null || hostTaps.byteSize() < total) {
            if (hostTaps != null) CudaDriver.memFreeHost(hostTapsAddress);
            hostTapsAddress = CudaDriver.memHostAlloc(Math.max(total, 4096));
            hostTaps = MemorySegment.ofAddress(hostTapsAddress).reinterpret(Math.max(total, 4096));
        }
        MemorySegment.copy(h.first(), 0, hostTaps, JAVA_INT, offsets[0], h.first().length);
        MemorySegment.copy(h.count(), 0, hostTaps, JAVA_INT, offsets[1], h.count().length);
        MemorySegment.copy(h.weights(), 0, hostTaps, JAVA_FLOAT, offsets[2], h.weights().length);
        MemorySegment.copy(v.first(), 0, hostTaps, JAVA_INT, offsets[3], v.first().length);
        MemorySegment.copy(v.count(), 0, hostTaps, JAVA_INT, offsets[4], v.count().length);
        MemorySegment.copy(v.weights(), 0, hostTaps, JAVA_FLOAT, offsets[5], v.weights().length);
        taps = grow(taps, tapsBytes, total);
        tapsBytes = Math.max(tapsBytes, total);
        CudaDriver.memcpyHtoDAsync(taps, hostTaps, total, stream);
        long[] at = new long[6];
        for (int i = 0; i < 6; i++) at[i] = taps + offsets[i];
        return at;
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException("NvjpegDecoder used after close()");
    }

    /** Waits for the queued work and frees the decoder's buffers, state and stream (the shared nvJPEG handle stays). */
    @Override public void close() {
        if (closed) return;
        closed = true;
        backend.enter();
        CudaDriver.streamSynchronize(stream);
        for (long p : new long[] {rgb, tmp, taps}) if (p != 0) CudaDriver.memFree(p);
        if (hostTaps != null) CudaDriver.memFreeHost(hostTapsAddress);
        if (hostImage != null) CudaDriver.memFreeHost(hostImageAddress);
        if (hostBox != null) CudaDriver.memFreeHost(hostBoxAddress);
        Nvjpeg.stateDestroy(state);
        CudaDriver.eventDestroy(written);
        CudaDriver.eventDestroy(queued);
        CudaDriver.streamDestroy(stream);
        arena.close();
    }
}
