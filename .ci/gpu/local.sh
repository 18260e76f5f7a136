#!/usr/bin/env bash
# local (issue 14, LocalMamba at peer speed; run from the repo root inside the device run, after .ci/device-pack), about 3 minutes:
# 1. gpu tests of what the branch added: the fused token ops (CudaTokenKernelsGpuTest: rotary pair rotation, token mean of a
#    per-token layer norm, row scale; values and all gradients against the CPU kernels), the multi-tensor AdamW when present
#    (CudaAdamWGroupGpuTest), and every parity fixture on the GPU (ParityGpuTest: LocalMamba's batched-direction rows with the
#    fused gate, Vim, VMamba, FractalMamba) -> $OUT/localtests.log
# 2. bench train fp32 batch 128 with --profile (JSON + per-op table + memory breakdown) for localmamba-tiny and vim-tiny
#    (the no-regression check), nvidia-smi peak per run -> $OUT/bench.log (bench.sh)
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu,memory.used --format=csv
.device/run -cp '.device/lib/*' org.junit.platform.console.ConsoleLauncher execute \
  $(for j in .device/lib/*-tests.jar; do echo --scan-classpath $j; done) --include-tag gpu \
  --include-classname '.*(CudaTokenKernelsGpuTest|CudaAdamWGroupGpuTest|ParityGpuTest)' \
  --details=tree --disable-banner > $OUT/localtests.log 2>&1
echo "tests rc=$?"
grep -E "\[X\]|✘|parity gpu|tests (found|successful|failed|aborted|skipped)" $OUT/localtests.log | head -40
LINES_KEEP=${LINES_KEEP:-50} STEPS=${STEPS:-5} bash .ci/gpu/bench.sh localmamba-tiny:fp32:--profile vim-tiny:fp32:--profile
