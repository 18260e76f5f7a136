#!/usr/bin/env bash
# Session 2026-12-04 #4 end-of-session verification (one device call, under 10 minutes; from the repo root after
# .ci/device-pack, Fashion-MNIST subset in .device/fmnist for step 4). Each step appends to $OUT, so a cut run keeps
# what finished: 1. every gpu-tagged test; 2. bench train table (b128 224) with nvidia-smi peaks; 3. A/B of the 3x3
# depthwise plane kernel (-Djmamba.dwconv.plane3=false); 4. bf16 vs fp32 accuracy of vmamba-nano and fractalmamba-nano.
export NCCL_NVLS_ENABLE=0 JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
date; bash .ci/gpu/tests.sh | tail -6
grep -B2 -A10 "✘" $OUT/gputests.log | grep -vE "^\s*at |^\s*$" | head -30
date; LINES_KEEP=1 bash .ci/gpu/bench.sh vmamba-tiny:fp32 vmamba-tiny:bf16 fractalmamba-tiny:fp32 fractalmamba-tiny:bf16 \
  localmamba-tiny:fp32 vim-tiny:fp32 vim-tiny:bf16:--graph vmamba-tiny:bf16:--inference vim-tiny:bf16:--inference \
  vim-tiny:bf16:--inference,--graph | cut -c1-230 | tee -a $OUT/table.txt
date; for m in vmamba-tiny:fp32 vmamba-tiny:bf16; do
  IFS=: read model p <<< "$m"
  .device/run -Djmamba.dwconv.plane3=false -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $model --device cuda \
    --batch-size 128 --steps 5 --warmup 2 --precision $p --json 2>&1 | grep -v WARNING | head -1 | cut -c1-200 | sed 's/^/plane3=false /' | tee -a $OUT/table.txt
done
date; MODELS="vmamba-nano fractalmamba-nano" STEPS=500 bash .ci/gpu/bf16acc.sh | tee -a $OUT/acc.txt
date
