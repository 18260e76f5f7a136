#!/usr/bin/env bash
# Issue 22 on the device host's CPU (session 14; the GPU stays idle). Prints the JVM's vector flags, then runs
# tensor/bench/gemm_variants.sh on 2 pinned cores, natively and with AVX2 emulated, over the shapes that lost on this
# kind of host (one loaded round, 2026-12-04 #6), to find which part of the SGEMM loses there: A packed instead of read
# in place, KC 256, the blocking of a 1 MiB L2, 256-bit vectors, other tile rows, one thread. Then the full
# .ci/gpu/gemm.sh (3 rounds; native and AVX2; 2 and 16 threads) for the issue's headline ratios. About 400 s.
# Run from the repo root after .ci/gpu/pack.sh, with OUT set. ROUNDS (3) and SKIP_GEMM_SH=1 shorten it for a dry run.
set -uo pipefail
t0=$SECONDS
rounds=${ROUNDS:-3}
source "$(dirname "$0")/cpu-host.sh"
"${jcmd[0]}" -XX:+PrintFlagsFinal -version 2>/dev/null | grep -E " (UseAVX|MaxVectorSize|UseFMA) " | tr -s ' '
shapes="1024,1024,1024,0,0 256,256,256,0,0 1576,768,192,0,1 1576,192,768,0,0 1536,384,196,1,0 3136,96,384,0,1 48,192,1600,1,0 50,19,96,1,1"
echo "== native, 2 threads on cpus $cpus"
SHAPES=$shapes THREADS=2 WARMUP_MS=100 taskset -c "$cpus" tensor/bench/gemm_variants.sh "$rounds" "default=" \
  "packA=-Djmamba.gemm.directA=never" "kc256=-Djmamba.gemm.kc=256" "l2_1M=-Djmamba.gemm.l2=1048576" \
  "v256=-Djmamba.gemm.vbits=256" "mr12=-Djmamba.gemm.mr=12" "t1=--threads 1" 2>&1 | tee "$OUT/variants-native.txt" | grep -v '^[A-Za-z0-9_]*: {'
echo "== AVX2 emulated, 2 threads on cpus $cpus ($((SECONDS - t0)) s)"
AVX2=1 SHAPES=$shapes THREADS=2 WARMUP_MS=100 taskset -c "$cpus" tensor/bench/gemm_variants.sh "$rounds" "default=" \
  "packA=-Djmamba.gemm.directA=never" "kc256=-Djmamba.gemm.kc=256" "mr4=-Djmamba.gemm.mr=4" "t1=--threads 1" 2>&1 \
  | tee "$OUT/variants-avx2.txt" | grep -v '^[A-Za-z0-9_]*: {'
grep -h -m1 '"gemm-kernel"' "$OUT/variants-native.txt" "$OUT/variants-avx2.txt" | cut -c1-400
echo "variants done $((SECONDS - t0)) s"
[ -n "${SKIP_GEMM_SH:-}" ] || OUT=$OUT/gemm ROUNDS=$rounds bash .ci/gpu/gemm.sh > /dev/null 2>&1
[ -n "${SKIP_GEMM_SH:-}" ] || cat "$OUT/gemm/gemm_summary.txt"
echo "s14a done $((SECONDS - t0)) s"
