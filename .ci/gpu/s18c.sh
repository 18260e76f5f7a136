#!/usr/bin/env bash
# Session 18's third device call (issue 22, the host's CPU only; any card): the final build's SGEMM against numpy/OpenBLAS
# and main's SGEMM before session 18 (.device/base-tensor.jar first on the base JVM's class path), paired_gemm.py, 5 rounds:
# all 18 shapes on 2 threads pinned to two distinct physical cores, AVX-512 and AVX2 emulated; then five shapes on all
# CPUs, AVX-512. About 330 s. Run from the repo root after .ci/gpu/pack.sh and the base jar, OUT set.
# The base jar: build the base commit (here ae08b96, whose SGEMM is main@87f4f70's), then from its fat jar
#   mkdir /tmp/bt && cd /tmp/bt && unzip -q <checkout>/train-app/target/jmamba.jar 'dev/jmamba/tensor/*' && jar cf <repo>/.device/base-tensor.jar dev
set -uo pipefail
t0=$SECONDS
grep -m1 "model name" /proc/cpuinfo; nproc
source .ci/gpu/cpu-host.sh
export ROUNDS=5 BATCH_MS=80 GAP_S=0.25 NP_WARMUP_S=0.3
export BASE_JAVA_CMD=".device/run -Xss8m -cp .device/base-tensor.jar:.device/lib/* dev.jmamba.app.Main"
for isa in native avx2; do paired_case $isa 2 140; done
echo "== native, $(nproc) threads ($((SECONDS-t0)) s; load $(cut -d' ' -f1 /proc/loadavg))"
SHAPES="1024,1024,1024,0,0 196,1536,384,0,1 196,384,1536,0,1 3136,96,384,0,1 1536,384,196,1,0" THREADS=$(nproc) \
  JSON=$OUT/paired_native_tall.jsonl timeout 60 python3 tensor/bench/paired_gemm.py 5 > $OUT/paired_native_tall.txt 2>&1
echo "rc=$?"; grep -v '^jmamba:\|^numpy' $OUT/paired_native_tall.txt
echo "s18c done $((SECONDS-t0)) s"
