#!/usr/bin/env bash
# The lead's end-of-session verification (one device call, about 5 minutes; run from the repo root after .ci/device-pack):
#   1. every gpu-tagged test (.ci/gpu/tests.sh), failures with their messages
#   2. bench train b128 224 for the four tiny backbones, fp32 and bf16, Vim-T bf16 --graph, inference bf16
#   3. the two switches measured against their alternative in the same call: LocalMamba's split contractions
#      (-Djmamba.cuda.splitK=on) and the causal conv1d forward in runs (-Djmamba.conv1d.runs=false: the old kernel)
export NCCL_NVLS_ENABLE=0 JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
date; bash .ci/gpu/tests.sh | tail -6
grep -B2 -A10 "✘" $OUT/gputests.log | grep -vE "^\s*at |^\s*$" | head -40
date; LINES_KEEP=1 bash .ci/gpu/bench.sh vmamba-tiny:fp32 vmamba-tiny:bf16 fractalmamba-tiny:fp32 fractalmamba-tiny:bf16 \
  localmamba-tiny:fp32 vim-tiny:fp32 vim-tiny:bf16 vim-tiny:bf16:--graph vmamba-tiny:bf16:--inference vim-tiny:bf16:--inference | cut -c1-200
ab() {   # name, jvm flag, bench args...
  local name=$1 flag=$2; shift 2
  echo "== $name $flag"
  .device/run $flag -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --device cuda --batch-size 128 --steps 5 --warmup 2 --json "$@" \
    2>&1 | grep -v WARNING | tee -a $OUT/bench.log | head -1 | cut -c1-200
}
ab localmamba-splitK -Djmamba.cuda.splitK=on --model localmamba-tiny --precision fp32
ab vim-inference-conv1d-old -Djmamba.conv1d.runs=false --model vim-tiny --precision bf16 --inference
ab vim-inference-conv1d-runs -Djmamba.conv1d.runs=true --model vim-tiny --precision bf16 --inference
date
