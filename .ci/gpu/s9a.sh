#!/usr/bin/env bash
# session 9 call 1: baseline benches, ncu detail of the channel norms, whole gpu suite
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
STEPS=6 LINES_KEEP=2 bash .ci/gpu/bench.sh fractalmamba-tiny:bf16 fractalmamba-tiny:bf16:--graph vmamba-tiny:bf16 vmamba-tiny:bf16:--graph 2>&1 | grep -E "==|img_per_s|\{" | cut -c1-400
echo "benches done $((SECONDS-t0)) s"
KERNELS='regex:layer_norm_channels|layer_norm_gated' SKIP=30 COUNT=8 LINES_MAX=200 timeout 120 bash .ci/gpu/ncu-detail.sh lnc bench train --model fractalmamba-tiny --device cuda --precision bf16 --batch-size 128 --steps 1 --warmup 1
echo "ncu done $((SECONDS-t0)) s"
timeout $((560-SECONDS)) bash .ci/gpu/tests.sh
echo "tests done $((SECONDS-t0)) s"
