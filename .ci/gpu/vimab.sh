#!/usr/bin/env bash
# Vim-T before/after in one call: .device/old holds the jmamba jars of an older commit (put first on the class path),
# .device/lib the current ones; alternated ROUNDS times, fp32 and bf16, bench train b128 224.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
for round in $(seq ${ROUNDS:-3}); do
  for version in old new; do
    cp=$([ $version = old ] && echo '.device/old/*:.device/lib/*' || echo '.device/lib/*')
    for p in fp32 bf16; do
      echo "== round $round $version vim-tiny $p"
      .device/run -Xss8m -cp "$cp" dev.jmamba.app.Main bench train --model vim-tiny --device cuda --batch-size 128 --steps ${STEPS:-10} \
        --warmup 3 --precision $p --json 2>&1 | grep -v WARNING | head -1 | cut -c1-170
    done
  done
done
