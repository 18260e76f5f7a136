package dev.jmamba.tensor.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmamba.tensor.DType;
import dev.jmamba.tensor.Device;
import dev.jmamba.tensor.Tensor;
import dev.jmamba.tensor.dist.CommunicatorException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Real NCCL with a group of one (the only GPU count this test can rely on): collectives leave the data as it was. */
@Tag("gpu")
class NcclGpuTest {
    @Test void aGroupOfOneAllReducesBroadcastsAndBarriersBitForBit() {
        GpuTests.context();
        Assumptions.assumeTrue(Nccl.available(), () -> "NCCL missing: " + Nccl.unavailableReason());
        Device gpu = Device.cuda(0);
        System.out.println("NCCL " + NcclCommunicator.version());
        NcclCommunicator comm = NcclCommunicator.join(gpu, NcclCommunicator.newUniqueId(gpu), 0, 1);
        try {
            float[] values = GpuTests.uniform(5, 1000, -3, 3);
            Tensor t = Tensor.of(values, 10, 100).to(gpu);
            comm.allReduceSum(t);
            comm.allReduceSum(t.narrow(0, 2, 3));          // a contiguous view at an offset
            assertArrayEquals(values, t.toFloatArray(), 0f);
            Tensor d = Tensor.of(new double[] {Math.PI, -1e-300}, 2).to(gpu);
            comm.broadcast(d, 0);
            assertArrayEquals(new double[] {Math.PI, -1e-300}, d.toDoubleArray(), 0);
            comm.barrier();
            comm.checkHealth();
            assertThrows(CommunicatorException.class, () -> comm.allReduceSum(Tensor.zeros(DType.F32, gpu, 4, 4).transpose(0, 1)));
        } finally {
            comm.close();
        }
        CommunicatorException closed = assertThrows(CommunicatorException.class, comm::barrier);
        assertTrue(closed.getMessage().contains("already left"), closed.getMessage());
    }

    @Test void abortEndsTheGroupAndLaterCallsSayWhy() {
        GpuTests.context();
        Assumptions.assumeTrue(Nccl.available(), () -> "NCCL missing: " + Nccl.unavailableReason());
        Device gpu = Device.cuda(0);
        NcclCommunicator comm = NcclCommunicator.join(gpu, NcclCommunicator.newUniqueId(gpu), 0, 1);
        comm.abort("test abort");
        CommunicatorException e = assertThrows(CommunicatorException.class, () -> comm.allReduceSum(Tensor.full(1, DType.F32, gpu, 2)));
        assertTrue(e.getMessage().contains("test abort"), e.getMessage());
    }
}
