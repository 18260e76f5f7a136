#!/usr/bin/env bash
# Session 19's fifth device call (issue 22, the host's CPU only; any card): in s19a, s19c and s19d the tile probe's B
# panels streamed from L2 ran 10-18% faster at the one offset that puts them on 64-byte lines (+12 floats into a
# humongous array) than at the other three. Java arrays start on 8-byte boundaries, so the GEMM's packed B panels sit
# at any of 8 phases; with -XX:ObjectAlignmentInBytes=64 every array starts on a 64-byte boundary and its floats 16
# bytes in. paired_gemm.py 7 rounds, both sides with that flag: jmamba with -Djmamba.gemm.bAlignFloats=12 (panels on
# lines) against the base at 0 (16 bytes off), AVX-512, one thread and two pinned. About 120 s. Run from the repo root
# after .ci/gpu/pack.sh, OUT set.
# (The property was replaced the same session by -Djmamba.gemm.alignB, on by default: this script needs the commit
# that had it, 164f580.)
set -uo pipefail
t0=$SECONDS
source .ci/gpu/cpu-host.sh
first=${cpus%%,*}
echo "== tile probe"; tile_probe
export BATCH_MS=80 GAP_S=0.25 NP_WARMUP_S=0.3 SHAPES="1024,1024,1024,0,0 1576,768,192,0,1 196,1536,384,0,1 197,192,384,1,1 3136,96,384,0,1"
export JAVA_CMD=".device/run -Xss8m -XX:ObjectAlignmentInBytes=64 -Djmamba.gemm.bAlignFloats=12 -cp .device/lib/* dev.jmamba.app.Main"
export BASE_JAVA_CMD=".device/run -Xss8m -XX:ObjectAlignmentInBytes=64 -cp .device/lib/* dev.jmamba.app.Main"
for th in 1 2; do
  pin=$first; [ $th = 2 ] && pin=$cpus
  echo "== native, $th thread(s) on $pin, jm = B panels on 64-byte lines, base = 16 bytes off ($((SECONDS-t0)) s; load $(cut -d' ' -f1 /proc/loadavg))"
  THREADS=$th JSON=$OUT/align_t$th.jsonl timeout 70 taskset -c "$pin" python3 tensor/bench/paired_gemm.py 7 > $OUT/align_t$th.txt 2>&1
  echo "rc=$?"; grep -v '^numpy' $OUT/align_t$th.txt | grep -v '^jmamba' 
done
echo "s19e done $((SECONDS-t0)) s"
