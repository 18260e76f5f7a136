#!/usr/bin/env bash
# fractal (issue 14, FractalMamba at VMamba's step; run from the repo root inside the device run, after .ci/device-pack),
# about 3 minutes (STEPS=3 timed steps after 2 warm-ups per bench run):
# 1. gpu tests of the tiled channels-first layer norm with its skip term and of the warp-per-row gated norm (the
#    float64-reference contract suites CudaBackendLayerNormChannelsTest / CudaBackendLayerNormGatedTest,
#    FractalMamba-T shapes and >48 KiB-shared-memory widths against the CPU backend with run-to-run bitwise
#    equality in CudaChannelNormShapesTest / CudaGatedNormShapesTest) and every parity fixture on the GPU
#    (ParityGpuTest: FractalMamba's fused h_norm read-out, VMamba, LocalMamba, Vim) -> $OUT/fractaltests.log
# 2. bench train batch 128 with --profile for vmamba-tiny and fractalmamba-tiny in fp32 and bf16 (JSON + per-op
#    table + memory), nvidia-smi peak per run -> $OUT/bench.log (bench.sh)
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu,memory.used --format=csv
.device/run -cp '.device/lib/*' org.junit.platform.console.ConsoleLauncher execute \
  --select-class dev.jmamba.tensor.cuda.CudaBackendLayerNormChannelsTest \
  --select-class dev.jmamba.tensor.cuda.CudaChannelNormShapesTest \
  --select-class dev.jmamba.tensor.cuda.CudaBackendLayerNormGatedTest \
  --select-class dev.jmamba.tensor.cuda.CudaGatedNormShapesTest \
  --select-class dev.jmamba.vision.parity.ParityGpuTest \
  --details=tree --disable-banner > $OUT/fractaltests.log 2>&1
echo "tests rc=$?"
grep -E "\[X\]|✘|parity gpu|tests (found|successful|failed|aborted|skipped)" $OUT/fractaltests.log | head -40
LINES_KEEP=${LINES_KEEP:-50} STEPS=${STEPS:-3} bash .ci/gpu/bench.sh \
  vmamba-tiny:bf16:--profile fractalmamba-tiny:bf16:--profile vmamba-tiny:fp32:--profile fractalmamba-tiny:fp32:--profile
