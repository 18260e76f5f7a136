#!/usr/bin/env bash
# Session 2026-12-04 #6, the last device call: every gpu-tagged test, then the issue 14 table (VMamba-T, FractalMamba-T and
# Vim-T (LocalMamba-T: no code it runs changed this session), with nvidia-smi peaks; JSON in $OUT/b_<n>.txt), then the CPU GEMM comparison
# of issue 22 on this host when GEMM=1 (.ci/gpu/gemm.sh).
export NCCL_NVLS_ENABLE=0 JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
date; bash .ci/gpu/tests.sh | tail -6
grep -B2 -A10 "✘" $OUT/gputests.log | grep -vE "^\s*at |^\s*$" | head -30
date; SPECS="${SPECS_OVERRIDE:-vmamba-tiny:bf16 fractalmamba-tiny:bf16 vmamba-tiny:fp32 fractalmamba-tiny:fp32 vim-tiny:bf16::--graph vim-tiny:fp32} ${EXTRA_SPECS}" bash .ci/gpu/s5.sh
date
if [ -n "$GEMM" ] && [ -f .ci/gpu/gemm.sh ]; then bash .ci/gpu/gemm.sh; date; fi
