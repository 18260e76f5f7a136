#!/usr/bin/env bash
# Nsight Compute sections (speed of light, memory, occupancy, warp states, source counters) of chosen kernels of one
# bench case, real clocks (--clock-control none):
#   KERNELS='regex:name1|name2' SKIP=N COUNT=M bash .ci/gpu/ncu-detail.sh NAME bench train --model ... --steps 1 --warmup 0
# Prints the details page per profiled launch to $OUT/NAME.detail.txt and a digest (duration, DRAM %, SM %, occupancy,
# top stalls) to stdout.
name=$1; shift
NCU=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
"$NCU" --clock-control none --kernel-name "${KERNELS}" --launch-skip "${SKIP:-0}" --launch-count "${COUNT:-3}" \
  --section SpeedOfLight --section MemoryWorkloadAnalysis --section Occupancy --section WarpStateStats \
  --section SchedulerStats --section LaunchStats ${NCU_SECTIONS:-} --page details --print-units base \
  .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main "$@" > $OUT/$name.detail.txt 2>&1
echo "== $name rc=$?"
grep -E "^  [a-z_0-9]+.*\(|Duration|DRAM Throughput|Compute \(SM\) Throughput|Achieved Occupancy|Theoretical Occupancy|Registers Per|Block Limit|Stall|Issued Warp|No Eligible|Mem Busy|Max Bandwidth|L1/TEX Hit|L2 Hit|Grid Size|Dynamic Shared" $OUT/$name.detail.txt | grep -v "^    ---" | head -${LINES_MAX:-150}
