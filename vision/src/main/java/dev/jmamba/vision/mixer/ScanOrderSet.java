package dev.jmamba.vision.mixer;

import dev.jmamba.curves.ScanOrder;
import dev.jmamba.curves.ScanOrders;
import dev.jmamba.tensor.JmambaException;

import java.util.List;

/** The K scan orders a multi-scan mixer uses on an h×w feature map (the grid is known only at forward time). */
@FunctionalInterface
public interface ScanOrderSet {

    /** K orders of the h×w grid; always the same K for a given mixer. */
    List<ScanOrder> orders(int h, int w);

    /** VMamba's four directions: raster, column, raster-rev, column-rev. */
    static ScanOrderSet vmamba() { return ScanOrders::vmambaCrossScan; }

    /** Orders by registry name ({@link ScanOrders#of}), e.g. {@code "hilbert", "hilbert-rev"}. */
    static ScanOrderSet named(List<String> names) {
        List<String> copy = List.copyOf(names);
        for (String n : copy) {
            if (!ScanOrders.isValidName(n)) throw new JmambaException("scan order set: unknown order name '" + n + "'");
        }
        return (h, w) -> copy.stream().map(n -> ScanOrders.of(n, h, w)).toList();
    }
}
