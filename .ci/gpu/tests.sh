#!/usr/bin/env bash
# GPU-machine scripts of the 2026-12-03 session (run from the repo root inside the device run, after .ci/device-pack):
# tests.sh (all gpu-tagged tests), bench.sh MODEL:PRECISION[:--flag,--flag] ..., robust.sh, loader.sh.
# GPU tests of every module (gpu tag), summary to $OUT/gputests.log
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu,memory.used --format=csv
timeout 400 .device/run -cp '.device/lib/*' org.junit.platform.console.ConsoleLauncher execute \
  $(for j in .device/lib/*-tests.jar; do echo --scan-classpath $j; done) --include-tag gpu \
  --details=tree --disable-banner > $OUT/gputests.log 2>&1
echo "rc=$?"
grep -E "\[X\]|✘|tests (found|successful|failed|aborted|skipped)" $OUT/gputests.log | head -60
