#!/usr/bin/env bash
# bench train per model and precision, with the whole process's nvidia-smi peak (MiB) sampled every 100 ms
app() { .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main "$@"; }
run() {   # name, args...
  local name=$1; shift
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > /tmp/smi_$name.txt &
  local smi=$!
  app "$@" > /tmp/out_$name.txt 2>&1; local rc=$?
  kill $smi; wait $smi 2>/dev/null
  local peak=$(sort -n /tmp/smi_$name.txt | tail -1)
  echo "== $name rc=$rc smi_peak_mib=$peak"
  grep -v WARNING /tmp/out_$name.txt | head -${LINES_KEEP:-3}
  cat /tmp/out_$name.txt >> $OUT/bench.log
}
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv,noheader
for spec in "$@"; do
  IFS=: read m p extra <<< "$spec"
  tag=${extra//[^a-z]/}
  extra=${extra//,/ }
  run "${m}_${p}_${tag}" bench train --model $m --device cuda --batch-size ${BATCH:-128} --steps ${STEPS:-5} --warmup 2 --precision $p --json $extra
done
