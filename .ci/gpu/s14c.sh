#!/usr/bin/env bash
# Issue 22 on the device host's CPU (session 14, after s14b.sh): the tile probe (FMA ceiling timed last), then jmamba's
# one-thread and two-thread GEMM against numpy on one thread, 5 alternating rounds, all on the same host in one call,
# to tell whether the one-thread gap to OpenBLAS is the register tile's. About 150 s. Repo root, after .ci/gpu/pack.sh.
set -uo pipefail
t0=$SECONDS
source "$(dirname "$0")/cpu-host.sh"
tile_probe
SHAPES="1024,1024,1024,0,0 1576,768,192,0,1" THREADS=1 WARMUP_MS=200 taskset -c "$cpus" tensor/bench/gemm_variants.sh 5 \
  "t1=" "t2=--threads 2" 2>&1 | grep -v '^[A-Za-z0-9_]*: {'
tile_probe
echo "s14c done $((SECONDS - t0)) s"
