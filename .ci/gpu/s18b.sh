#!/usr/bin/env bash
# Session 18's second device call (issue 22, the host's CPU only; any card): this build's SGEMM against numpy/OpenBLAS
# and against main's SGEMM before session 18 (the tensor classes of main@ae08b96 in .device/base-tensor.jar, first on the
# class path of the base JVM) with tensor/bench/paired_gemm.py: per shape, rounds of one batch of each side 0.25 s
# apart, each side first in turn. The 16 model shapes, 256³ and 1024³; AVX-512 and AVX2 emulated, 2 threads pinned to
# two distinct physical cores and all CPUs. About 470 s. Run from the repo root after .ci/gpu/pack.sh (and the base jar),
# OUT set.
# The base jar: build the base commit (here ae08b96, whose SGEMM is main@87f4f70's), then from its fat jar
#   mkdir /tmp/bt && cd /tmp/bt && unzip -q <checkout>/train-app/target/jmamba.jar 'dev/jmamba/tensor/*' && jar cf <repo>/.device/base-tensor.jar dev
set -uo pipefail
t0=$SECONDS
grep -m1 "model name" /proc/cpuinfo; nproc
source .ci/gpu/cpu-host.sh
all=$(nproc)
export ROUNDS=5 BATCH_MS=80 GAP_S=0.25 NP_WARMUP_S=0.3
export BASE_JAVA_CMD=".device/run -Xss8m -cp .device/base-tensor.jar:.device/lib/* dev.jmamba.app.Main"
for isa in native avx2; do
  for th in 2 $all; do paired_case $isa $th 135; done
done
echo "s18b done $((SECONDS-t0)) s"
