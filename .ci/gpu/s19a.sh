#!/usr/bin/env bash
# Session 19's device call (issue 22, the host's CPU only; any card): main's SGEMM against numpy/OpenBLAS with a third
# side that is the same build with another setting, paired_gemm.py, 5 rounds: all 18 shapes on 2 threads pinned to two
# distinct physical cores with KC 384 as the third side (AVX-512, then AVX2 emulated); one thread, three shapes, with
# transparent huge pages as the third side; five tall shapes on all CPUs. About 450 s. Run from the repo root after
# .ci/gpu/pack.sh, OUT set.
set -uo pipefail
t0=$SECONDS
nproc; lscpu | grep -E "^(Model name|L1d|L2|L3|Flags)" | sed 's/^Flags:.*/flags: avx2 '"$(grep -c avx2 /proc/cpuinfo)"' cpus, avx512f '"$(grep -c avx512f /proc/cpuinfo)"' cpus/'
cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
source .ci/gpu/cpu-host.sh
echo "== tile probe ($((SECONDS-t0)) s)"; tile_probe
export ROUNDS=5 BATCH_MS=80 GAP_S=0.25 NP_WARMUP_S=0.3
export BASE_JAVA_CMD=".device/run -Xss8m -Djmamba.gemm.kc=384 -cp .device/lib/* dev.jmamba.app.Main"
for isa in native avx2; do paired_case $isa 2 140; done
echo "== native, 1 thread, base = transparent huge pages ($((SECONDS-t0)) s; load $(cut -d' ' -f1 /proc/loadavg))"
BASE_JAVA_CMD=".device/run -Xss8m -XX:+UseTransparentHugePages -cp .device/lib/* dev.jmamba.app.Main" \
  SHAPES="1024,1024,1024,0,0 1576,768,192,0,1 196,1536,384,0,1" THREADS=1 JSON=$OUT/paired_native_t1_thp.jsonl \
  timeout 60 taskset -c "${cpus%%,*}" python3 tensor/bench/paired_gemm.py 5 > $OUT/paired_native_t1_thp.txt 2>&1
echo "rc=$?"; grep -v '^jmamba:\|^numpy' $OUT/paired_native_t1_thp.txt
echo "== native, $(nproc) threads, base = KC 384 ($((SECONDS-t0)) s; load $(cut -d' ' -f1 /proc/loadavg))"
SHAPES="1024,1024,1024,0,0 196,1536,384,0,1 196,384,1536,0,1 3136,96,384,0,1 1536,384,196,1,0" THREADS=$(nproc) \
  JSON=$OUT/paired_native_tall.jsonl timeout 60 python3 tensor/bench/paired_gemm.py 5 > $OUT/paired_native_tall.txt 2>&1
echo "rc=$?"; grep -v '^jmamba:\|^numpy' $OUT/paired_native_tall.txt
echo "s19a done $((SECONDS-t0)) s"
