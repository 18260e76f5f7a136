#!/usr/bin/env bash
# Session 2026-12-04 #4, last device call at the final commit: the bench table first (b128 224, nvidia-smi peaks),
# then every gpu-tagged test. Each step appends to $OUT, so a cut run keeps what finished.
export NCCL_NVLS_ENABLE=0 JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
date; LINES_KEEP=1 bash .ci/gpu/bench.sh vmamba-tiny:fp32 vmamba-tiny:bf16 fractalmamba-tiny:fp32 fractalmamba-tiny:bf16 \
  vim-tiny:fp32 vim-tiny:bf16:--graph vmamba-tiny:bf16:--inference vim-tiny:bf16:--inference vim-tiny:bf16:--inference,--graph \
  | cut -c1-230 | tee -a $OUT/table.txt
date; bash .ci/gpu/tests.sh | tail -6
grep -B2 -A10 "✘" $OUT/gputests.log | grep -vE "^\s*at |^\s*$" | head -30
date
