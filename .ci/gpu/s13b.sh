#!/usr/bin/env bash
# session 13's first call (ran 2026-12-05 on an H100, numbers in .ci/gpu/README.md). jmamba.cuda.alignRows was measured here
# (+3 ms per step on both models) and removed again (commit 786866c); the script is kept as the record of that run.
# It ran the gpu tests of the fused hidden-norm scan and of padded GEMM rows, then FractalMamba-T / VMamba-T fp32 with each switch.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
LIMIT=${LIMIT:-560}
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 200 bash .ci/gpu/lead.sh 'HiddenNormScan|MultiScanMixer|FractalMamba|MatmulAlignRows|MatmulSplitK'
echo "tests done $((SECONDS-t0)) s"
bench() {  # model precision [steps]
  [ $((LIMIT-SECONDS)) -lt 40 ] && { echo "skip $1 $2 [$JAVA_TOOL_OPTIONS] (time)"; return; }
  timeout 60 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $1 \
    --device cuda --batch-size 128 --steps ${3:-6} --warmup 2 --precision $2 --json > /tmp/b.log 2>&1
  echo "$1 $2 [$JAVA_TOOL_OPTIONS] rc=$? t=$((SECONDS-t0)) $(grep '^{' /tmp/b.log | head -1 | grep -o '"ms":[0-9.]*,"img_per_s":[0-9.]*')"
  grep -E "Exception|rror" /tmp/b.log | head -3
}
F=-Djmamba.scan.fusedHiddenNorm=true; A=-Djmamba.cuda.alignRows=true
for round in 1 2; do
  unset JAVA_TOOL_OPTIONS; bench fractalmamba-tiny fp32
  export JAVA_TOOL_OPTIONS=$F; bench fractalmamba-tiny fp32
  export JAVA_TOOL_OPTIONS=$A; bench fractalmamba-tiny fp32
  export JAVA_TOOL_OPTIONS="$F $A"; bench fractalmamba-tiny fp32
  unset JAVA_TOOL_OPTIONS; bench vmamba-tiny fp32
  export JAVA_TOOL_OPTIONS=$A; bench vmamba-tiny fp32
done
export JAVA_TOOL_OPTIONS="$F -Djmamba.scan.fusedHiddenNorm.maxLength=784"; bench fractalmamba-tiny fp32
export JAVA_TOOL_OPTIONS="$F $A"; bench fractalmamba-tiny bf16
export JAVA_TOOL_OPTIONS="$A"; bench vmamba-tiny bf16
unset JAVA_TOOL_OPTIONS
for opts in "" "$F $A"; do   # GEMM time per shape (ProfilingBackend's product names)
  [ $((LIMIT-SECONDS)) -lt 70 ] && break
  JAVA_TOOL_OPTIONS="-Djmamba.profile.matmuls=detail $opts" timeout 60 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main \
    bench train --model fractalmamba-tiny --device cuda --batch-size 128 --steps 3 --warmup 2 --precision fp32 --profile > $OUT/fractal-matmuls-${opts:+on}.txt 2>&1
  echo "profile [$opts] t=$((SECONDS-t0))"; grep -E '^matmul' $OUT/fractal-matmuls-${opts:+on}.txt | head -12 | cut -c1-150
done
echo "all done $((SECONDS-t0)) s"
