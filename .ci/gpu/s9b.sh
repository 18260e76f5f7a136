#!/usr/bin/env bash
# session 9 (2026-12-05), one device call: the gpu tests of the bf16 gated norm / bf16 cross merge, then FractalMamba-T
# bf16 with main@65db5a8's jars (.device/old, first on the class path) against this build's, alternated, then this
# build's VMamba-T bf16 and FractalMamba-T bf16 --graph, Nsight Compute per kernel, and the whole gpu suite with the rest.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
timeout 200 bash .ci/gpu/lead.sh 'GatedNorm|LayerNormGated|Scan2dGpu|ChannelNorm|FusedComposition|AutocastMlp'
echo "tests done $((SECONDS-t0)) s"
bench() {  # label classpath model precision extra...
  local label=$1 cp=$2 m=$3 p=$4; shift 4
  echo "== $label $m $p $*"
  timeout 120 .device/run -Xss8m -cp "$cp" dev.jmamba.app.Main bench train --model $m --device cuda --batch-size 128 \
    --steps ${STEPS:-6} --warmup 2 --precision $p --json "$@" 2>&1 | grep -v WARNING | grep '^{' | head -1 | cut -c1-260
}
for round in 1 2; do
  bench old '.device/old/*:.device/lib/*' fractalmamba-tiny bf16
  bench new '.device/lib/*' fractalmamba-tiny bf16
done
bench new '.device/lib/*' vmamba-tiny bf16
bench new '.device/lib/*' fractalmamba-tiny bf16 --graph
bench new '.device/lib/*' fractalmamba-tiny fp32
echo "benches done $((SECONDS-t0)) s"
timeout 150 bash .ci/gpu/ncu.sh fractal-new bench train --model fractalmamba-tiny --device cuda --precision bf16 --batch-size 128 --steps 1 --warmup 1
echo "ncu done $((SECONDS-t0)) s"
left=$((585-SECONDS)); [ $left -gt 30 ] && timeout $left bash .ci/gpu/tests.sh
echo "all done $((SECONDS-t0)) s"
