#!/usr/bin/env bash
# The lead's end-of-session verification (one device call, about 7 minutes; run from the repo root after .ci/device-pack,
# with a Fashion-MNIST subset in .device/fmnist for step 4 — see bf16acc.sh):
#   1. every gpu-tagged test (.ci/gpu/tests.sh), failures with their messages
#   2. bench train b128 224 for the four tiny backbones, fp32 and bf16, Vim-T bf16 --graph, inference bf16
#   3. bf16 activations on and off (-Djmamba.autocast.bf16Activations=false: only the products' operands in bf16) for
#      VMamba-T and FractalMamba-T training and VMamba-T inference, with nvidia-smi peaks
#   4. bf16acc.sh: vmamba-nano and fractalmamba-nano trained in fp32 and bf16, two seeds (MODELS, STEPS to change)
export NCCL_NVLS_ENABLE=0 JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
date; bash .ci/gpu/tests.sh | tail -6
grep -B2 -A10 "✘" $OUT/gputests.log | grep -vE "^\s*at |^\s*$" | head -40
date; LINES_KEEP=1 bash .ci/gpu/bench.sh vmamba-tiny:fp32 vmamba-tiny:bf16 fractalmamba-tiny:fp32 fractalmamba-tiny:bf16 \
  localmamba-tiny:fp32 vim-tiny:fp32 vim-tiny:bf16 vim-tiny:bf16:--graph vmamba-tiny:bf16:--inference vim-tiny:bf16:--inference | cut -c1-200
ab() {   # name, jvm flag, bench args...
  local name=$1 flag=$2; shift 2
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > /tmp/smi_ab_$name.txt &
  local smi=$!
  .device/run $flag -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --device cuda --batch-size 128 --steps 5 --warmup 2 --json "$@" \
    > /tmp/ab_$name.txt 2>&1
  kill $smi; wait $smi 2>/dev/null
  echo "== $name $flag smi_peak_mib=$(sort -n /tmp/smi_ab_$name.txt | tail -1)"
  grep -v WARNING /tmp/ab_$name.txt | tee -a $OUT/bench.log | head -1 | cut -c1-200
}
for flag in false true; do
  ab vmamba-bf16act-$flag -Djmamba.autocast.bf16Activations=$flag --model vmamba-tiny --precision bf16
  ab fractal-bf16act-$flag -Djmamba.autocast.bf16Activations=$flag --model fractalmamba-tiny --precision bf16
  ab vmamba-inference-bf16act-$flag -Djmamba.autocast.bf16Activations=$flag --model vmamba-tiny --precision bf16 --inference
done
date; MODELS="${ACC_MODELS:-vmamba-nano fractalmamba-nano}" STEPS=${ACC_STEPS:-500} bash .ci/gpu/bf16acc.sh
date
