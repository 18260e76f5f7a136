#!/usr/bin/env bash
# gemm (issue 22): CPU SGEMM of jmamba against numpy/OpenBLAS on the device host's CPU, alternating the two each
# round (tensor/bench/compare_gemm.sh does the timing and the medians; this script only sets it up per case).
# Run from the repo root after .ci/device-pack, with OUT set to a folder:   bash .ci/gpu/gemm.sh
# Needs .device/run (the packed java 25) and python3 with numpy; no JDK or Maven. Cases (each 3 rounds):
#   ISA:     native (the host's own vectors: AVX-512 on a Xeon; OpenBLAS's own kernel choice), then
#            avx2 (the JVM with -XX:UseAVX=2, OpenBLAS with OPENBLAS_CORETYPE=Haswell: an AVX2-only CPU emulated)
#   threads: 2 and 16, each pinned with taskset to that many fixed CPUs, one per physical core where the host has
#            enough cores (the first ones of `lscpu -p`), so the 2-thread case always runs on the same 2 cores
#   shapes:  n = 256 and 1024 square, and the 16 shapes of `bench gemm --model-shapes`
# Prints `lscpu | head -20`, the BLAS numpy loaded, per case the table of per-shape medians (GFLOP/s by wall
# clock and by CPU time) with the ratio jmamba / numpy, and the seconds each case took; about 200-240 s in all.
# Writes $OUT/lscpu.txt, $OUT/gemm_<isa>_t<threads>.log (every run's JSON line) and $OUT/gemm_summary.txt.
# Environment: ROUNDS (3), THREADS_LIST ("2 16"), ISAS ("native avx2"), REPEATS (10), WARMUP_MS (50: minimum warm-up
# per shape after jmamba's first, which warms >= 2 s for the JIT, and per numpy shape; both then warm up in 100 ms windows
# until the timings stop improving), CPU_MS (0: the CPU time is taken over the 10 repeats only, too short for the
# per-thread clocks: read the wall-clock columns; set 200 for meaningful CPU-time columns, at about +90 s),
# JAVA_CMD (".device/run -Xss8m -cp .device/lib/* dev.jmamba.app.Main"; point it at any java command that runs
# jmamba's Main to try the script on a machine with a JDK), JMAMBA_JAVA_OPTS (more JVM flags for jmamba, e.g.
# -Djmamba.gemm.narrowPieces=true with THREADS_LIST=2 and another OUT for that switch's A/B, about 115 s).
set -uo pipefail
cd "$(dirname "$0")/../.."
: "${OUT:?gemm.sh: set OUT to the folder the results go to}"
mkdir -p "$OUT"
start=$SECONDS
rounds=${ROUNDS:-3}
export JAVA_CMD=${JAVA_CMD:-".device/run -Xss8m -cp .device/lib/* dev.jmamba.app.Main"}
export REPEATS=${REPEATS:-10} WARMUP_MS=${WARMUP_MS:-50} CPU_MS=${CPU_MS:-0}
unset BASE_JAR MODEL SIZES AVX2 CORETYPE

lscpu | head -20 | tee "$OUT/lscpu.txt"
grep -q avx512f /proc/cpuinfo && native=AVX-512 || native="no AVX-512"
echo "host: $(nproc) CPUs usable, $native; load $(cut -d' ' -f1-3 /proc/loadavg)"
read -r -a jcmd <<<"$JAVA_CMD"
if ! model=$("${jcmd[@]}" bench gemm --list-model-shapes 2>"$OUT/java_check.err"); then
  echo "gemm.sh: '$JAVA_CMD bench gemm --list-model-shapes' failed:"; cat "$OUT/java_check.err"; exit 1
fi
python3 -c 'import numpy' || { echo "gemm.sh: python3 cannot import numpy"; exit 1; }
shapes="256,256,256,0,0 1024,1024,1024,0,0 $(awk '{print $1}' <<<"$model" | tr '\n' ' ')"
echo "shapes: $shapes"

# logical CPUs, one per physical core first (then the hyperthread siblings), for taskset
mapfile -t percore < <(lscpu -p=CPU,CORE,SOCKET | grep -v '^#' | awk -F, '!seen[$2 "," $3]++ {print $1}')
mapfile -t allcpus < <(lscpu -p=CPU | grep -v '^#')
cpus_for() {  # comma list of $1 CPUs, or nothing when the host has fewer
  local t=$1 list=("${percore[@]}")
  [ "${#list[@]}" -ge "$t" ] || list=("${allcpus[@]}")
  [ "${#list[@]}" -ge "$t" ] || return 0
  local IFS=,; echo "${list[*]:0:$t}"
}

: >"$OUT/gemm_summary.txt"
for isa in ${ISAS:-native avx2}; do
  for t in ${THREADS_LIST:-2 16}; do
    cpus=$(cpus_for "$t")
    if [ -z "$cpus" ]; then echo "== $isa threads=$t: skipped, the host has fewer than $t CPUs"; continue; fi
    case0=$SECONDS
    log="$OUT/gemm_${isa}_t${t}.log"
    if [ "$isa" = avx2 ]; then avx2=1; else avx2=""; fi
    AVX2=$avx2 THREADS=$t SHAPES="$shapes" taskset -c "$cpus" tensor/bench/compare_gemm.sh "$rounds" >"$log" 2>&1
    rc=$?
    {
      echo "== $isa (host: $native) threads=$t cpus=$cpus rounds=$rounds rc=$rc: $((SECONDS - case0)) s"
      grep -E '^(numpy:|\{"case":"gemm-kernel")' "$log"
      grep -qiE 'OpenBLAS core|^numpy:.* openblas ' "$log" || echo "WARNING: numpy's BLAS is not a known OpenBLAS; OPENBLAS_CORETYPE (the AVX2 case) may not apply"
      sed -n '/^M,N,K,TA,TB/,$p' "$log"
      [ "$rc" = 0 ] || tail -5 "$log"
    } | tee -a "$OUT/gemm_summary.txt"
  done
done
echo "gemm.sh: $((SECONDS - start)) s in all" | tee -a "$OUT/gemm_summary.txt"
