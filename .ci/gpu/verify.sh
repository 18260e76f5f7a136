#!/usr/bin/env bash
# Lead's verification call (one device call, < 10 min). Parts (default: tests determinism nccl nvtrain):
#   tests        every gpu-tagged test of every module (.ci/gpu/tests.sh), failures with their messages
#   determinism  scan backward and vim-tiny training with fixed-order sums vs float atomics (.ci/gpu/determinism.sh bench)
#   nccl         .ci/gpu/nccl.sh without its JUnit part
#   nvtrain      .ci/gpu/nvtrain.sh without its JUnit part (train on 6400 JPEGs: host decoder, nvJPEG, --graph, recipe)
#   hosttrain    only nvtrain.sh's data set and its host-decoder train run (epoch boundary in the records)
#   bench        bench train b128 fp32 for vmamba/fractalmamba/localmamba/vim-tiny and bf16 for vmamba/vim-tiny
# Logs under $OUT.
export NCCL_NVLS_ENABLE=0 JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
parts=${*:-tests determinism nccl nvtrain}
for part in $parts; do
  date; echo "=== $part"
  case $part in
    tests) bash .ci/gpu/tests.sh; grep -B1 -A6 "✘" $OUT/gputests.log | grep -vE "^\s*at |^\s*$" | head -40 ;;
    determinism) bash .ci/gpu/determinism.sh bench ;;
    nccl) SKIP_JUNIT=1 bash .ci/gpu/nccl.sh ;;
    nvtrain) SKIP_JUNIT=1 timeout 240 bash .ci/gpu/nvtrain.sh ;;
    hosttrain) SKIP_JUNIT=1 ONLY_HOST=1 timeout 120 bash .ci/gpu/nvtrain.sh ;;
    bench) LINES_KEEP=1 bash .ci/gpu/bench.sh vmamba-tiny:fp32 fractalmamba-tiny:fp32 localmamba-tiny:fp32 vim-tiny:fp32 \
             vmamba-tiny:bf16 vim-tiny:bf16 | cut -c1-330 ;;
    *) echo "unknown part $part" ;;
  esac
done
date
