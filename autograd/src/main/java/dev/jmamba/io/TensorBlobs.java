package dev.jmamba.io;

import dev.jmamba.io.CheckpointException;
import dev.jmamba.io.SafeTensorFile;
import dev.jmamba.io.SafeTensors;
import dev.jmamba.io.TensorBlob;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Tensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Converts between {@link Tensor}s and safetensors {@link TensorBlob}s, so state dicts (model,
 * optimizer, EMA) can be saved and loaded. Values are copied (to the CPU on the way out); F32, F64,
 * I32 and I64 keep their type bit for bit; BF16 and F16 files load as F32 (exactly), U8 as I32.
 */
public final class TensorBlobs {
    private TensorBlobs() {}

    /** A heap copy of {@code t} (any device, any strides) as a blob of the same dtype (BF16 stored as F32). */
    public static TensorBlob toBlob(Tensor t) {
        Tensor cpu = t.device() instanceof Device.Cpu ? t : t.to(Device.CPU);
        long[] shape = longShape(cpu.shape());
        return switch (cpu.dtype()) {
            case F32, BF16 -> TensorBlob.ofFloats(shape, cpu.toFloatArray());
            case F64 -> TensorBlob.ofDoubles(shape, cpu.toDoubleArray());
            case I32 -> TensorBlob.ofInts(shape, cpu.toIntArray());
            case I64 -> TensorBlob.ofLongs(shape, cpu.toLongArray());
        };
    }

    /** A CPU tensor holding a copy of {@code blob}'s values. */
    public static Tensor toTensor(TensorBlob blob) {
        long[] dims = blob.shape();
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] > Integer.MAX_VALUE) throw new JmambaException("dimension " + dims[i] + " of " + blob + " is too large for a tensor");
            shape[i] = (int) dims[i];
        }
        return switch (blob.dtype()) {
            case F32, BF16, F16 -> Tensor.of(blob.toFloatArray(), shape);
            case F64 -> Tensor.of(blob.toDoubleArray(), shape);
            case I32, U8 -> Tensor.of(blob.toIntArray(), shape);
            case I64 -> Tensor.of(blob.toLongArray(), shape);
        };
    }

    /** Every entry of {@code tensors} as a blob, same keys and order. */
    public static Map<String, TensorBlob> toBlobs(Map<String, Tensor> tensors) {
        Map<String, TensorBlob> out = new LinkedHashMap<>();
        for (var e : tensors.entrySet()) out.put(e.getKey(), toBlob(e.getValue()));
        return out;
    }

    /** Writes {@code tensors} to {@code file} atomically (see {@link SafeTensors#write}). */
    public static void write(Path file, Map<String, Tensor> tensors) {
        SafeTensors.write(file, toBlobs(tensors), Map.of());
    }

    /**
     * Reads every tensor of a safetensors file into CPU tensors (copies, so the file is closed
     * before returning). Throws {@link CheckpointException} naming the file for any defect.
     */
    public static LinkedHashMap<String, Tensor> read(Path file) {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        try (SafeTensorFile f = SafeTensors.read(file)) {
            for (String name : f.names()) out.put(name, toTensor(f.get(name)));
        } catch (CheckpointException e) {
            throw e;                                                  // already names the file
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new CheckpointException(file, e.getMessage(), e);
        }
        return out;
    }

    private static long[] longShape(int[] shape) {
        long[] out = new long[shape.length];
        for (int i = 0; i < shape.length; i++) out[i] = shape[i];
        return out;
    }
}
