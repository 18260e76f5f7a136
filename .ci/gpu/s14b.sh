#!/usr/bin/env bash
# Issue 22 on the device host's CPU (session 14, after s14a.sh, whose tile probe ran the 8x32 tile at 170 GFLOP/s with B
# in L1 and ~150 from L2 while the whole one-thread GEMM ran at 78): the K blocking (KC 192 keeps a B panel in half of
# L1, the BLIS rule; the default KC 1024 streams it from L2), A packed, and a leading dimension of 4 KiB (1024³ against
# 1000³: every row of A and C in the same L1 sets); 2 threads and 1, 3 alternating rounds; numpy at 2 threads and at 1
# as the references; the tile probe first. About 150 s. Run from the repo root after .ci/gpu/pack.sh.
set -uo pipefail
t0=$SECONDS
source "$(dirname "$0")/cpu-host.sh"
tile_probe
shapes="1024,1024,1024,0,0 1000,1000,1000,0,0 1576,192,768,0,0 1536,384,196,1,0 1576,768,192,0,1"
SHAPES=$shapes THREADS=2 WARMUP_MS=100 taskset -c "$cpus" tensor/bench/gemm_variants.sh 3 "default=" \
  "kc192=-Djmamba.gemm.kc=192" "kc384=-Djmamba.gemm.kc=384" "packA=-Djmamba.gemm.directA=never" "t1=--threads 1" \
  "t1kc192=-Djmamba.gemm.kc=192 --threads 1" "t1kc384=-Djmamba.gemm.kc=384 --threads 1" 2>&1 | grep -v '^[A-Za-z0-9_]*: {'
echo "numpy, 1 thread:"
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 taskset -c "${cpus%%,*}" python3 tensor/bench/numpy_gemm.py --repeats 10 --warmup-ms 300 --cpu-ms 0 $shapes
echo "s14b done $((SECONDS - t0)) s"
