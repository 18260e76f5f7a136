#!/usr/bin/env bash
# session 12 (2026-12-05), first call, main@942346b: the whole gpu suite first (nothing after 00981db had run on a GPU),
# then the issue-14 fp32 cases alternated, Nsight Compute time per kernel of one FractalMamba-T and one VMamba-T fp32
# step (summaries in $OUT), then bf16 and the other models while time is left.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
LIMIT=${LIMIT:-560}
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv,noheader
timeout 150 bash .ci/gpu/tests.sh
echo "tests done $((SECONDS-t0)) s"
bench() {  # model precision [flags]
  local mdl=$1 p=$2; shift 2
  [ $((LIMIT-SECONDS)) -lt 40 ] && { echo "skip $mdl $p $* (time)"; return; }
  echo "== $mdl $p $*"
  timeout 100 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $mdl \
    --device cuda --batch-size 128 --steps 6 --warmup 2 --precision $p --json "$@" > /tmp/b.log 2>&1; echo "rc=$? t=$((SECONDS-t0))"
  grep -v -E "WARNING|Picked up" /tmp/b.log | grep '^{' | head -1 | cut -c1-170; grep -v -E "WARNING|Picked up" /tmp/b.log | grep -v '^{' | tail -2 | cut -c1-300
}
for round in 1 2; do bench vmamba-tiny fp32; bench fractalmamba-tiny fp32; done
for m in fractalmamba-tiny vmamba-tiny; do
  [ $((LIMIT-SECONDS)) -lt 120 ] && { echo "skip ncu $m (time)"; continue; }
  NCU_EXTRA="--clock-control none" timeout 110 bash .ci/gpu/ncu.sh $m-fp32 bench train --model $m --device cuda \
    --batch-size 128 --steps 1 --warmup 0 --precision fp32 > $OUT/$m-fp32.txt 2>&1; head -40 $OUT/$m-fp32.txt
  rm -f $OUT/$m-fp32.ncu.csv
done
echo "ncu done $((SECONDS-t0)) s"
bench fractalmamba-tiny bf16; bench vmamba-tiny bf16
echo "all done $((SECONDS-t0)) s"
