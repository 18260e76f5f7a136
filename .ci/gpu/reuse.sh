#!/usr/bin/env bash
# A/B of -Djmamba.cuda.reuseFreeSegments (bench train with nvidia-smi peaks), then the allocator's and the graphed
# step's gpu tests with it on. One device call, about 3 minutes.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
for spec in ${SPECS:-vmamba-tiny:bf16:true vmamba-tiny:bf16:false vmamba-tiny:fp32:true fractalmamba-tiny:bf16:true}; do
  IFS=: read m p on <<< "$spec"
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > /tmp/smi_r.txt &
  smi=$!
  .device/run -Djmamba.cuda.reuseFreeSegments=$on -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $m --device cuda \
    --batch-size 128 --steps 5 --warmup 2 --precision $p --json > /tmp/r.txt 2>&1
  kill $smi; wait $smi 2>/dev/null
  echo "== $m $p reuseFreeSegments=$on smi_peak_mib=$(sort -n /tmp/smi_r.txt | tail -1) $(grep -o '"img_per_s":[0-9.]*' /tmp/r.txt)" | tee -a $OUT/reuse.txt
done
.device/run -Djmamba.cuda.reuseFreeSegments=true -cp '.device/lib/*' org.junit.platform.console.ConsoleLauncher execute \
  $(for j in .device/lib/*-tests.jar; do echo --scan-classpath $j; done) --include-tag gpu \
  --include-classname ".*(CachingAllocatorGpuTest|GraphedStepGpuTest).*" --details=tree --disable-banner > $OUT/reusetests.log 2>&1
grep -E "✘|tests (found|successful|failed)" $OUT/reusetests.log | head
