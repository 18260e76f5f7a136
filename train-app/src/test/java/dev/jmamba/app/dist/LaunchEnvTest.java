package dev.jmamba.app.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.app.UserError;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reading the torchrun and SLURM variables, their defaults, and a one-sentence usage error for each bad value. */
class LaunchEnvTest {

    @Test void noLauncherVariablesMeansASingleProcess() {
        assertNull(LaunchEnv.from(Map.of()));
        assertNull(LaunchEnv.from(Map.of("MASTER_ADDR", "host", "LOCAL_RANK", "1")));
    }

    @Test void torchrunVariables() {
        LaunchEnv e = LaunchEnv.from(Map.of("RANK", "5", "WORLD_SIZE", "8", "LOCAL_RANK", "1", "LOCAL_WORLD_SIZE", "4",
                "MASTER_ADDR", "node0", "MASTER_PORT", "1234"));
        assertEquals(new LaunchEnv(5, 8, 1, 4, "node0", 1234, "torchrun"), e);
        assertTrue(!e.leader());
        assertEquals(1, e.deviceIndex(4));
        assertEquals(0, e.deviceIndex(1), "one visible GPU (CUDA_VISIBLE_DEVICES per process) is device 0");
    }

    @Test void torchrunDefaults() {
        LaunchEnv e = LaunchEnv.from(Map.of("RANK", "0", "WORLD_SIZE", "2"));
        assertEquals(new LaunchEnv(0, 2, 0, 2, "127.0.0.1", 29500, "torchrun"), e);
        assertTrue(e.leader());
        assertEquals(1, LaunchEnv.from(Map.of("RANK", "3", "WORLD_SIZE", "4", "LOCAL_WORLD_SIZE", "2")).localRank(), "RANK mod LOCAL_WORLD_SIZE");
    }

    @Test void slurmVariablesWithTheFirstNodeOfTheJobAsMaster() {
        LaunchEnv e = LaunchEnv.from(Map.of("SLURM_PROCID", "6", "SLURM_NTASKS", "8", "SLURM_LOCALID", "2",
                "SLURM_NTASKS_PER_NODE", "4(x2)", "SLURM_JOB_NODELIST", "gpu[07-08]"));
        assertEquals(new LaunchEnv(6, 8, 2, 4, "gpu07", 29500, "SLURM"), e);
        assertEquals("node1", LaunchEnv.from(Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "2", "SLURM_JOB_NODELIST", "x",
                "MASTER_ADDR", "node1")).masterAddr(), "MASTER_ADDR wins");
        assertEquals("0", LaunchEnv.from(Map.of("RANK", "0", "WORLD_SIZE", "1", "SLURM_PROCID", "3", "SLURM_NTASKS", "4"))
                .source().equals("torchrun") ? "0" : "slurm", "torchrun inside a SLURM job: RANK wins");
    }

    @Test void firstHostOfSlurmNodeLists() {
        assertEquals("gpu07", LaunchEnv.firstHost("gpu[07-09,12],cpu1"));
        assertEquals("a1", LaunchEnv.firstHost("a1,b2"));
        assertEquals("node", LaunchEnv.firstHost("node"));
        assertEquals("n3", LaunchEnv.firstHost("n3,gpu[1-2]"));
        assertEquals("rack1-n005", LaunchEnv.firstHost("rack1-n[005,007]"));
    }

    @Test void badValuesAreUsageErrorsNamingTheVariable() {
        assertUsage("RANK must be in 0..3, got 4", Map.of("RANK", "4", "WORLD_SIZE", "4"));
        assertUsage("WORLD_SIZE must be a whole number, got 'two'", Map.of("RANK", "0", "WORLD_SIZE", "two"));
        assertUsage("RANK is set but WORLD_SIZE is not", Map.of("RANK", "0"));
        assertUsage("WORLD_SIZE is set but RANK is not", Map.of("WORLD_SIZE", "2"));
        assertUsage("MASTER_PORT must be in 1..65535, got 70000", Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_PORT", "70000"));
        assertUsage("LOCAL_RANK must be in 0..1, got 2", Map.of("RANK", "0", "WORLD_SIZE", "4", "LOCAL_WORLD_SIZE", "2", "LOCAL_RANK", "2"));
        assertUsage("SLURM_PROCID is set but SLURM_NTASKS is not", Map.of("SLURM_PROCID", "0"));
        assertUsage("under SLURM set MASTER_ADDR", Map.of("SLURM_PROCID", "0", "SLURM_NTASKS", "2"));
        UserError e = assertThrows(UserError.class, () -> new LaunchEnv(1, 4, 3, 4, "h", 1, "torchrun").deviceIndex(2));
        assertTrue(e.getMessage().contains("local rank 3 but this machine shows only 2 CUDA device(s)"), e.getMessage());
    }

    private static void assertUsage(String start, Map<String, String> env) {
        UserError e = assertThrows(UserError.class, () -> LaunchEnv.from(env));
        assertEquals(2, e.exitCode());
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }
}
