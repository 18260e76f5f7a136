#!/usr/bin/env bash
# issue 14's targets with the fused hidden-norm scan on by default (session 13): the whole gpu suite, then every tiny
# model's b128 training step alternated twice (fp32), bf16 for the 2D pair, and FractalMamba-T with the fusion off.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
nvidia-smi --query-gpu=name --format=csv,noheader
bench() {  # model precision
  timeout 120 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $1 \
    --device cuda --batch-size 128 --steps 6 --warmup 2 --precision $2 --json > /tmp/b.log 2>&1
  echo "$1 $2 [$JAVA_TOOL_OPTIONS] rc=$? t=$((SECONDS-t0)) $(grep '^{' /tmp/b.log | head -1)"
  grep -E "Exception|rror" /tmp/b.log | head -3
}
for round in 1 2; do
  for m in fractalmamba-tiny vmamba-tiny; do bench $m fp32; done
  JAVA_TOOL_OPTIONS=-Djmamba.scan.fusedHiddenNorm=false bench fractalmamba-tiny fp32
done
for m in vim-tiny localmamba-tiny; do bench $m fp32; done
for m in fractalmamba-tiny vmamba-tiny; do bench $m bf16; done
timeout 60 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model fractalmamba-tiny --device cuda \
  --batch-size 128 --steps 3 --warmup 2 --precision fp32 --profile > $OUT/fractal-profile.txt 2>&1
timeout 60 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model vmamba-tiny --device cuda \
  --batch-size 128 --steps 3 --warmup 2 --precision fp32 --profile > $OUT/vmamba-profile.txt 2>&1
echo "benches done $((SECONDS-t0)) s"
bash .ci/gpu/tests.sh 2>&1 | tail -7
echo "all done $((SECONDS-t0)) s"
