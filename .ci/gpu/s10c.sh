#!/usr/bin/env bash
# session 10 (2026-12-05), third call: the channel norm vector kernels (norm_channels_vec.cu): targeted gpu tests,
# FractalMamba-T bf16 and fp32 with and without them (JAVA_TOOL_OPTIONS carries the switch), alternated, VMamba-T for
# the step ratio, Nsight Compute time of the channel norm kernels both ways, then the whole gpu suite.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
LIMIT=${LIMIT:-450}
nvidia-smi --query-gpu=name,clocks.sm,temperature.gpu --format=csv,noheader
timeout 150 bash .ci/gpu/lead.sh 'ChannelNorm|LayerNormChannels|ChannelLayerNorm|FusedComposition|GraphedStep'
echo "tests done $((SECONDS-t0)) s"
opt() { case $1 in old) echo "-Djmamba.norm.channelVectors=false";; *) echo "-Djmamba.norm.channelVectors=true";; esac; }
bench() {  # variant model precision [flags]
  local v=$1 mdl=$2 p=$3; shift 3
  echo "== $v $mdl $p $*"
  JAVA_TOOL_OPTIONS="$(opt $v)" timeout 120 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $mdl \
    --device cuda --batch-size 128 --steps 6 --warmup 2 --precision $p --json "$@" > /tmp/b.log 2>&1; echo "rc=$? t=$((SECONDS-t0))"
  grep -v -E "WARNING|Picked up" /tmp/b.log | grep '^{' | head -1 | cut -c1-170; grep -v -E "WARNING|Picked up" /tmp/b.log | grep -v '^{' | tail -2 | cut -c1-300
}
for round in 1 2; do
  bench old fractalmamba-tiny bf16; bench new fractalmamba-tiny bf16; bench new vmamba-tiny bf16
done
bench old fractalmamba-tiny fp32; bench new fractalmamba-tiny fp32; bench new vmamba-tiny fp32
bench new fractalmamba-tiny bf16 --graph; bench new vmamba-tiny bf16 --graph
echo "benches done $((SECONDS-t0)) s"
for v in old new; do
  JAVA_TOOL_OPTIONS="$(opt $v)" NCU_EXTRA="--clock-control none --kernel-name regex:layer_norm_channels" timeout 100 \
    bash .ci/gpu/ncu.sh lnc-$v bench train --model fractalmamba-tiny --device cuda --batch-size 128 --steps 1 --warmup 0 --precision bf16 | grep -E "==|total|layer_norm"
done
echo "ncu done $((SECONDS-t0)) s"
timeout $((LIMIT-SECONDS)) bash .ci/gpu/tests.sh
echo "all done $((SECONDS-t0)) s"
