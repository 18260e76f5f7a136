#!/usr/bin/env bash
# session 10 (2026-12-05), fourth call: the vector channel norm's "lean" backward (-Djmamba.norm.channelVectorsLean):
# its gpu tests, FractalMamba-T bf16 with and without it, Nsight Compute time per kernel both ways and the details
# (stages 3, 2, 1) of the default backward.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
LIMIT=${LIMIT:-200}
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv,noheader
LEAN=-Djmamba.norm.channelVectorsLean=true
JAVA_TOOL_OPTIONS=$LEAN timeout 90 bash .ci/gpu/lead.sh 'CudaChannelNorm|ChannelLayerNorm|LayerNormChannels'
echo "tests done $((SECONDS-t0)) s"
bench() {  # options model
  echo "== $1 $2"
  JAVA_TOOL_OPTIONS="$1" timeout 60 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $2 \
    --device cuda --batch-size 128 --steps 6 --warmup 2 --precision bf16 --json > /tmp/b.log 2>&1; echo "rc=$? t=$((SECONDS-t0))"
  grep -v -E "WARNING|Picked up" /tmp/b.log | grep '^{' | head -1 | cut -c1-170; grep -v -E "WARNING|Picked up" /tmp/b.log | grep -v '^{' | tail -2 | cut -c1-300
}
for round in 1 2; do bench "-Dx=1" fractalmamba-tiny; bench "$LEAN" fractalmamba-tiny; done

echo "benches done $((SECONDS-t0)) s"
for v in "-Dx=1" "$LEAN"; do
  JAVA_TOOL_OPTIONS="$v" NCU_EXTRA="--clock-control none --kernel-name regex:layer_norm_channels" timeout 50 \
    bash .ci/gpu/ncu.sh lnc bench train --model fractalmamba-tiny --device cuda --batch-size 128 --steps 1 --warmup 0 --precision bf16 | grep -E "==|total|layer_norm"
done
echo "ncu done $((SECONDS-t0)) s"
KERNELS='regex:layer_norm_channels_vec' SKIP=21 COUNT=5 LINES_MAX=300 timeout $((LIMIT-SECONDS)) bash .ci/gpu/ncu-detail.sh vecd \
  bench train --model fractalmamba-tiny --device cuda --batch-size 128 --steps 1 --warmup 0 --precision bf16 \
  | grep -E "^==|^  [a-z_]|Duration|DRAM Through|Compute \(SM\)|Achieved Occ|Registers Per|L1/TEX Hit|L2 Hit|Issued Warp"
echo "all done $((SECONDS-t0)) s"
