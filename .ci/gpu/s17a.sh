#!/usr/bin/env bash
# Session 17's device call (issue 14), the new defaults (split-K auto; hidden-norm scan prefetching forward up to 640
# channels, backward up to 320; its backward's channel-sum terms written straight to the warp tile) measured with their
# baselines in the same call: the hidden-norm scan lab (plain vs prefetching kernels), FractalMamba-T and VMamba-T fp32
# b128 twice, FractalMamba-T with the prefetching kernels off and all on and with
# stage 3 (640 channels) unfused, both with split-K off, Vim-T and LocalMamba-T,
# the 2D pair in bf16, both fp32 profiles, Nsight Compute on the 640-channel backward, the whole gpu suite. Run from the
# repo root after .ci/gpu/pack.sh, with OUT set. ~260 s.
set -uo pipefail
t0=$SECONDS
source .ci/gpu/train-bench.sh
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 90 .device/run -cp '.device/lib/*' dev.jmamba.ssm.cuda.HiddenNormScanSweep 2>&1 | grep '^{'
for round in 1 2; do
  for m in fractalmamba-tiny vmamba-tiny; do bench $m fp32; done
done
bench fractalmamba-tiny fp32 -Djmamba.scan.hiddenNormPrefetch=off
bench fractalmamba-tiny fp32 -Djmamba.scan.hiddenNormPrefetch=on
bench fractalmamba-tiny fp32 -Djmamba.scan.fusedHiddenNorm.maxChannels=320
for m in fractalmamba-tiny vmamba-tiny; do bench $m fp32 -Djmamba.cuda.splitK=off; done
for m in vim-tiny localmamba-tiny; do bench $m fp32; done
for m in fractalmamba-tiny vmamba-tiny; do bench $m bf16; done
for m in fractalmamba-tiny vmamba-tiny; do profile $m; done
echo "benches done $((SECONDS-t0)) s"
KERNELS='regex:scan_hidden_norm_bwd_w20' COUNT=1 LINES_MAX=40 ncu_fm_step fm-bwd20 90
bash .ci/gpu/tests.sh 2>&1 | tail -7
echo "all done $((SECONDS-t0)) s"
