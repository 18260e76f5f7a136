#!/usr/bin/env bash
# local (issue 14, LocalMamba at peer speed; run from the repo root inside the device run, after .ci/device-pack), about 4 minutes:
# 1. gpu tests of what the branch added: the fused token ops (CudaTokenKernelsGpuTest: rotary pair rotation, token mean of a
#    per-token layer norm, row scale; values and all gradients against the CPU kernels), the split contractions
#    (MatmulSplitKGpuTest, jmamba.cuda.splitK), cuBLAS itself (CuBlasGpuTest: the row-length overload), AdamW's grouped step
#    (CudaAdamWGroupGpuTest: adamw_update_list against the CPU bit for bit; OptimKernelsGpuTest, CudaGraphGpuTest), and every parity
#    fixture on the GPU (ParityGpuTest: LocalMamba's batched-direction rows with the fused gate and rotary embedding, Vim,
#    VMamba, FractalMamba) -> $OUT/localtests.log
# 2. bench train fp32 batch 128 with --profile (JSON + per-op table + memory breakdown) for localmamba-tiny and vim-tiny
#    (the no-regression check) -> $OUT/bench.log (bench.sh), then both again without --profile, with split contractions off
#    (the default) and on (-Djmamba.cuda.splitK=on): the one measurement that decides that setting's default.
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu,memory.used --format=csv
.device/run -cp '.device/lib/*' org.junit.platform.console.ConsoleLauncher execute \
  $(for j in .device/lib/*-tests.jar; do echo --scan-classpath $j; done) --include-tag gpu \
  --include-classname '.*(CudaTokenKernelsGpuTest|MatmulSplitKGpuTest|CuBlasGpuTest|CudaAdamWGroupGpuTest|OptimKernelsGpuTest|CudaGraphGpuTest|ParityGpuTest)' \
  --details=tree --disable-banner > $OUT/localtests.log 2>&1
echo "tests rc=$?"
grep -E "\[X\]|✘|parity gpu|tests (found|successful|failed|aborted|skipped)" $OUT/localtests.log | head -40
LINES_KEEP=${LINES_KEEP:-50} STEPS=${STEPS:-5} bash .ci/gpu/bench.sh localmamba-tiny:fp32:--profile vim-tiny:fp32:--profile
for split in off on; do
  for m in localmamba-tiny vim-tiny; do
    echo "== $m fp32 splitK=$split"
    .device/run -Djmamba.cuda.splitK=$split -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $m --device cuda \
      --batch-size 128 --steps ${STEPS:-5} --warmup 2 --precision fp32 --json 2>&1 | grep -v WARNING | tee -a $OUT/bench.log | head -3
  done
done
