package dev.jmamba.ssm.cuda;

import dev.jmamba.ssm.ScanPaths;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Scope;
import dev.jmamba.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/** The (G, L) int32 path tables of {@link ScanPaths} on the devices, uploaded once per content (the least recently used dropped). */
final class PathTables {
    private PathTables() {}

    private static final int KEPT = 64;

    private record Key(int device, ScanPaths paths) {}

    private static final Map<Key, Tensor> TABLES = new LinkedHashMap<>(16, 0.75f, true) {
        @Override protected boolean removeEldestEntry(Map.Entry<Key, Tensor> eldest) { return size() > KEPT; }
    };

    /** The (G, L) int32 table of {@code paths} on {@code device}. */
    static Tensor on(Device device, ScanPaths paths) {
        Key key = new Key(((Device.Cuda) device).index(), paths);
        synchronized (TABLES) {
            Tensor cached = TABLES.get(key);
            if (cached != null && !cached.storage().isReleased()) return cached;
        }
        // outside any scope: a per-step Scope must not release a table that later steps reuse
        Tensor uploaded = Scope.unowned(() -> Tensor.of(paths.table(), paths.groups(), paths.length()).to(device));
        synchronized (TABLES) {
            TABLES.put(key, uploaded);
        }
        return uploaded;
    }
}
