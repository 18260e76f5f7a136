#!/usr/bin/env bash
# Lead's verification call, part A (one device call, < 10 min): every gpu-tagged test of every module, the
# determinism timings (scan backward with fixed-order sums vs float atomics) and the NCCL runs of nccl.sh
# without its JUnit part (which tests.sh already ran). Logs under $OUT.
export NCCL_NVLS_ENABLE=0 JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
date; bash .ci/gpu/tests.sh
grep -B1 -A6 "✘" $OUT/gputests.log | grep -vE "^\s*at |^\s*$" | head -40
date; echo "== determinism timings"
sed -n '/^echo "== bench scan/,$p' .ci/gpu/determinism.sh > /tmp/det-bench.sh
OUT=$OUT bash -c "$(sed -n '1,/^nvidia-smi/p' .ci/gpu/determinism.sh | grep -v '^nvidia-smi'); $(cat /tmp/det-bench.sh)"
date; echo "== nccl runs"
SKIP_JUNIT=1 bash .ci/gpu/nccl.sh
date
