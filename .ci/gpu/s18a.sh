#!/usr/bin/env bash
# Session 18's device call (issue 22, the host's CPU only; any card): jmamba's SGEMM against numpy/OpenBLAS with
# tensor/bench/paired_gemm.py (per shape, rounds of one jmamba batch and one numpy batch 0.3 s apart, ratio per round),
# the 16 model shapes, 256³ and 1024³: AVX-512 and AVX2 emulated (-XX:UseAVX=2, OPENBLAS_CORETYPE=Haswell), on 2 threads
# pinned to two distinct physical cores and on all CPUs. About 340 s. Run from the repo root after .ci/gpu/pack.sh, OUT set.
set -uo pipefail
t0=$SECONDS
lscpu | head -20 > $OUT/lscpu.txt; grep -E "Model name|^CPU\(s\)|Thread|L1d|L2|L3" $OUT/lscpu.txt
grep -o -m1 'avx512f' /proc/cpuinfo || echo "no avx512f"
source .ci/gpu/cpu-host.sh
all=$(nproc)
export ROUNDS=5 BATCH_MS=100 NP_WARMUP_S=0.3
for isa in native avx2; do
  for th in 2 $all; do paired_case $isa $th 150; done
done
echo "s18a done $((SECONDS-t0)) s"
