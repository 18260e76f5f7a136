#!/usr/bin/env bash
# session 9 (2026-12-05), the last device call: FractalMamba-T bf16 and fp32 with main@65db5a8's jars (.device/old, first
# on the class path) against this build's, alternated, and this build with its two new kernel switches off; VMamba-T
# bf16; the whole gpu suite; Nsight Compute per kernel at real clocks (comparable with .ci/gpu/baselines); then
# FractalMamba-T bf16 --graph with its output (call 1 printed no JSON for it).
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
limit=${LIMIT:-590}   # seconds this call may take
bench() {  # label classpath jvm-flags model precision extra...
  local label=$1 cp=$2 flags=$3 m=$4 p=$5; shift 5
  echo "== $label $m $p $flags $*"
  timeout 120 .device/run -Xss8m $flags -cp "$cp" dev.jmamba.app.Main bench train --model $m --device cuda --batch-size 128 \
    --steps ${STEPS:-6} --warmup 2 --precision $p --json "$@" 2>&1 | grep -v WARNING | grep '^{' | head -1 | cut -c1-200
}
OLD='.device/old/*:.device/lib/*' NEW='.device/lib/*' OFF='-Djmamba.norm.gatedRegisters=false -Djmamba.norm.channelBatches=false'
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv,noheader
for round in 1 2; do
  bench old "$OLD" "" fractalmamba-tiny bf16
  bench new "$NEW" "" fractalmamba-tiny bf16
  bench new-off "$NEW" "$OFF" fractalmamba-tiny bf16
done
bench old "$OLD" "" fractalmamba-tiny fp32
bench new "$NEW" "" fractalmamba-tiny fp32
bench new "$NEW" "" vmamba-tiny bf16
echo "benches done $((SECONDS-t0)) s"
timeout $((limit-SECONDS-200 > 60 ? 240 : limit-SECONDS-60)) bash .ci/gpu/tests.sh
echo "tests done $((SECONDS-t0)) s"
[ $((limit-SECONDS)) -gt 100 ] && NCU_EXTRA="--clock-control none" timeout 120 bash .ci/gpu/ncu.sh fractal-s9c bench train --model fractalmamba-tiny --device cuda --precision bf16 --batch-size 128 --steps 1 --warmup 1 | head -40
echo "ncu done $((SECONDS-t0)) s"
left=$((limit-SECONDS)); [ $left -gt 20 ] && timeout $left .device/run -Xss8m -cp "$NEW" dev.jmamba.app.Main bench train --model fractalmamba-tiny \
  --device cuda --batch-size 128 --steps 6 --warmup 2 --precision bf16 --json --graph > $OUT/graph.log 2>&1; echo "graph rc=$?"
grep -v WARNING $OUT/graph.log | tail -15 | cut -c1-400
echo "all done $((SECONDS-t0)) s"
