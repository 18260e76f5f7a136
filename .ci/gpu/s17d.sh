#!/usr/bin/env bash
# Session 17's last device call (~60 s): the hidden-norm scan's gpu test classes after the review's refactor of the
# kernels' prefetch staging (same arithmetic; PTX reorders), on whatever card comes. Run from the repo root after
# .ci/gpu/pack.sh, with OUT set.
set -uo pipefail
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 100 .device/run -cp '.device/lib/*' org.junit.platform.console.ConsoleLauncher execute \
  --include-tag gpu --disable-banner --details=tree \
  --select-class dev.jmamba.ssm.cuda.HiddenNormScanTileGpuTest --select-class dev.jmamba.ssm.cuda.HiddenNormScanPrefetchGpuTest \
  --select-class dev.jmamba.ssm.HiddenNormScanGpuTest > $OUT/hn-tests.log 2>&1
echo "rc=$?"
grep -E "✘|✔|tests (found|successful|failed)" $OUT/hn-tests.log | head -20
