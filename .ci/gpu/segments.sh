#!/usr/bin/env bash
# A/B of the caching allocator's shared large segments (-Djmamba.cuda.segmentMiB): bench train per setting, with the
# whole process's nvidia-smi peak. usage: SEGMENTS="0 512 2048" bash .ci/gpu/segments.sh vmamba-tiny:bf16 ...
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
for spec in "$@"; do
  IFS=: read m p extra <<< "$spec"
  for seg in ${SEGMENTS:-0 512 2048}; do
    nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > /tmp/smi_seg.txt &
    smi=$!
    .device/run -Djmamba.cuda.segmentMiB=$seg -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $m --device cuda \
      --batch-size 128 --steps ${STEPS:-5} --warmup 2 --precision $p --json ${extra//,/ } > /tmp/seg.txt 2>&1
    kill $smi; wait $smi 2>/dev/null
    echo "== $spec segmentMiB=$seg smi_peak_mib=$(sort -n /tmp/smi_seg.txt | tail -1) $(grep -o '"img_per_s":[0-9.]*' /tmp/seg.txt)"
  done
done
