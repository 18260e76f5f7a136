#!/usr/bin/env bash
# Session 17's H200 call (issue 14's targets are H200 numbers): exits at once on any other card. The defaults of
# session 17 (split-K auto, hidden-norm prefetch auto): FractalMamba-T and VMamba-T fp32 b128 twice, VMamba-T with
# split-K off, Vim-T and LocalMamba-T fp32, the 2D pair in bf16, both fp32 profiles, the whole gpu suite. Run from the
# repo root after .ci/gpu/pack.sh, with OUT set. ~240 s.
set -uo pipefail
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
card=$(nvidia-smi --query-gpu=name --format=csv,noheader); echo "$card"
case "$card" in *H200*) ;; *) echo "not an H200: nothing run"; exit 0;; esac
bench() {  # model precision [java flags]
  timeout 120 .device/run -Xss8m ${3:-} -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $1 \
    --device cuda --batch-size 128 --steps 6 --warmup 2 --precision $2 --json > /tmp/b.log 2>&1
  echo "$1 $2 [${3:-}] rc=$? t=$((SECONDS-t0)) $(grep '^{' /tmp/b.log | head -1)"
  grep -E "Exception|rror" /tmp/b.log | head -3
}
for round in 1 2; do
  for m in fractalmamba-tiny vmamba-tiny; do bench $m fp32; done
done
bench vmamba-tiny fp32 -Djmamba.cuda.splitK=off
for m in vim-tiny localmamba-tiny; do bench $m fp32; done
for m in fractalmamba-tiny vmamba-tiny; do bench $m bf16; done
for m in fractalmamba-tiny vmamba-tiny; do
  timeout 60 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $m --device cuda \
    --batch-size 128 --steps 3 --warmup 2 --precision fp32 --profile > $OUT/$m-profile.txt 2>&1
done
echo "benches done $((SECONDS-t0)) s"
bash .ci/gpu/tests.sh 2>&1 | tail -7
echo "all done $((SECONDS-t0)) s"
