#!/usr/bin/env bash
# Session 16's second device call: issue 14's targets with the measured split-K choice (jmamba.cuda.splitK=auto, the
# new default): s13c.sh (every tiny model's b128 step, fp32 twice for the 2D pair, bf16, both profiles, the whole gpu
# suite), then FractalMamba-T and VMamba-T once more with -Djmamba.cuda.splitK=off (the previous default) in the same
# call. Run from the repo root after .ci/gpu/pack.sh, with OUT set. About 300 s.
set -uo pipefail
bash "$(dirname "$0")/s13c.sh"
t0=$SECONDS
for m in fractalmamba-tiny vmamba-tiny; do
  timeout 90 .device/run -Xss8m -Djmamba.cuda.splitK=off -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $m \
    --device cuda --batch-size 128 --steps 6 --warmup 2 --precision fp32 --json > /tmp/off.log 2>&1
  echo "$m fp32 splitK=off rc=$? t=$((SECONDS-t0)) $(grep '^{' /tmp/off.log | head -1)"
done
