package dev.jmamba.app.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.app.AppRun;
import dev.jmamba.app.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code jmamba train --gpus N}: each child's environment, the arguments it gets, and what happens when a child fails. */
class LocalLauncherTest {
    @TempDir Path tmp;

    @Test void everyChildGetsItsRankItsGpuAndNvlsOff() {
        Map<String, String> parent = Map.of("PATH", "/usr/bin", "JMAMBA_STDERR_FD", "9", "NCCL_NVLS_ENABLE", "1");
        List<String> gpus = LocalLauncher.visibleDevices("4,6", 8);
        Map<String, String> env = LocalLauncher.childEnv(parent, 1, 2, gpus, 31000);
        assertEquals("1", env.get("RANK"));
        assertEquals("2", env.get("WORLD_SIZE"));
        assertEquals("1", env.get("LOCAL_RANK"));
        assertEquals("2", env.get("LOCAL_WORLD_SIZE"));
        assertEquals("127.0.0.1", env.get("MASTER_ADDR"));
        assertEquals("31000", env.get("MASTER_PORT"));
        assertEquals("6", env.get("CUDA_VISIBLE_DEVICES"), "the second GPU this process may use");
        assertEquals("0", env.get("NCCL_NVLS_ENABLE"), "NVLink multicast off in every process we start");
        assertEquals("/usr/bin", env.get("PATH"));
        assertFalse(env.containsKey("JMAMBA_STDERR_FD"));
        // and the child reads back what the launcher meant
        LaunchEnv read = LaunchEnv.from(env);
        assertEquals(new LaunchEnv(1, 2, 1, 2, "127.0.0.1", 31000, "torchrun"), read);
        assertEquals(0, read.deviceIndex(1), "the child sees its one GPU as cuda:0");
    }

    @Test void visibleDevicesComeFromCudaVisibleDevicesOrTheCount() {
        assertEquals(List.of("0", "1", "2"), LocalLauncher.visibleDevices(null, 3));
        assertEquals(List.of("GPU-aa", "GPU-bb"), LocalLauncher.visibleDevices("GPU-aa, GPU-bb", 2));
        assertEquals(List.of("3"), LocalLauncher.visibleDevices("3,5", 1), "only as many as CUDA reports");
    }

    @Test void theChildArgumentsDropGpusAndAddTheRunFolder() {
        assertEquals(List.of("train", "--model", "vim-tiny", "--batch-size", "256", "--out", "runs/x"),
                LocalLauncher.childArgs(List.of("train", "--gpus", "4", "--model", "vim-tiny", "--gpus=2", "--batch-size", "256"),
                        List.of("--out", "runs/x")));
        List<String> cmd = LocalLauncher.javaCommand(List.of("train"));
        assertTrue(cmd.getFirst().endsWith("java"), cmd.getFirst());
        assertEquals(List.of("dev.jmamba.app.Main", "train"), cmd.subList(cmd.size() - 2, cmd.size()));
        assertTrue(cmd.contains("-cp"));
    }

    @Test
    @Timeout(60)
    void whenOneChildFailsTheOthersAreEndedAfterTheGraceTimeAndItsCodeIsReturned() throws Exception {
        Process fails = new ProcessBuilder("sh", "-c", "sleep 0.3; exit 3").start();
        Process hangs = new ProcessBuilder("sleep", "60").start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        int code = LocalLauncher.await(new ArrayList<>(List.of(fails, hangs)), new PrintStream(err, true, StandardCharsets.UTF_8), 1);
        assertEquals(3, code);
        assertFalse(hangs.isAlive());
        assertTrue((System.nanoTime() - t0) / 1e9 < 20);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("1 training process(es) still running 1 s after rank 0 failed: ending them"), err.toString());
        Process ok1 = new ProcessBuilder("true").start(), ok2 = new ProcessBuilder("true").start();
        assertEquals(0, LocalLauncher.await(new ArrayList<>(List.of(ok1, ok2)), System.err, 1));
    }

    @Test
    @Timeout(120)
    void theChildrenAreThisJvmAgainAndTheirErrorsComeThroughWithTheirRank() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errs = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(0, LocalLauncher.run(2, List.of("--version"), List.of(), 2, System.out, errs), err.toString());
        int code = LocalLauncher.run(2, List.of("train", "--gpus", "2", "--no-such-option"), List.of(), 2, System.out, errs);
        assertEquals(2, code, "a child's usage error is the launcher's exit code");
        String text = err.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("[rank 0] jmamba train: Unknown option: '--no-such-option'"), text);
        assertTrue(text.contains("[rank 1] jmamba train: Unknown option: '--no-such-option'"), text);
        assertFalse(text.contains("--gpus"), "the children do not get --gpus: " + text);
        assertFalse(text.contains("WARNING: Using incubator modules"), text);
    }

    @Test void gpusUsageErrors() {
        AppRun.Result cpu = AppRun.run("train", "--gpus", "2", "--device", "cpu");
        assertEquals(2, cpu.exitCode());
        assertTrue(cpu.err().contains("--gpus trains on CUDA GPUs"), cpu.err());
        cpu.assertOneCleanErrorLine();
        AppRun.Result none = AppRun.run("train", "--gpus", "0");
        assertEquals(2, none.exitCode());
        assertTrue(none.err().contains("--gpus must be >= 1, got 0"), none.err());
        if (!dev.jmamba.tensor.Backends.isAvailable(dev.jmamba.tensor.Device.cuda(0))) {
            AppRun.Result noGpu = AppRun.run("train", "--gpus", "2");
            assertEquals(2, noGpu.exitCode());
            assertTrue(noGpu.err().contains("--gpus 2: this machine shows only 0 CUDA device(s)"), noGpu.err());
        }
    }

    @Test
    @Timeout(120)
    void aProcessStartedAsARankChecksItsVariablesAndDevice() throws Exception {
        Path log = tmp.resolve("log.txt");
        List<String> base = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), Main.class.getName());
        assertEquals(2, child(log, base, Map.of("RANK", "2", "WORLD_SIZE", "2"), "train", "--device", "cpu"));
        assertTrue(Files.readString(log).contains("jmamba train: RANK must be in 0..1, got 2"), Files.readString(log));
        Files.delete(log);
        assertEquals(2, child(log, base, Map.of("RANK", "1", "WORLD_SIZE", "2"), "train", "--device", "cpu", "--out", tmp.resolve("run").toString()));
        assertTrue(Files.readString(log).contains("trains on CUDA GPUs, one per process; got --device cpu"), Files.readString(log));
        Files.delete(log);
        assertEquals(2, child(log, base, Map.of("RANK", "0", "WORLD_SIZE", "2"), "train", "--gpus", "2"));
        assertTrue(Files.readString(log).contains("--gpus starts its own processes; this one was started as rank 0 of 2"), Files.readString(log));
    }

    private static int child(Path log, List<String> base, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(base);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().keySet().removeIf(k -> k.equals("RANK") || k.equals("WORLD_SIZE") || k.startsWith("SLURM_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        p.waitFor();
        return p.exitValue();
    }
}
