#!/usr/bin/env bash
# Session 2026-12-04 #4 check: the new kernels' gpu tests, then bench + profile of the 2D family (one device call).
export NCCL_NVLS_ENABLE=0 JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
date; bash .ci/gpu/lead.sh "${TESTS:-CudaBackendLayerNormBf16Test|CudaBackendReduceTest|CudaBackendActivationGradTest|CudaBackendLayerNormTest|AutocastGpu|ParityGpuTest}"
date; LINES_KEEP=2 bash .ci/gpu/bench.sh ${BENCH:-vmamba-tiny:fp32 vmamba-tiny:bf16 fractalmamba-tiny:bf16 fractalmamba-tiny:fp32} | cut -c1-260
date; bash .ci/gpu/prof.sh ${PROF:-vmamba-tiny:bf16}
date
