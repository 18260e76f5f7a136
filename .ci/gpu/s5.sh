#!/usr/bin/env bash
# One device call: the gpu-tagged tests whose class matches $TESTS (a regex; none when unset), then `bench train`
# per spec with the whole-process nvidia-smi peak. spec = model:precision[:jvm flags][:bench flags], flags comma
# separated, e.g. vmamba-tiny:bf16:-Djmamba.autocast.recomputeNormOutputs=false  vim-tiny:bf16::--graph
# Summary lines go to $OUT/s5.txt; each run's output to $OUT/b_<n>.txt.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
if [ -n "$TESTS" ]; then
  .device/run -cp '.device/lib/*' org.junit.platform.console.ConsoleLauncher execute \
    $(for j in .device/lib/*-tests.jar; do echo --scan-classpath $j; done) --include-tag gpu \
    --include-classname "$TESTS" --details=tree --disable-banner > $OUT/tests.log 2>&1
  grep -E "✘|tests (found|successful|failed)" $OUT/tests.log | head -30 | tee -a $OUT/s5.txt
fi
n=0
for spec in $SPECS; do
  n=$((n + 1))
  IFS=: read m p jflags bflags <<< "$spec"
  nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 100 > /tmp/smi_s5.txt &
  smi=$!
  .device/run ${jflags//,/ } -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $m --device cuda \
    --batch-size ${BATCH:-128} --steps ${STEPS:-5} --warmup 2 --precision $p ${bflags//,/ } --json > $OUT/b_$n.txt 2>&1
  rc=$?
  kill $smi; wait $smi 2>/dev/null
  echo "== $spec rc=$rc smi_peak_mib=$(sort -n /tmp/smi_s5.txt | tail -1) $(grep -o '"img_per_s":[0-9.]*' $OUT/b_$n.txt) $(grep -o '"peak[a-z_]*":[0-9.]*' $OUT/b_$n.txt | tr '\n' ' ')" | tee -a $OUT/s5.txt
done
