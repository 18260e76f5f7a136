#!/usr/bin/env bash
# Session 2026-12-04 #5, last device call at the final GPU commit: the bench table (b128 224, nvidia-smi peaks, JSON in
# $OUT/b_<n>.txt), the bf16-vs-fp32 accuracy check on vmamba-nano (bf16acc.sh, 500 steps, two seeds), then every
# gpu-tagged test. Each step appends to $OUT, so a cut run keeps what finished.
export NCCL_NVLS_ENABLE=0 JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
date
SPECS="vmamba-tiny:fp32 vmamba-tiny:bf16 fractalmamba-tiny:fp32 fractalmamba-tiny:bf16 vim-tiny:fp32 vim-tiny:bf16::--graph \
localmamba-tiny:fp32 vmamba-tiny:bf16::--inference vim-tiny:bf16::--inference,--graph" bash .ci/gpu/s5.sh
date; MODELS=vmamba-nano STEPS=500 bash .ci/gpu/bf16acc.sh | tee -a $OUT/bf16acc.txt
date; bash .ci/gpu/tests.sh | tail -6
grep -B2 -A10 "✘" $OUT/gputests.log | grep -vE "^\s*at |^\s*$" | head -30
date
