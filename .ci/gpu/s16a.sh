#!/usr/bin/env bash
# Session 16's first device call. Issue 14: the split-K sweep (MatmulSplitSweep: each long-contraction product of both
# models' step at 1, 2, 4, ... chunks), the 2-D mixers' fused conv and gated-norm kernels against a copy's bandwidth
# (Ss2dOpsSweep), the fused hidden-norm scan per stage (HiddenNormScanSweep), and which of FractalMamba-T's 318 matmuls cost its extra GEMM time against
# VMamba-T (fp32 b128 --profile with -Djmamba.profile.matmuls=detail: one row per shape and operand layout, device
# ms with every op synchronised), both models' steps timed once more. Issue 22 (any card): the privateB experiment
# against the shared B panels on the host's CPU, 2 threads on the nearest core pair's first two CPUs. About 200 s.
# Run from the repo root after .ci/gpu/pack.sh, with OUT set.
set -uo pipefail
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 150 .device/run -cp '.device/lib/*' dev.jmamba.tensor.cuda.MatmulSplitSweep > $OUT/split-sweep.txt 2>&1
echo "split sweep rc=$? t=$((SECONDS-t0))"; grep '^{' $OUT/split-sweep.txt
timeout 100 .device/run -cp '.device/lib/*' dev.jmamba.tensor.cuda.Ss2dOpsSweep > $OUT/ss2d-ops.txt 2>&1
echo "ss2d ops rc=$? t=$((SECONDS-t0))"; grep '^{' $OUT/ss2d-ops.txt
timeout 100 .device/run -cp '.device/lib/*' dev.jmamba.ssm.cuda.HiddenNormScanSweep > $OUT/hidden-norm-scan.txt 2>&1
echo "hidden norm scan rc=$? t=$((SECONDS-t0))"; grep '^{' $OUT/hidden-norm-scan.txt; grep -m3 -i "exception\|error" $OUT/*.txt
for m in fractalmamba-tiny vmamba-tiny; do
  timeout 120 .device/run -Xss8m -Djmamba.profile.matmuls=detail -cp '.device/lib/*' dev.jmamba.app.Main bench train \
    --model $m --device cuda --batch-size 128 --steps 6 --warmup 2 --precision fp32 --profile > $OUT/$m-detail.txt 2>&1
  echo "$m rc=$? t=$((SECONDS-t0)) $(grep -m1 '^train' $OUT/$m-detail.txt)"
done
for m in fractalmamba-tiny vmamba-tiny; do
  timeout 90 .device/run -Xss8m -Djmamba.cuda.splitK=on -Djmamba.cuda.splitK.batched=false -cp '.device/lib/*' \
    dev.jmamba.app.Main bench train --model $m --device cuda --batch-size 128 --steps 6 --warmup 2 --precision fp32 \
    > /tmp/sk.log 2>&1
  echo "$m splitK on, batched false: rc=$? t=$((SECONDS-t0)) $(grep -m1 '^train' /tmp/sk.log)"
done
echo "== issue 22: privateB on the host CPU ($((SECONDS-t0)) s)"
source .ci/gpu/cpu-host.sh
SHAPES="1024,1024,1024,0,0 1576,768,192,0,1 1536,384,196,1,0 3136,96,384,0,1" THREADS=2 WARMUP_MS=100 \
  taskset -c "$cpus" tensor/bench/gemm_variants.sh 3 "shared=" "private=-Djmamba.gemm.privateB=true" 2>&1 \
  | grep -v ': {' | tee $OUT/privateB.txt | tail -12
echo "s16a done $((SECONDS-t0)) s"
