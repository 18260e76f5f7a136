package dev.jmamba.autograd;

import dev.jmamba.tensor.Storage;
import dev.jmamba.tensor.Tensor;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What a graph holds for its backward pass: the bytes of the tensors its nodes saved, by op.
 *
 * <p>Walks the nodes reachable from {@code root} (before {@code backward()} frees them) and adds the
 * size of every distinct storage in a node's {@code saved} list to that node's op. A storage shared
 * by several nodes (an activation saved by the matmul that reads it and by the next norm) counts
 * once, for the op recorded first. Storages in {@code exclude} (the parameters, which a matmul saves
 * too but which live anyway) are left out. Bytes are whole storages, as the allocator holds them.
 */
public final class SavedMemory {
    private SavedMemory() {}

    /** Op name → bytes saved for backward, largest first; empty when {@code root} has no graph. */
    public static Map<String, Long> byOp(Var root, Set<Storage> exclude) {
        Map<String, Long> bytes = new LinkedHashMap<>();
        if (root.node == null) return bytes;
        Set<Storage> counted = Collections.newSetFromMap(new IdentityHashMap<>());
        counted.addAll(exclude);
        for (Node n : Engine.topologicalOrder(root.node)) {
            if (n.saved == null) continue;
            for (Tensor t : n.saved) {
                if (t == null || !counted.add(t.storage())) continue;
                long b = (long) t.storage().size() * t.storage().dtype().bytes();
                bytes.merge(n.op, b, Long::sum);
            }
        }
        Map<String, Long> sorted = new LinkedHashMap<>();
        bytes.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }
}
