#!/usr/bin/env bash
# fusion (issues 14 / 21; run from the repo root inside the device run, after .ci/device-pack), about 3 minutes:
# 1. gpu tests of what the branch changed: the channels-first and gated layer norm kernels (CudaBackendLayerNormChannelsTest,
#    CudaBackendLayerNormGatedTest), the fused depthwise conv + SiLU (CudaBackendDepthwiseConvSiluTest),
#    the row layer norm next to them (CudaBackendLayerNormTest), and every parity fixture on the GPU (ParityGpuTest:
#    LocalMamba's batched-direction rows, FractalMamba's h_norm read-out, VMamba, Vim) -> $OUT/fusiontests.log
# 2. bench train fp32 batch 128 with --profile (JSON + per-op table + memory breakdown) for the three 2D models,
#    nvidia-smi peak per run -> $OUT/bench.log (bench.sh)
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu,memory.used --format=csv
.device/run -cp '.device/lib/*' org.junit.platform.console.ConsoleLauncher execute \
  --select-class dev.jmamba.tensor.cuda.CudaBackendLayerNormChannelsTest \
  --select-class dev.jmamba.tensor.cuda.CudaBackendLayerNormGatedTest \
  --select-class dev.jmamba.tensor.cuda.CudaBackendLayerNormTest \
  --select-class dev.jmamba.tensor.cuda.CudaBackendDepthwiseConvSiluTest \
  --select-class dev.jmamba.vision.parity.ParityGpuTest \
  --details=tree --disable-banner > $OUT/fusiontests.log 2>&1
echo "tests rc=$?"
grep -E "\[X\]|✘|parity gpu|tests (found|successful|failed|aborted|skipped)" $OUT/fusiontests.log | head -40
LINES_KEEP=${LINES_KEEP:-45} STEPS=${STEPS:-5} bash .ci/gpu/bench.sh \
  localmamba-tiny:fp32:--profile fractalmamba-tiny:fp32:--profile vmamba-tiny:fp32:--profile
