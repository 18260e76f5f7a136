#!/usr/bin/env bash
# Lead's verification call (one device call, < 10 min): every gpu-tagged test of every module, then the determinism
# timings (scan backward: fixed-order sums vs float atomics), nccl.sh and nvtrain.sh without their JUnit parts. Logs under $OUT.
export NCCL_NVLS_ENABLE=0 JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
date; bash .ci/gpu/tests.sh
grep -B1 -A6 "✘" $OUT/gputests.log | grep -vE "^\s*at |^\s*$" | head -40
date; bash .ci/gpu/determinism.sh bench
date; SKIP_JUNIT=1 bash .ci/gpu/nccl.sh
date
date; SKIP_JUNIT=1 timeout 200 bash .ci/gpu/nvtrain.sh; date
