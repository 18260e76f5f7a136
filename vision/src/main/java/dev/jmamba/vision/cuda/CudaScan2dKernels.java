package dev.jmamba.vision.cuda;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.JmambaException;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.cuda.CudaContext;
import dev.jmamba.tensor.cuda.CudaStorage;
import dev.jmamba.vision.scan2d.Layout;
import dev.jmamba.vision.scan2d.OrderTable;
import dev.jmamba.vision.scan2d.Scan2dKernels;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cross scan and merge for tensors on a CUDA device ({@code scan2d.cu} through {@link Scan2dCuda}),
 * registered in META-INF/services/dev.jmamba.vision.scan2d.Scan2dKernels. F32, F64 and BF16 run in their own
 * type (a BF16 merge adds in float32 and returns float32, as the CPU does); other dtypes are read as F32 and the
 * result converted back. Merge sums the K orders in k order, like {@link dev.jmamba.vision.scan2d.CpuScan2dKernels}.
 *
 * <p>The permutation table of a set of orders, (2, K, L) int32 = perms then inverses, is uploaded once
 * per (device, H, W, orders) and kept on the device (outside any {@link Scope}), the last
 * {@value #TABLES_KEPT} of them.
 */
public final class CudaScan2dKernels implements Scan2dKernels {
    /** Permutation tables kept on the devices (least recently used ones are dropped). */
    static final int TABLES_KEPT = 32;

    // static: ServiceLoader.load makes a fresh instance of this class on every Scan2dKernels.forDevice call
    private static final Map<Integer, Scan2dCuda> LAUNCHERS = new ConcurrentHashMap<>();
    private static final Map<TableKey, Tensor> TABLES = new LinkedHashMap<>(16, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<TableKey, Tensor> eldest) { return size() > TABLES_KEPT; }
    };

    @Override public boolean supports(Device device) {
        return device instanceof Device.Cuda && CudaContext.available();
    }

    @Override public Tensor scan(Tensor map, OrderTable orders, Layout layout) {
        int[] s = map.shape();
        boolean last = layout == Layout.CHANNELS_LAST;
        if (s.length != 4 || s[last ? 1 : 2] != orders.h() || s[last ? 2 : 3] != orders.w()) {
            throw new JmambaException("cross scan (CUDA): map must be " + (last ? "(B, H, W, C)" : "(B, C, H, W)")
                    + " with H x W = " + orders.h() + "x" + orders.w() + ", got " + Arrays.toString(s));
        }
        int b = s[0], c = last ? s[3] : s[1], k = orders.directions(), l = orders.length();
        Device dev = map.device();
        DType type = computeType(map.dtype());
        Tensor in = map.to(type).contiguous();
        Tensor out = Tensor.empty(type, dev, b, k, c, l);                                // (B, K, C, L), every element written
        Tensor table = table(dev, orders);                                               // (2, K, L) int32
        launcher(dev).scan(type, last, ptr(in), ptr(table), ptr(out), b, k, c, l);
        return out.to(map.dtype());
    }

    @Override public Tensor merge(Tensor seq, OrderTable orders, Layout layout) { return merge(seq, orders, layout, false); }

    /** Channels-last: one kernel writes the bf16 map (the float32 sums rounded once); channels-first rounds merge's map. */
    @Override public Tensor mergeToBf16(Tensor seq, OrderTable orders, Layout layout) {
        if (seq.dtype() != DType.BF16 || layout != Layout.CHANNELS_LAST) return Scan2dKernels.super.mergeToBf16(seq, orders, layout);
        return merge(seq, orders, layout, true);
    }

    private Tensor merge(Tensor seq, OrderTable orders, Layout layout, boolean bf16Map) {
        int[] s = seq.shape();
        if (s.length != 4 || s[1] != orders.directions() || s[3] != orders.length()) {
            throw new JmambaException("cross merge (CUDA): seq must be (B, K, C, L) with K = " + orders.directions()
                    + " and L = " + orders.length() + ", got " + Arrays.toString(s));
        }
        boolean last = layout == Layout.CHANNELS_LAST;
        int b = s[0], k = s[1], c = s[2], l = s[3];
        Device dev = seq.device();
        DType type = computeType(seq.dtype());
        Tensor in = seq.to(type).contiguous();
        DType sumType = bf16Map ? DType.BF16 : type == DType.BF16 ? DType.F32 : type;   // bf16 sums are float32
        Tensor out = last ? Tensor.empty(sumType, dev, b, orders.h(), orders.w(), c)     // (B, H, W, C), every element written
                          : Tensor.empty(sumType, dev, b, c, orders.h(), orders.w());    // (B, C, H, W)
        Tensor table = table(dev, orders);                                               // (2, K, L) int32
        long inverses = ptr(table) + 4L * k * l;
        launcher(dev).merge(type, last, ptr(in), inverses, ptr(out), b, k, c, l, bf16Map);
        return bf16Map ? out : out.to(Scan2dKernels.mergedType(seq.dtype()));
    }

    private static DType computeType(DType dtype) { return dtype == DType.F64 || dtype == DType.BF16 ? dtype : DType.F32; }

    private Scan2dCuda launcher(Device device) {
        int index = ((Device.Cuda) device).index();
        return LAUNCHERS.computeIfAbsent(index, i -> new Scan2dCuda(CudaContext.get(i)));
    }

    /** The (2, K, L) int32 table of {@code orders} on {@code device}: perms[k] at row (0, k), inverses[k] at (1, k). */
    private Tensor table(Device device, OrderTable orders) {
        TableKey key = new TableKey(((Device.Cuda) device).index(), orders.h(), orders.w(), orders.perms());
        synchronized (TABLES) {
            Tensor cached = TABLES.get(key);
            if (cached != null && !cached.storage().isReleased()) return cached;
        }
        int k = orders.directions(), l = orders.length();
        int[] flat = new int[2 * k * l];
        for (int i = 0; i < k; i++) {
            System.arraycopy(orders.perms()[i], 0, flat, i * l, l);
            System.arraycopy(orders.inverses()[i], 0, flat, (k + i) * l, l);
        }
        // outside any scope: a per-step Scope must not release a table that later steps reuse
        Tensor uploaded = Scope.unowned(() -> Tensor.of(flat, 2, k, l).to(device));
        synchronized (TABLES) {
            TABLES.put(key, uploaded);
        }
        return uploaded;
    }

    /** Device address of element 0 of a contiguous tensor. */
    private static long ptr(Tensor t) {
        return ((CudaStorage) t.storage()).pointer() + (long) t.dtype().bytes() * t.offset();
    }

    /** Identifies a permutation table by content (ScanOrder hands out fresh arrays on every call). */
    private record TableKey(int device, int h, int w, int[][] perms) {
        @Override public boolean equals(Object o) {
            return o instanceof TableKey t && t.device == device && t.h == h && t.w == w && Arrays.deepEquals(t.perms, perms);
        }

        @Override public int hashCode() { return 31 * (31 * (31 * device + h) + w) + Arrays.deepHashCode(perms); }
    }
}
