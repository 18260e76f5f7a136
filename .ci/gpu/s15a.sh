#!/usr/bin/env bash
# Issue 22 on the device host's CPU (prepared in session 15, for a call whose card is not the H200 that issue 14
# needs): is that host's two-thread loss (n = 1024 at 0.55x OpenBLAS in session 14, against 0.79x on 16 threads) the
# cost of traffic between far cores, as on the 2-vCPU Zen 4 VM (round trip 50-60 ns or 330-380 ns by period)?
# 1. The round trip between the first CPU and each CPU on another core (bench gemm's thread_round_trip_ns, pinned
#    with taskset; one JVM each); 2. compare_gemm.sh (256³ and 1024³, numpy alternated) on the nearest and on the
#    farthest pair, 2 threads each. About 250 s. Run from the repo root after .ci/gpu/pack.sh, with OUT set;
#    ROUNDS (3) shortens it; JAVA_CMD overrides the pack's java (see cpu-host.sh).
set -uo pipefail
t0=$SECONDS
rounds=${ROUNDS:-3}
source "$(dirname "$0")/cpu-host.sh"
first=${cpus%%,*}
round_trip() { # CPU list -> ns: the least of three shapes' (spikes only go up: the JIT's threads, pinned to the same CPUs,
  # read 17 µs for a first shape on the Zen 4 VM where later ones read 70-360 ns; one pair read 14 µs once on the Intel host)
  taskset -c "$1" "${jcmd[@]}" bench gemm --shape 64,64,64 --shape 64,64,65 --shape 64,64,66 --threads 2 --repeats 3 \
    --warmup-ms 300 --shape-warmup-ms 300 --cpu-ms 0 --json 2>/dev/null | sed -n 's/.*"thread_round_trip_ns":\([0-9]*\).*/\1/p' | sort -n | head -1
}
echo "== round trip between CPU $first and each CPU on another core (ns)"
firstcore=$(cpu_table | awk -F, -v c="$first" '$1 == c {print $2 "," $3}')
partners=$(cpu_table | awk -F, -v fc="$firstcore" '$2 "," $3 != fc {print $1}')
: > "$OUT/round-trips.txt"
for p in $partners; do
  ns=$(round_trip "$first,$p"); echo "$first,$p ${ns:-none}" | tee -a "$OUT/round-trips.txt"
done
near=$(awk '$2 != "none"' "$OUT/round-trips.txt" | sort -k2 -n | head -1 | cut -d' ' -f1)
far=$(awk '$2 != "none"' "$OUT/round-trips.txt" | sort -k2 -n | tail -1 | cut -d' ' -f1)
[ -n "$near" ] || { echo "s15a: no round trip measured" >&2; exit 1; }
for pair in "$near" "$far"; do
  echo "== compare_gemm.sh on CPUs $pair, 2 threads, $rounds rounds ($((SECONDS - t0)) s); round trip again: $(round_trip "$pair") ns"
  THREADS=2 SIZES="256 1024" taskset -c "$pair" tensor/bench/compare_gemm.sh "$rounds" 2>&1 | tee "$OUT/compare-${pair/,/-}.txt" \
    | grep -v '^round' | tail -5
done
echo "s15a done $((SECONDS - t0)) s"
