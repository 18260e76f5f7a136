/**
 * Scan orders that turn an H×W grid into a token sequence (raster, column, snake, zigzag, generalised Hilbert, Moore, Peano, local windows) as cached int[] permutations with inverses.
 */
package dev.jmamba.curves;
