#!/usr/bin/env bash
# Lead's quick GPU check: selected gpu-tagged test classes (args: class name patterns), summary lines.
# usage: bash .ci/gpu/lead.sh 'CudaBackendTest|CuBlasGpuTest'
.device/run -cp '.device/lib/*' org.junit.platform.console.ConsoleLauncher execute \
  $(for j in .device/lib/*-tests.jar; do echo --scan-classpath $j; done) --include-tag gpu \
  --include-classname ".*(${1:-Cuda}).*" --details=tree --disable-banner > $OUT/leadtests.log 2>&1
echo "tests rc=$?"
grep -E "\[X\]|✘|tests (found|successful|failed|aborted)" $OUT/leadtests.log | head -40
