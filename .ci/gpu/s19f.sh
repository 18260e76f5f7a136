#!/usr/bin/env bash
# Session 19's sixth device call (issue 22, the host's CPU only; any card): the SGEMM now packs B from its buffer's first
# 64-byte line (ArrayLines, -Djmamba.gemm.alignB, default true); s19e measured the same placement through
# -XX:ObjectAlignmentInBytes=64. paired_gemm.py 7 rounds with -Djmamba.gemm.alignB=false as the third side, AVX-512,
# one thread and two pinned, five shapes. About 120 s. Run from the repo root after .ci/gpu/pack.sh, OUT set.
set -uo pipefail
t0=$SECONDS
source .ci/gpu/cpu-host.sh
first=${cpus%%,*}
echo "== tile probe"; tile_probe
export BATCH_MS=80 GAP_S=0.25 NP_WARMUP_S=0.3 SHAPES="1024,1024,1024,0,0 1576,768,192,0,1 196,1536,384,0,1 197,192,384,1,1 3136,96,384,0,1"
export BASE_JAVA_CMD=".device/run -Xss8m -Djmamba.gemm.alignB=false -cp .device/lib/* dev.jmamba.app.Main"
for th in 1 2; do
  pin=$first; [ $th = 2 ] && pin=$cpus
  echo "== native, $th thread(s) on $pin, jm = B panels on lines, base = -Djmamba.gemm.alignB=false ($((SECONDS-t0)) s; load $(cut -d' ' -f1 /proc/loadavg))"
  THREADS=$th JSON=$OUT/alignB_t$th.jsonl timeout 70 taskset -c "$pin" python3 tensor/bench/paired_gemm.py 7 > $OUT/alignB_t$th.txt 2>&1
  echo "rc=$?"; grep -v '^numpy' $OUT/alignB_t$th.txt | grep -v '^jmamba'
done
echo "s19f done $((SECONDS-t0)) s"
