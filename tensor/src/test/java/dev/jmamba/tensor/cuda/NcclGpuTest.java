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

    /**
     * All-reduces on the communication stream: 40 buckets started while the compute stream keeps
     * writing the next ones (each behind the event after its writer), awaited in order, then read by
     * compute-stream kernels; a plain all-reduce and a barrier after them; close destroys the stream.
     * With one rank the sums are the inputs, so every value is known.
     */
    @Test void asynchronousAllReducesOnTheCommunicationStreamKeepOrderWithTheComputeStream() {
        GpuTests.context();
        Assumptions.assumeTrue(Nccl.available(), () -> "NCCL missing: " + Nccl.unavailableReason());
        Device gpu = Device.cuda(0);
        NcclCommunicator comm = NcclCommunicator.join(gpu, NcclCommunicator.newUniqueId(gpu), 0, 1);
        try {
            int n = 40;
            float[] values = GpuTests.uniform(7, 1 << 16, -3, 3);
            Tensor source = Tensor.of(values, 1 << 16).to(gpu);
            Tensor[] buckets = new Tensor[n];
            dev.jmamba.tensor.dist.Pending[] pending = new dev.jmamba.tensor.dist.Pending[n];
            for (int k = 0; k < n; k++) {
                buckets[k] = source.mul(k + 1);                  // written on the compute stream just before the all-reduce
                pending[k] = comm.allReduceSumAsync(buckets[k]);
            }
            Tensor plain = source.add(1);
            comm.allReduceSum(plain);                            // after the asynchronous ones on the device
            for (int k = 0; k < n; k++) pending[k].await();
            for (int k = 0; k < n; k++) assertArrayEquals(source.mul(k + 1).toFloatArray(), buckets[k].toFloatArray(), 0f, "bucket " + k);
            assertArrayEquals(source.add(1).toFloatArray(), plain.toFloatArray(), 0f);
            comm.barrier();
            comm.checkHealth();
        } finally {
            comm.close();
        }
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
