#!/usr/bin/env bash
# Session 16's second device call: issue 14's targets with the measured split-K choice (jmamba.cuda.splitK=auto,
# opt-in until this runs), in s13c.sh's form without its fusion-off runs: FractalMamba-T and VMamba-T fp32 b128 twice, then both
# once with -Djmamba.cuda.splitK=off (the default) in the same call, the hidden-norm scan
# lab (plain and prefetching kernels) and FractalMamba-T with auto and the prefetching kernels twice, Vim-T and LocalMamba-T fp32, the 2D pair
# in bf16, both fp32 profiles (with auto), Nsight Compute on
# FractalMamba-T's hidden-norm scan kernels, the whole gpu suite. Run from the repo root after .ci/gpu/pack.sh, with OUT set. ~260 s.
set -uo pipefail
t0=$SECONDS
source .ci/gpu/train-bench.sh
nvidia-smi --query-gpu=name --format=csv,noheader
for round in 1 2; do
  for m in fractalmamba-tiny vmamba-tiny; do bench $m fp32 -Djmamba.cuda.splitK=auto; done
done
for m in fractalmamba-tiny vmamba-tiny; do bench $m fp32 -Djmamba.cuda.splitK=off; done
# the prefetching hidden-norm scan kernels: kernel times by stage (plain and prefetching, same run), then FractalMamba-T
timeout 90 .device/run -cp '.device/lib/*' dev.jmamba.ssm.cuda.HiddenNormScanSweep 2>&1 | grep '^{'
for round in 1 2; do bench fractalmamba-tiny fp32 "-Djmamba.cuda.splitK=auto -Djmamba.scan.hiddenNormPrefetch=true"; done
for m in vim-tiny localmamba-tiny; do bench $m fp32; done
for m in fractalmamba-tiny vmamba-tiny; do bench $m bf16; done
for m in fractalmamba-tiny vmamba-tiny; do profile $m -Djmamba.cuda.splitK=auto; done
echo "benches done $((SECONDS-t0)) s"
# Nsight Compute sections of every hidden-norm scan launch of one FractalMamba-T step (stall reasons; digest in $OUT)
KERNELS='regex:scan_hidden_norm_(fwd|bwd)_w' COUNT=26 LINES_MAX=600 ncu_fm_step fm-hn 150
bash .ci/gpu/tests.sh 2>&1 | tail -7
echo "all done $((SECONDS-t0)) s"
