# Sourced by the CPU scripts of the device host (s14a.sh, s14b.sh, s14c.sh, s15a.sh): the java command that runs jmamba's
# Main from the pack (JAVA_CMD, as an array in jcmd), the host's CPU model and load, and in `cpus` the first two logical
# CPUs on distinct physical cores (for taskset); `cpu_table` prints "CPU,CORE,SOCKET" per logical CPU; `tile_probe` runs
# `bench gemm --tile-probe` on the first of the two.
export JAVA_CMD=${JAVA_CMD:-".device/run -Xss8m -cp .device/lib/* dev.jmamba.app.Main"}
read -r -a jcmd <<<"$JAVA_CMD"
grep -m1 "model name" /proc/cpuinfo; echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
cpu_table() { lscpu -p=CPU,CORE,SOCKET | grep -v '^#'; }
cpus=$(cpu_table | awk -F, '!seen[$2 "," $3]++ {print $1}' | head -2 | paste -sd,)
tile_probe() { taskset -c "${cpus%%,*}" "${jcmd[@]}" bench gemm --tile-probe 2>/dev/null | grep -v '^sgemm'; }
# paired_case ISA THREADS [TIMEOUT]: tensor/bench/paired_gemm.py 5 (ROUNDS etc. from the environment; BASE_JAVA_CMD adds
# main's build) with AVX2 emulated when ISA is avx2, 2 threads pinned to $cpus or more on all CPUs; writes
# $OUT/paired_ISA_tTHREADS.txt and .jsonl and prints the table
paired_case() {
  local isa=$1 th=$2 avx="" pin=()
  [ "$isa" = avx2 ] && avx=1
  [ "$th" = 2 ] && pin=(taskset -c "$cpus")
  echo "== $isa, $th threads ${pin[*]} ($((SECONDS-t0)) s; load $(cut -d' ' -f1 /proc/loadavg))"
  AVX2=$avx THREADS=$th JSON=$OUT/paired_${isa}_t$th.jsonl timeout "${3:-150}" "${pin[@]}" python3 tensor/bench/paired_gemm.py 5 \
    > $OUT/paired_${isa}_t$th.txt 2>&1
  echo "rc=$?"; grep -v '^jmamba:\|^numpy' $OUT/paired_${isa}_t$th.txt
}
# the five large shapes the session-19 calls pair (three model projections, their 197-row AᵀBᵀ, and 1024³)
FIVE_SHAPES="1024,1024,1024,0,0 1576,768,192,0,1 196,1536,384,0,1 197,192,384,1,1 3136,96,384,0,1"
# paired_pinned NAME THREADS ROUNDS [TIMEOUT]: paired_gemm.py ROUNDS rounds on one thread (the first of $cpus) or two
# ($cpus), with the short batches of the session-19 calls; SHAPES, BASE_JAVA_CMD, JAVA_CMD and AVX2 from the
# environment; writes $OUT/NAME.txt and .jsonl and prints the table
paired_pinned() {
  local name=$1 th=$2 rounds=$3 pin=${cpus%%,*}
  [ "$th" = 2 ] && pin=$cpus
  echo "== $name: $th thread(s) on $pin ($((SECONDS-t0)) s; load $(cut -d' ' -f1 /proc/loadavg))"
  BATCH_MS=80 GAP_S=0.25 NP_WARMUP_S=0.3 THREADS=$th JSON=$OUT/$name.jsonl timeout "${4:-70}" taskset -c "$pin" \
    python3 tensor/bench/paired_gemm.py "$rounds" > $OUT/$name.txt 2>&1
  echo "rc=$?"; grep -v '^jmamba:\|^numpy' $OUT/$name.txt
}
