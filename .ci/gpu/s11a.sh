#!/usr/bin/env bash
# session 11 (2026-12-05), first call, main@e3ceb98 on the H200: the issue-14 cases (fp32 and bf16, VMamba-T and
# FractalMamba-T alternated, Vim-T and LocalMamba-T fp32), Nsight Compute time per kernel of one FractalMamba-T and one
# VMamba-T fp32 step (summaries in $OUT), then the whole gpu suite.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
LIMIT=${LIMIT:-560}
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv,noheader
bench() {  # model precision [flags]
  local mdl=$1 p=$2; shift 2
  echo "== $mdl $p $*"
  timeout 120 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $mdl \
    --device cuda --batch-size 128 --steps 6 --warmup 2 --precision $p --json "$@" > /tmp/b.log 2>&1; echo "rc=$? t=$((SECONDS-t0))"
  grep -v -E "WARNING|Picked up" /tmp/b.log | grep '^{' | head -1 | cut -c1-170; grep -v -E "WARNING|Picked up" /tmp/b.log | grep -v '^{' | tail -2 | cut -c1-300
}
for round in 1 2; do
  bench vmamba-tiny fp32; bench fractalmamba-tiny fp32
done
bench vmamba-tiny bf16; bench fractalmamba-tiny bf16; bench fractalmamba-tiny bf16 --graph
bench vim-tiny fp32; bench localmamba-tiny fp32
echo "benches done $((SECONDS-t0)) s"
for m in fractalmamba-tiny vmamba-tiny; do
  NCU_EXTRA="--clock-control none" timeout 150 bash .ci/gpu/ncu.sh $m-fp32 bench train --model $m --device cuda \
    --batch-size 128 --steps 1 --warmup 0 --precision fp32 > $OUT/$m-fp32.txt 2>&1; head -32 $OUT/$m-fp32.txt
  rm -f $OUT/$m-fp32.ncu.csv
done
echo "ncu done $((SECONDS-t0)) s"
timeout $((LIMIT-SECONDS)) bash .ci/gpu/tests.sh
echo "all done $((SECONDS-t0)) s"
