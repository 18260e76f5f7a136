#!/usr/bin/env bash
# Session 17's third device call. On an H200: issue 14's targets with the session's defaults (as s17b.sh) and the whole
# gpu suite. On another card: the 8-position-tile kernels for 640 channels (jmamba.scan.hiddenNormMediumTile=8) — the
# hidden-norm lab (all kernel kinds by stage), FractalMamba-T fp32 b128 with tile 16 (default) and 8 alternated twice —
# and the hidden-norm scan's gpu test classes. Run from the repo root after .ci/gpu/pack.sh, with OUT set. ~230 s.
set -uo pipefail
t0=$SECONDS
source .ci/gpu/train-bench.sh
card=$(nvidia-smi --query-gpu=name --format=csv,noheader); echo "$card"
case "$card" in
  *H200*)
    for round in 1 2; do
      for m in fractalmamba-tiny vmamba-tiny; do bench $m fp32; done
    done
    for m in vim-tiny localmamba-tiny; do bench $m fp32; done
    for m in fractalmamba-tiny vmamba-tiny; do bench $m bf16; done
    for m in fractalmamba-tiny vmamba-tiny; do profile $m; done
    echo "targets done $((SECONDS-t0)) s"
    bash .ci/gpu/tests.sh 2>&1 | tail -7;;
  *)
    timeout 90 .device/run -cp '.device/lib/*' dev.jmamba.ssm.cuda.HiddenNormScanSweep 2>&1 | grep '^{'
    for round in 1 2; do
      bench fractalmamba-tiny fp32
      bench fractalmamba-tiny fp32 -Djmamba.scan.hiddenNormMediumTile=8
    done
    echo "benches done $((SECONDS-t0)) s"
    timeout 120 .device/run -cp '.device/lib/*' org.junit.platform.console.ConsoleLauncher execute \
      --include-tag gpu --disable-banner --details=tree \
      --select-class dev.jmamba.ssm.cuda.HiddenNormScanTileGpuTest --select-class dev.jmamba.ssm.cuda.HiddenNormScanPrefetchGpuTest \
      --select-class dev.jmamba.ssm.HiddenNormScanGpuTest > $OUT/hn-tests.log 2>&1
    grep -E "✘|tests (found|successful|failed)" $OUT/hn-tests.log | head -12;;
esac
echo "all done $((SECONDS-t0)) s"
