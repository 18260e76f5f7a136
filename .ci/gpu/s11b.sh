#!/usr/bin/env bash
# session 11 (2026-12-05), the scan along paths (SelectiveScan.scanAlong; MultiScanMixer with -Djmamba.scan2d.alongPaths):
# its gpu tests and the scan's, VMamba-T and FractalMamba-T bf16 and fp32 with cross-scan copies ("copies") and along
# paths ("paths"), alternated, Vim-T with the previous commit's jars (.device/old, main@e3ceb98) against these (the
# scan kernels changed for every model), then the whole gpu suite with what time is left.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
LIMIT=${LIMIT:-560}
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv,noheader
timeout 150 bash .ci/gpu/lead.sh 'ScanAlong|AlongPaths|SelectiveScan|ScanParamsLayout|CudaScan|VimMixer|MultiScan|SS2D'
echo "tests done $((SECONDS-t0)) s"
bench() {  # variant model precision [flags]
  local v=$1 mdl=$2 p=$3; shift 3
  if [ $((SECONDS-t0)) -gt $((LIMIT-40)) ]; then echo "== skipped (LIMIT): $v $mdl $p"; return; fi
  local cp='.device/lib/*' opt="-Djmamba.scan2d.alongPaths=false"
  case $v in paths) opt="-Djmamba.scan2d.alongPaths=true";; old) cp='.device/old/*:.device/lib/*';; esac
  echo "== $v $mdl $p $*"
  JAVA_TOOL_OPTIONS="$opt" timeout 100 .device/run -Xss8m -cp "$cp" dev.jmamba.app.Main bench train --model $mdl \
    --device cuda --batch-size 128 --steps 6 --warmup 2 --precision $p --json "$@" > /tmp/b.log 2>&1; echo "rc=$? t=$((SECONDS-t0))"
  grep -v -E "WARNING|Picked up" /tmp/b.log | grep '^{' | head -1 | cut -c1-190; grep -v -E "WARNING|Picked up" /tmp/b.log | grep -v '^{' | tail -2 | cut -c1-300
}
bench copies fractalmamba-tiny bf16; bench paths fractalmamba-tiny bf16
bench copies vmamba-tiny bf16; bench paths vmamba-tiny bf16
bench copies fractalmamba-tiny fp32; bench paths fractalmamba-tiny fp32
bench old vim-tiny bf16; bench copies vim-tiny bf16
bench paths fractalmamba-tiny bf16; bench copies fractalmamba-tiny bf16
bench copies vmamba-tiny fp32; bench paths vmamba-tiny fp32
bench old vim-tiny fp32; bench copies vim-tiny fp32
echo "benches done $((SECONDS-t0)) s"
[ $((LIMIT-SECONDS+t0)) -gt 60 ] && timeout $((LIMIT-SECONDS+t0)) bash .ci/gpu/tests.sh
echo "all done $((SECONDS-t0)) s"
