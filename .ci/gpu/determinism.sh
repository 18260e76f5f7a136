#!/usr/bin/env bash
# helper "determinism" (issue 19): a bit-reproducible CUDA training step. Run from the repo root after
# .ci/device-pack, on one GPU: `.ci/gpu/determinism.sh [tests|bench]` (default both; each part a few minutes,
# so they can go in separate device calls). Logs under $OUT.
#  1. gpu tests: the new determinism tests (scan backward, single and pair calls; causal conv backward), the three
#     train-app tests that failed because training was not bit-reproducible, and the correctness tests of every
#     kernel changed (scan, causal conv, the Vim mixer that runs the pair path, and the backend's pooling /
#     interpolation / scatter-add suite).
#  2. timing of the scan backward: the default fixed-order sums vs the old float atomics (-Djmamba.scan.atomics=true)
#     on the three reference shapes, then bench train vim-tiny b128 both ways.
export NCCL_NVLS_ENABLE=0
OUT=${OUT:-/tmp/determinism-out}; mkdir -p "$OUT"
jm() { local atomics=$1; shift; .device/run -Xss8m -Djmamba.scan.atomics=$atomics -cp '.device/lib/*' dev.jmamba.app.Main "$@"; }
part=${1:-all}
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu,memory.used --format=csv,noheader
if [ "$part" = all ] || [ "$part" = tests ]; then
echo "== gpu tests"
.device/run -Xss8m -cp '.device/lib/*' org.junit.platform.console.ConsoleLauncher execute --disable-banner --details=tree \
  --select-class dev.jmamba.ssm.kernel.SelectiveScanDeterminismGpuTest \
  --select-class dev.jmamba.ssm.cuda.CausalConvDeterminismGpuTest \
  --select-class dev.jmamba.app.train.DataParallelGpuTest \
  --select-class dev.jmamba.app.train.TrainStepGraphGpuTest \
  --select-class dev.jmamba.ssm.kernel.SelectiveScanCudaGpuTest \
  --select-class dev.jmamba.ssm.cuda.CausalConv1dGpuTest \
  --select-class dev.jmamba.ssm.block.VimMixerGpuTest \
  --select-class dev.jmamba.tensor.cuda.CudaBackendNnTest \
  > "$OUT/determinism-tests.log" 2>&1
echo "rc=$?"
grep -E "✘|tests (found|successful|failed|aborted|skipped)" "$OUT/determinism-tests.log" | head -40
grep -E -A3 "✘" "$OUT/determinism-tests.log" | grep -vE "^\s*$" | head -40
fi
[ "$part" = all ] || [ "$part" = bench ] || exit 0
echo "== bench scan (ms, median of 21 CUDA-event timings): fixed-order sums (atomics=false, the default) vs float atomics"
for spec in "128,384,197,16" "128,384,3136,1,4 --no-z" "8,1536,16384,16"; do
  for atomics in false true; do
    echo "atomics=$atomics shape=$spec"
    jm $atomics bench scan --device cuda --shape $spec --json 2>&1 | grep '^{' | cut -c1-400
  done
done
echo "== bench train vim-tiny b128 224 px (img/s), the scan's sums both ways"
for atomics in false true; do
  echo "atomics=$atomics"
  jm $atomics bench train --model vim-tiny --device cuda --batch-size 128 --resolution 224 --classes 4 --steps 10 --warmup 3 \
    --json 2>&1 | grep '^{' | cut -c1-300
done
