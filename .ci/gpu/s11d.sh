#!/usr/bin/env bash
# session 11, last call (little device time left): the gpu tests of the scan along paths after the path kernels became
# their own -DV6_PATHS=1 program and ScanAlongGpuTest's bf16 test was fixed.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
timeout 150 bash .ci/gpu/lead.sh 'ScanAlong|AlongPaths'
