#!/usr/bin/env bash
# Session 19's fourth device call (issue 22, the host's CPU only; any card): on the quiet Intel host of s19c the 8x32 tile
# ran at 0.97 of the FMA ceiling with B in L1 but 0.80-0.96 with B from L2, and one thread at 0.78 of OpenBLAS at 1024³;
# so a smaller KC (the B micro-panel nearer L1) as the third side of paired_gemm.py, 7 rounds, AVX-512: KC 256 on one
# and on two pinned threads, then KC 384 on one. About 170 s. Run from the repo root after .ci/gpu/pack.sh, OUT set.
set -uo pipefail
t0=$SECONDS
source .ci/gpu/cpu-host.sh
first=${cpus%%,*}
echo "== tile probe"; tile_probe
export BATCH_MS=80 GAP_S=0.25 NP_WARMUP_S=0.3 SHAPES="1024,1024,1024,0,0 1576,768,192,0,1 196,1536,384,0,1 197,192,384,1,1 3136,96,384,0,1"
for case in "256 1" "256 2" "384 1"; do
  read -r kc th <<<"$case"
  pin=$first; [ $th = 2 ] && pin=$cpus
  echo "== native, $th thread(s) on $pin, base = KC $kc ($((SECONDS-t0)) s; load $(cut -d' ' -f1 /proc/loadavg))"
  BASE_JAVA_CMD=".device/run -Xss8m -Djmamba.gemm.kc=$kc -cp .device/lib/* dev.jmamba.app.Main" THREADS=$th \
    JSON=$OUT/kc${kc}_t$th.jsonl timeout 70 taskset -c "$pin" python3 tensor/bench/paired_gemm.py 7 > $OUT/kc${kc}_t$th.txt 2>&1
  echo "rc=$?"; grep -v '^jmamba:\|^numpy' $OUT/kc${kc}_t$th.txt
done
echo "s19d done $((SECONDS-t0)) s"
