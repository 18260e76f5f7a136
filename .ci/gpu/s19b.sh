#!/usr/bin/env bash
# Session 19's second device call (issue 22, the host's CPU only; any card): does -XX:+UseTransparentHugePages speed up
# the SGEMM on the Intel host (s19a: one thread, 1024³ 139 against 110 GFLOP/s in 5 rounds of range 0.53-1.14)?
# paired_gemm.py 9 rounds with the THP JVM as the third side: one thread pinned, then two threads on two physical cores.
# About 120 s. Run from the repo root after .ci/gpu/pack.sh, OUT set.
set -uo pipefail
t0=$SECONDS
source .ci/gpu/cpu-host.sh
export BATCH_MS=80 GAP_S=0.25 NP_WARMUP_S=0.3 SHAPES="1024,1024,1024,0,0 1576,768,192,0,1"
export BASE_JAVA_CMD=".device/run -Xss8m -XX:+UseTransparentHugePages -cp .device/lib/* dev.jmamba.app.Main"
for th in 1 2; do
  pin=${cpus%%,*}; [ $th = 2 ] && pin=$cpus
  echo "== native, $th thread(s) on $pin, base = THP ($((SECONDS-t0)) s; load $(cut -d' ' -f1 /proc/loadavg))"
  THREADS=$th JSON=$OUT/thp_t$th.jsonl timeout 100 taskset -c "$pin" python3 tensor/bench/paired_gemm.py 9 > $OUT/thp_t$th.txt 2>&1
  echo "rc=$?"; grep -v '^jmamba:\|^numpy' $OUT/thp_t$th.txt
done
echo "s19b done $((SECONDS-t0)) s"
