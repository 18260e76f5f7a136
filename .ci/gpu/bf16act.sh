#!/usr/bin/env bash
# bf16 activations (scan path, MLP bias+GELU; session 2026-12-04 #3): the gpu tests of the touched kernels, then VMamba-T / FractalMamba-T / Vim-T
# bench train b128 224 with the bf16 activations on and off (-Djmamba.autocast.bf16Activations=false) in the same call,
# nvidia-smi peaks, and one --profile of VMamba-T bf16 (op table + memory breakdown). Run from the repo root after
# .ci/device-pack; about 4 minutes.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
date; bash .ci/gpu/lead.sh "${TESTS:-SelectiveScanBf16GpuTest|BiasActivationBf16GpuTest|CudaScan2dGpuTest|SelectiveScanOpGpuTest|SelectiveScanCudaGpuTest|SelectiveScanDeterminismGpuTest|ParityGpuTest|VimMixerGpuTest|CudaBackend}"
grep -B2 -A12 "✘" $OUT/leadtests.log | grep -vE "^\s*at |^\s*$" | head -60
ab() {   # name, jvm flag, bench args...
  local name=$1 flag=$2; shift 2
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > /tmp/smi_$name.txt &
  local smi=$!
  .device/run $flag -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --device cuda --batch-size 128 --steps ${STEPS:-5} --warmup 2 --json "$@" \
    > /tmp/out_$name.txt 2>&1
  kill $smi; wait $smi 2>/dev/null
  echo "== $name $flag smi_peak_mib=$(sort -n /tmp/smi_$name.txt | tail -1)"
  grep -v WARNING /tmp/out_$name.txt | tee -a $OUT/bench.log | head -${LINES_KEEP:-1} | cut -c1-${CUT:-260}
}
date
for round in 1 2; do
  ab vmamba-bf16act-on -Djmamba.autocast.bf16Activations=true --model vmamba-tiny --precision bf16
  ab vmamba-bf16act-off -Djmamba.autocast.bf16Activations=false --model vmamba-tiny --precision bf16
done
ab fractal-bf16act-on -Djmamba.autocast.bf16Activations=true --model fractalmamba-tiny --precision bf16
ab fractal-bf16act-off -Djmamba.autocast.bf16Activations=false --model fractalmamba-tiny --precision bf16
ab vmamba-fp32 -Djmamba.autocast.bf16Activations=true --model vmamba-tiny --precision fp32
ab vim-bf16 -Djmamba.autocast.bf16Activations=true --model vim-tiny --precision bf16
ab vmamba-inference-on -Djmamba.autocast.bf16Activations=true --model vmamba-tiny --precision bf16 --inference
ab vmamba-inference-off -Djmamba.autocast.bf16Activations=false --model vmamba-tiny --precision bf16 --inference
LINES_KEEP=60 CUT=160 ab vmamba-bf16act-profile -Djmamba.autocast.bf16Activations=true --model vmamba-tiny --precision bf16 --profile
date
