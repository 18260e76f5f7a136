#!/usr/bin/env bash
# Session 19's third device call (issue 22, the host's CPU only; any card), replacing s19b.sh (which got no machine):
# (1) the register tiles with their panel offsets as the loop's induction variables (`ai += 3, bi += 24`: C2's 3x24
# loop then has 20 instructions per step instead of 25, 5 integer instead of 10) in .device/base-tensor.jar, first on
# the base JVM's class path: tile probes of both builds alternated, then paired_gemm.py 7 rounds with that build as the
# third side, one thread and two on distinct physical cores, AVX-512 and AVX2 emulated; (2) s19b's question: main with
# -XX:+UseTransparentHugePages as the third side, one thread, 7 rounds. About 330 s. Run from the repo root after
# .ci/gpu/pack.sh and the base jar (tensor classes of the variant build: unzip 'dev/jmamba/tensor/*' from its fat jar,
# jar cf .device/base-tensor.jar dev), OUT set.
set -uo pipefail
t0=$SECONDS
source .ci/gpu/cpu-host.sh
base=(.device/run -Xss8m -cp ".device/base-tensor.jar:.device/lib/*" dev.jmamba.app.Main)
first=${cpus%%,*}
for r in 1 2; do
  for isa in native avx2; do
    flag=(); [ $isa = avx2 ] && flag=(-XX:UseAVX=2)
    echo "== tile probe round $r, $isa, main ($((SECONDS-t0)) s)"
    taskset -c $first .device/run "${flag[@]}" -Xss8m -cp ".device/lib/*" dev.jmamba.app.Main bench gemm --tile-probe 2>/dev/null | grep -v '^sgemm'
    echo "== tile probe round $r, $isa, induction variables"
    taskset -c $first .device/run "${flag[@]}" -Xss8m -cp ".device/base-tensor.jar:.device/lib/*" dev.jmamba.app.Main bench gemm --tile-probe 2>/dev/null | grep -v '^sgemm'
  done
done
export BATCH_MS=80 GAP_S=0.25 NP_WARMUP_S=0.3 SHAPES="1024,1024,1024,0,0 1576,768,192,0,1 196,1536,384,0,1 197,192,384,1,1"
export BASE_JAVA_CMD="${base[*]}"
for isa in native avx2; do
  for th in 1 2; do
    pin=$first; [ $th = 2 ] && pin=$cpus; avx=""; [ $isa = avx2 ] && avx=1
    echo "== $isa, $th thread(s) on $pin, base = induction variables ($((SECONDS-t0)) s; load $(cut -d' ' -f1 /proc/loadavg))"
    AVX2=$avx THREADS=$th JSON=$OUT/iv_${isa}_t$th.jsonl timeout 70 taskset -c "$pin" python3 tensor/bench/paired_gemm.py 7 > $OUT/iv_${isa}_t$th.txt 2>&1
    echo "rc=$?"; grep -v '^jmamba:\|^numpy' $OUT/iv_${isa}_t$th.txt
  done
done
echo "== native, 1 thread, base = THP ($((SECONDS-t0)) s; load $(cut -d' ' -f1 /proc/loadavg))"
SHAPES="1024,1024,1024,0,0 1576,768,192,0,1" BASE_JAVA_CMD=".device/run -Xss8m -XX:+UseTransparentHugePages -cp .device/lib/* dev.jmamba.app.Main" \
  THREADS=1 JSON=$OUT/thp_t1.jsonl timeout 60 taskset -c $first python3 tensor/bench/paired_gemm.py 7 > $OUT/thp_t1.txt 2>&1
echo "rc=$?"; grep -v '^jmamba:\|^numpy' $OUT/thp_t1.txt
echo "s19c done $((SECONDS-t0)) s"
