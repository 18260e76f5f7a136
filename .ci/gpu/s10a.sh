#!/usr/bin/env bash
# session 10 (2026-12-05), first call: this card's baselines (VMamba-T / FractalMamba-T bf16, eager and --graph) and
# Nsight Compute details of FractalMamba-T's channel norm (h_norm) and gated norm kernels, stage by stage.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,temperature.gpu --format=csv,noheader
lscpu | grep -E "Model name|^CPU\(s\)|L2|L1d"; lscpu | grep -o -E "avx512[a-z_0-9]*|avx2|fma" | sort -u | tr '\n' ' '; echo
bench() {  # label model precision extra...
  local label=$1 m=$2 p=$3; shift 3
  echo "== $label $m $p $*"
  timeout 120 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $m --device cuda --batch-size 128 \
    --steps ${STEPS:-6} --warmup 2 --precision $p --json "$@" > /tmp/b.log 2>&1; echo "rc=$? t=$((SECONDS-t0))"
  grep -v WARNING /tmp/b.log | grep '^{' | head -1 | cut -c1-220; grep -v WARNING /tmp/b.log | grep -v '^{' | tail -2 | cut -c1-300
}
bench eager vmamba-tiny bf16
bench graph vmamba-tiny bf16 --graph
bench eager fractalmamba-tiny bf16
bench graph fractalmamba-tiny bf16 --graph
bench eager vmamba-tiny bf16
bench eager fractalmamba-tiny bf16
echo "benches done $((SECONDS-t0)) s"
EXTRA="--section ComputeWorkloadAnalysis --section InstructionStats"
NCU_SECTIONS="$EXTRA" KERNELS='regex:layer_norm_channels_backward' SKIP=0 COUNT=15 LINES_MAX=400 timeout 200 bash .ci/gpu/ncu-detail.sh lncb \
  bench train --model fractalmamba-tiny --device cuda --batch-size 128 --steps 1 --warmup 0 --precision bf16 | grep -E "^==|^  [a-z_]|Duration|DRAM Through|Compute \(SM\)|Achieved Occ|Registers|Stall|L1/TEX Hit|L2 Hit|Executed Ipc|Issue Slots"
echo "ncu 1 done $((SECONDS-t0)) s"
NCU_SECTIONS="$EXTRA" KERNELS='regex:layer_norm_channels_bf16|layer_norm_gated' SKIP=0 COUNT=12 LINES_MAX=400 timeout 150 bash .ci/gpu/ncu-detail.sh lncf \
  bench train --model fractalmamba-tiny --device cuda --batch-size 128 --steps 1 --warmup 0 --precision bf16 | grep -E "^==|^  [a-z_]|Duration|DRAM Through|Compute \(SM\)|Achieved Occ|Registers|Stall|L1/TEX Hit|L2 Hit|Executed Ipc|Issue Slots"
echo "all done $((SECONDS-t0)) s"
