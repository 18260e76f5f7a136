#!/usr/bin/env bash
# Issue 22 on the device host's CPU (session 14, after s14b.sh): the tile probe (FMA ceiling timed last), then jmamba's
# one-thread and two-thread GEMM against numpy on one thread, 5 alternating rounds, all on the same host in one call,
# to tell whether the one-thread gap to OpenBLAS is the register tile's. About 150 s. Repo root, after .ci/gpu/pack.sh.
set -uo pipefail
t0=$SECONDS
export JAVA_CMD=${JAVA_CMD:-".device/run -Xss8m -cp .device/lib/* dev.jmamba.app.Main"}
read -r -a jcmd <<<"$JAVA_CMD"
grep -m1 "model name" /proc/cpuinfo; echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
cpus=$(lscpu -p=CPU,CORE,SOCKET | grep -v '^#' | awk -F, '!seen[$2 "," $3]++ {print $1}' | head -2 | paste -sd,)
taskset -c "${cpus%%,*}" "${jcmd[@]}" bench gemm --tile-probe 2>/dev/null | grep -v '^sgemm'
SHAPES="1024,1024,1024,0,0 1576,768,192,0,1" THREADS=1 WARMUP_MS=200 taskset -c "$cpus" tensor/bench/gemm_variants.sh 5 \
  "t1=" "t2=--threads 2" 2>&1 | grep -v '^[A-Za-z0-9_]*: {'
taskset -c "${cpus%%,*}" "${jcmd[@]}" bench gemm --tile-probe 2>/dev/null | grep -v '^sgemm'
echo "s14c done $((SECONDS - t0)) s"
