#!/usr/bin/env bash
# next session's first call (written 2026-12-05 by session 12; nothing below has run on a GPU yet): the fused
# hidden-norm scan (HiddenNormScan, scan_hidden_norm.cu) — its gpu test, then FractalMamba-T fp32 with it off/on
# alternated next to VMamba-T fp32, Nsight Compute times of its kernels against the scan + channel norm they replace,
# then the split-K variants (s12c.sh) while time is left.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
LIMIT=${LIMIT:-560}
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 200 bash .ci/gpu/lead.sh 'HiddenNormScan|MultiScanMixer|FractalMamba'
echo "tests done $((SECONDS-t0)) s"
bench() {  # model precision
  [ $((LIMIT-SECONDS)) -lt 20 ] && { echo "skip $1 $2 [$JAVA_TOOL_OPTIONS] (time)"; return; }
  timeout 60 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $1 \
    --device cuda --batch-size 128 --steps 6 --warmup 2 --precision $2 --json > /tmp/b.log 2>&1
  echo "$1 $2 [$JAVA_TOOL_OPTIONS] rc=$? t=$((SECONDS-t0)) $(grep '^{' /tmp/b.log | head -1 | grep -o '"ms":[0-9.]*,"img_per_s":[0-9.]*')"
  grep -E "Exception|rror" /tmp/b.log | head -3
}
for round in 1 2; do
  export JAVA_TOOL_OPTIONS=-Djmamba.scan.fusedHiddenNorm=false; bench fractalmamba-tiny fp32
  export JAVA_TOOL_OPTIONS=-Djmamba.scan.fusedHiddenNorm=true; bench fractalmamba-tiny fp32
  unset JAVA_TOOL_OPTIONS; bench vmamba-tiny fp32
done
# fused only where L <= 784 (stages 2-3; stage 1's 3136 positions unfused)
export JAVA_TOOL_OPTIONS="-Djmamba.scan.fusedHiddenNorm=true -Djmamba.scan.fusedHiddenNorm.maxLength=784"; bench fractalmamba-tiny fp32
unset JAVA_TOOL_OPTIONS
for m in fractalmamba-tiny vmamba-tiny; do   # GEMM time per shape (ProfilingBackend's product names)
  [ $((LIMIT-SECONDS)) -lt 150 ] && break
  JAVA_TOOL_OPTIONS=-Djmamba.profile.matmuls=detail timeout 90 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main \
    bench train --model $m --device cuda --batch-size 128 --steps 3 --warmup 2 --precision fp32 --profile > $OUT/$m-matmuls.txt 2>&1
  grep -E '^matmul' $OUT/$m-matmuls.txt | head -15 | cut -c1-140   # the table is sorted by device time
done
for f in false true; do
  [ $((LIMIT-SECONDS)) -lt 120 ] && break
  JAVA_TOOL_OPTIONS=-Djmamba.scan.fusedHiddenNorm=$f NCU_EXTRA="--clock-control none --kernel-name regex:scan_hidden_norm|scan6|layer_norm_channels|binary_contig" \
    timeout 110 bash .ci/gpu/ncu.sh fractal-fused-$f bench train --model fractalmamba-tiny --device cuda --batch-size 128 \
    --steps 1 --warmup 0 --precision fp32 2>&1 | head -16
done
[ $((LIMIT-SECONDS)) -gt 150 ] && LIMIT=$((LIMIT-SECONDS)) bash .ci/gpu/s12c.sh
echo "all done $((SECONDS-t0)) s"
