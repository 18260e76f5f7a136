#!/usr/bin/env bash
# Session 17's H200 call (issue 14's targets are H200 numbers): exits at once on any other card. The defaults of
# session 17 (split-K auto, hidden-norm prefetch auto): FractalMamba-T and VMamba-T fp32 b128 twice, VMamba-T with
# split-K off, Vim-T and LocalMamba-T fp32, the 2D pair in bf16, both fp32 profiles, the whole gpu suite. Run from the
# repo root after .ci/gpu/pack.sh, with OUT set. ~240 s.
set -uo pipefail
t0=$SECONDS
source .ci/gpu/train-bench.sh
card=$(nvidia-smi --query-gpu=name --format=csv,noheader); echo "$card"
case "$card" in *H200*) ;; *) echo "not an H200: nothing run"; exit 0;; esac
for round in 1 2; do
  for m in fractalmamba-tiny vmamba-tiny; do bench $m fp32; done
done
bench vmamba-tiny fp32 -Djmamba.cuda.splitK=off
for m in vim-tiny localmamba-tiny; do bench $m fp32; done
for m in fractalmamba-tiny vmamba-tiny; do bench $m bf16; done
for m in fractalmamba-tiny vmamba-tiny; do profile $m; done
echo "benches done $((SECONDS-t0)) s"
bash .ci/gpu/tests.sh 2>&1 | tail -7
echo "all done $((SECONDS-t0)) s"
