#!/usr/bin/env bash
# session 12, third call: the split-K rule's variants on VMamba-T and FractalMamba-T fp32 (b128), alternated, and the
# split-K gpu test. s12b (H100) had: splitK on helps FractalMamba-T (228.9 -> 223.0 ms), hurts VMamba-T (187.7 -> 205.8).
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
LIMIT=${LIMIT:-170}
nvidia-smi --query-gpu=name --format=csv,noheader
bench() {  # model
  [ $((LIMIT-SECONDS)) -lt 15 ] && { echo "skip $1 $JAVA_TOOL_OPTIONS (time)"; return; }
  timeout 60 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $1 \
    --device cuda --batch-size 128 --steps 6 --warmup 2 --precision fp32 --json > /tmp/b.log 2>&1
  echo "$1 [$JAVA_TOOL_OPTIONS] rc=$? t=$((SECONDS-t0)) $(grep '^{' /tmp/b.log | head -1 | grep -o '"ms":[0-9.]*,"img_per_s":[0-9.]*')"
}
for v in "-Djmamba.cuda.splitK=off" "-Djmamba.cuda.splitK=on -Djmamba.cuda.splitK.batched=false" \
         "-Djmamba.cuda.splitK=on" "-Djmamba.cuda.splitK=on -Djmamba.cuda.splitK.batched=false -Djmamba.cuda.splitK.maxTiles=4" \
         "-Djmamba.cuda.splitK=on -Djmamba.cuda.splitK.batched=false -Djmamba.cuda.splitK.maxTiles=16"; do
  export JAVA_TOOL_OPTIONS="$v"; bench vmamba-tiny; bench fractalmamba-tiny
done
unset JAVA_TOOL_OPTIONS; bench vim-tiny
[ $((LIMIT-SECONDS)) -gt 25 ] && timeout $((LIMIT-SECONDS)) bash .ci/gpu/lead.sh 'MatmulSplitK' 2>&1 | tail -8
echo "all done $((SECONDS-t0)) s"
