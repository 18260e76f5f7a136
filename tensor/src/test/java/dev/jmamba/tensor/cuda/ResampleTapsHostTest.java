package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.testing.Nvcc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inverse taps of the CUDA resample backward ({@code pool.cu}), on the CPU: the backward is a gather, one thread
 * per input element i, over the outputs {@code jm_outputs_reaching} finds by binary search, each weighted by
 * {@code jm_weight_to}. This compiles pool.cu (its tap helpers are {@code __host__ __device__}) with a host
 * {@code main} that builds, for 30 000 random axes of every kind (nearest, bilinear and bicubic with and without
 * align_corners, average pooling with kernel, stride and padding, adaptive pooling; sizes 1..40), the scatter form
 * the forward implies — weight[i][o] = the sum of the weights of output o's taps at i — and checks for every (i, o)
 * that o is in the found range exactly when it has a tap at i and that the gathered weight equals the scattered one
 * bit for bit (same taps, same order). Needs nvcc and its host compiler, no GPU; skipped without nvcc.
 */
class ResampleTapsHostTest {
    private static final String MAIN = """

            #include <cstdio>
            #include <cstdlib>
            #include <vector>
            int main() {
                srand(7);
                long checks = 0;
                for (int trial = 0; trial < 30000; trial++) {
                    JmAxis a;
                    a.kind = rand() % 5;
                    a.in = 1 + rand() % 40; a.out = 1 + rand() % 40;
                    a.k = 1 + rand() % 6; a.stride = 1 + rand() % 3; a.pad = rand() % (a.k / 2 + 1); a.align_corners = rand() % 2;
                    if (a.kind == K_AVGPOOL) { a.out = (a.in + 2 * a.pad - a.k) / a.stride + 1; if (a.out < 1) continue; }
                    if (a.kind != K_BILINEAR && a.kind != K_BICUBIC) a.align_corners = 0;
                    std::vector<double> w(a.in * a.out, 0.0);
                    std::vector<char> hit(a.in * a.out, 0);
                    for (int o = 0; o < a.out; o++)
                        for (int j = 0; j < jm_tap_count(a, o); j++) {
                            int i; double wj;
                            jm_tap(a, o, j, &i, &wj);
                            if (i < 0 || i >= a.in) { printf("kind %d in %d out %d: output %d has a tap at %d\\n", a.kind, a.in, a.out, o, i); return 1; }
                            w[i * a.out + o] += wj;
                            hit[i * a.out + o] = 1;
                        }
                    for (int i = 0; i < a.in; i++) {
                        int o0, o1;
                        jm_outputs_reaching(a, i, &o0, &o1);
                        for (int o = 0; o < a.out; o++) {
                            double wt = 0;
                            bool h = o >= o0 && o <= o1 && jm_weight_to(a, o, i, &wt);
                            if (h != (hit[i * a.out + o] != 0) || (h && wt != w[i * a.out + o])) {
                                printf("kind %d in %d out %d k %d stride %d pad %d align_corners %d: input %d, output %d (range %d..%d): "
                                       "gather %s %.17g, scatter %s %.17g\\n", a.kind, a.in, a.out, a.k, a.stride, a.pad, a.align_corners,
                                       i, o, o0, o1, h ? "hit" : "miss", wt, hit[i * a.out + o] ? "hit" : "miss", w[i * a.out + o]);
                                return 1;
                            }
                            checks++;
                        }
                    }
                }
                printf("ok %ld\\n", checks);
                return 0;
            }
            """;

    @Test void theGatherFindsExactlyTheOutputsAndWeightsTheScatterWouldAdd(@TempDir Path tmp) throws Exception {
        Path nvcc = Nvcc.require("resample tap inverse check");
        Path source = tmp.resolve("resample_taps.cu");
        Files.writeString(source, Launcher.source(ResampleKernels.SOURCE) + MAIN);
        Path exe = Nvcc.executable(nvcc, source, tmp.resolve("resample_taps"));
        Process run = new ProcessBuilder(exe.toString()).redirectErrorStream(true).start();
        String out = new String(run.getInputStream().readAllBytes()).strip();
        assertTrue(run.waitFor(120, TimeUnit.SECONDS), "the check did not finish");
        assertEquals(0, run.exitValue(), out);
        assertTrue(out.startsWith("ok ") && Long.parseLong(out.substring(3)) > 1_000_000, out);
    }
}
