#!/usr/bin/env bash
# session 10 (2026-12-05), second call: the channel norm register kernels (norm_channels_regs.cu): gpu tests, then
# FractalMamba-T bf16 per kernel variant (JAVA_TOOL_OPTIONS carries the switch), alternated, and Nsight Compute time of
# the channel norm kernels per variant (real clocks, one step).
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv,noheader
timeout 200 bash .ci/gpu/lead.sh 'ChannelNorm|LayerNormChannels|ChannelLayerNorm|FusedComposition'
echo "tests done $((SECONDS-t0)) s"
opt() { case $1 in off) echo "-Djmamba.norm.channelRegisters=false";; *) echo "-Djmamba.norm.channelRegisterWidths=$1";; esac; }
bench() {  # variant model
  echo "== $1 $2"
  JAVA_TOOL_OPTIONS="$(opt $1)" timeout 120 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $2 \
    --device cuda --batch-size 128 --steps 6 --warmup 2 --precision bf16 --json > /tmp/b.log 2>&1; echo "rc=$? t=$((SECONDS-t0))"
  grep -v -E "WARNING|Picked up" /tmp/b.log | grep '^{' | head -1 | cut -c1-170; grep -v -E "WARNING|Picked up" /tmp/b.log | grep -v '^{' | tail -2 | cut -c1-300
}
VARIANTS=${VARIANTS:-"off 12,8 12,12 8,4 8,8 12,4"}
for round in 1 2; do
  for v in $VARIANTS; do bench $v fractalmamba-tiny; done
  bench off vmamba-tiny
done
echo "benches done $((SECONDS-t0)) s"
for v in $VARIANTS; do
  JAVA_TOOL_OPTIONS="$(opt $v)" NCU_EXTRA="--clock-control none --kernel-name regex:layer_norm_channels" timeout 100 \
    bash .ci/gpu/ncu.sh lnc-${v/,/-} bench train --model fractalmamba-tiny --device cuda --batch-size 128 --steps 1 --warmup 0 --precision bf16 | grep -E "==|total|layer_norm"
done
echo "all done $((SECONDS-t0)) s"
