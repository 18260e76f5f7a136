#!/usr/bin/env bash
# session 9 (2026-12-05), second call: the graph-capture fix (BatchNorm's count on the device) and FractalMamba-T bf16
# eager against --graph, alternated.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
timeout 90 bash .ci/gpu/lead.sh 'GraphedStep|BatchNorm'
echo "tests done $((SECONDS-t0)) s"
bench() {  # label model precision extra...
  local label=$1 m=$2 p=$3; shift 3
  echo "== $label $m $p $*"
  timeout 100 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $m --device cuda --batch-size 128 \
    --steps ${STEPS:-6} --warmup 2 --precision $p --json "$@" > /tmp/b.log 2>&1; echo "rc=$?"
  grep -v WARNING /tmp/b.log | grep '^{' | head -1 | cut -c1-200; grep -v WARNING /tmp/b.log | grep -v '^{' | tail -3 | cut -c1-300
}
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv,noheader
for round in 1 2; do
  bench eager fractalmamba-tiny bf16
  bench graph fractalmamba-tiny bf16 --graph
done
echo "all done $((SECONDS-t0)) s"
