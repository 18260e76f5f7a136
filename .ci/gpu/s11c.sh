#!/usr/bin/env bash
# session 11, second call: the scan gpu tests (ScanAlongGpuTest after its bf16 test's fix; the path kernels now a
# separate -DV6_PATHS=1 program, the default program's PTX equal to main@e3ceb98's but for the struct size), Vim-T with
# main@e3ceb98's jars (.device/old) against this commit's, alternated, and Nsight Compute time of the scan, cross-scan
# and channel-norm kernels of FractalMamba-T bf16 with cross-scan copies and along paths (why the paths are slower).
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
timeout 120 bash .ci/gpu/lead.sh 'ScanAlong|AlongPaths|SelectiveScan'
echo "tests done $((SECONDS-t0)) s"
for round in 1 2; do
  for v in old new; do
    cp='.device/lib/*'; [ $v = old ] && cp='.device/old/*:.device/lib/*'
    for p in fp32 bf16; do
      echo "== round $round $v vim-tiny $p t=$((SECONDS-t0))"
      timeout 60 .device/run -Xss8m -cp "$cp" dev.jmamba.app.Main bench train --model vim-tiny --device cuda --batch-size 128 \
        --steps 8 --warmup 3 --precision $p --json 2>&1 | grep '^{' | head -1 | cut -c1-150
    done
  done
done
for v in false true; do
  JAVA_TOOL_OPTIONS="-Djmamba.scan2d.alongPaths=$v" NCU_EXTRA="--clock-control none --kernel-name regex:scan6|cross_|layer_norm_channels" \
    timeout 100 bash .ci/gpu/ncu.sh scan-paths-$v bench train --model fractalmamba-tiny --device cuda --batch-size 128 --steps 1 \
    --warmup 0 --precision bf16 | grep -E "==|total|scan6|cross|layer_norm" | head -14
done
echo "all done $((SECONDS-t0)) s"
