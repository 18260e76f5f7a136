#!/usr/bin/env bash
# Session 2026-12-04 #5, the last device call (after the bf16 causal conv and the review mends): every gpu-tagged
# test, then the models whose code moved since final6.sh (bench table with nvidia-smi peaks, JSON in $OUT/b_<n>.txt).
export NCCL_NVLS_ENABLE=0 JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
date; bash .ci/gpu/tests.sh | tail -6
grep -B2 -A10 "✘" $OUT/gputests.log | grep -vE "^\s*at |^\s*$" | head -30
date; SPECS="vim-tiny:bf16::--graph vim-tiny:fp32 vmamba-tiny:bf16 vmamba-tiny:fp32" bash .ci/gpu/s5.sh
date
