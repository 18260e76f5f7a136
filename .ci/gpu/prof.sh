#!/usr/bin/env bash
# bench train --profile per spec (model:precision[:flags,comma,separated]); JFLAGS = extra JVM flags for every run.
# Each run's whole output lands in $OUT/prof_<model>_<precision>_<tag>.txt; the summary line is echoed.
# usage: JFLAGS=-Djmamba.profile.copies=detail bash .ci/gpu/prof.sh vmamba-tiny:bf16 vim-tiny:bf16:--inference
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
for spec in "$@"; do
  IFS=: read m p extra <<< "$spec"
  tag=${extra//[^a-z]/}
  extra=${extra//,/ }
  f=$OUT/prof_${m}_${p}_${tag}.txt
  .device/run $JFLAGS -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $m --device cuda \
    --batch-size ${BATCH:-128} --steps ${STEPS:-5} --warmup 2 --precision $p --profile $extra > $f 2>&1
  echo "== $spec rc=$?"; grep -v WARNING $f | head -2 | cut -c1-220
done
