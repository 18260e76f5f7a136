/**
 * Differentiable 2-D scans: {@link dev.jmamba.vision.scan2d.CrossScan} serialises a feature map into K
 * sequences, one per {@link dev.jmamba.curves.ScanOrder}, and {@link dev.jmamba.vision.scan2d.CrossMerge}
 * (its adjoint) folds K sequences back onto the grid and sums them.
 */
package dev.jmamba.vision.scan2d;
