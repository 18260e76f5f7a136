#!/usr/bin/env bash
# Compares `jmamba bench gemm` with numpy/OpenBLAS sgemm on the same shapes, alternating the two each
# round (the machine is shared and noisy); prints every run, then per shape the medians over rounds of
# GFLOP/s by wall clock and by process CPU time, and the ratios jmamba / numpy.
#   tensor/bench/compare_gemm.sh [rounds]     (default 5)
# env: SIZES="256 1024 2048"   square sizes (default), or
#      SHAPES="1600,192,48,0,1 ..."  M,N,K,TA,TB shapes, or MODEL=1 for `bench gemm --model-shapes`;
#      THREADS=N (both sides; default: all cores), REPEATS=10.
#      AVX2=1: emulate an AVX2-only machine on an AVX-512 one: the JVM runs with -XX:UseAVX=2 (256-bit
#      vectors and the 16 ymm registers of AVX2; jmamba's 256-bit kernel) and OpenBLAS with
#      OPENBLAS_CORETYPE=Haswell (its AVX2 kernel). CORETYPE=NAME sets OpenBLAS's core otherwise
#      (e.g. SkylakeX; default: what OpenBLAS detects). JMAMBA_JAVA_OPTS passes more JVM flags.
#      (each jmamba line also shows "rtt lo-hi ns": the round trip between two threads measured before that shape on
#      more than one thread, over the rounds; a range of 50-350 ns says the host moved the vCPUs during the run)
#      BASE_JAR=path/to/other/jmamba.jar: also runs that build each round (same JVM flags), for a
#      before/after in the same run; adds its median and the ratio jmamba / base.
#      WARMUP_MS=MS: minimum warm-up per shape of numpy and of jmamba's shapes after the first (defaults
#      1000 and 300; jmamba's first shape always warms up >= 2 s for the JIT); CPU_MS=MS: minimum length of
#      the CPU-time batch per shape on both sides (default 200). Smaller values shorten a many-shape run.
#      JAVA_CMD="java ... MAIN-CLASS": the command that runs jmamba's Main, split on spaces, instead of the
#      jar's (e.g. ".device/run -Xss8m -cp .device/lib/* dev.jmamba.app.Main" where there is no JDK or
#      Maven; a * in it reaches java as it is). With BASE_JAR, JAVA_CMD must run a jar (-jar JAR): the base runs
#      the same command with BASE_JAR instead (swap the two jars for the opposite order within each round).
# Pin both sides to fixed cores by running the script under `taskset -c CPUS` (children inherit it).
# Runs the already built jar with the java command ./jmamba would use; build it first with
#   mvn -B -ntp -q -o -pl train-app -am package -DskipTests
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/tensor/bench"
rounds=${1:-5}
repeats=${REPEATS:-10}
threads=${THREADS:-$(nproc)}
if [ -n "${JAVA_CMD:-}" ]; then
  read -r -a jm <<<"$JAVA_CMD"
else
  [ -f "$root/train-app/target/jmamba.jar" ] || { echo "compare_gemm: build the jar first (see the header of $0)" >&2; exit 2; }
  read -r -a jm <<<"$("$root/jmamba" --print-java-command)"
fi
jopts=(); nopts=()
if [ -n "${WARMUP_MS:-}" ]; then jopts+=(--shape-warmup-ms "$WARMUP_MS"); nopts+=(--warmup-ms "$WARMUP_MS"); fi
if [ -n "${CPU_MS:-}" ]; then jopts+=(--cpu-ms "$CPU_MS"); nopts+=(--cpu-ms "$CPU_MS"); fi
coretype=${CORETYPE:-}
if [ -n "${AVX2:-}" ]; then
  coretype=Haswell
  jm=("${jm[0]}" -XX:UseAVX=2 "${jm[@]:1}")
fi
if [ -n "${JMAMBA_JAVA_OPTS:-}" ]; then read -r -a extra <<<"$JMAMBA_JAVA_OPTS"; jm=("${jm[0]}" "${extra[@]}" "${jm[@]:1}"); fi
base=()
if [ -n "${BASE_JAR:-}" ]; then
  [ -f "$BASE_JAR" ] || { echo "compare_gemm: BASE_JAR $BASE_JAR is not a file" >&2; exit 2; }
  # the same command with the jar after -jar replaced
  for ((i = 0; i < ${#jm[@]}; i++)); do [ "$i" -gt 0 ] && [ "${jm[i-1]}" = -jar ] && base+=("$BASE_JAR") || base+=("${jm[i]}"); done
  [ "${base[*]}" != "${jm[*]}" ] || { echo "compare_gemm: BASE_JAR needs a java command with -jar JAR (JAVA_CMD has none)" >&2; exit 2; }
fi
if [ -n "${MODEL:-}" ]; then
  shapes=$("${jm[@]}" bench gemm --list-model-shapes 2>/dev/null | awk '{print $1}' | tr '\n' ' ')
elif [ -n "${SHAPES:-}" ]; then
  shapes=$SHAPES
else
  shapes=""; for n in ${SIZES:-256 1024 2048}; do shapes+="$n,$n,$n,0,0 "; done
fi
jargs=(); for s in $shapes; do jargs+=(--shape "$s"); done
source "$here/gemm_lib.sh"

echo "numpy: $(numpy 64 1 --info "${nopts[@]}" 2>&1 >/dev/null)"
echo "java: ${jm[*]}"
echo "threads: $threads, rounds: $rounds, repeats: $repeats, cpus: $(taskset -pc $$ 2>/dev/null | sed 's/.*: //'), load: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A jw jc nw nc bw rt
for ((r = 1; r <= rounds; r++)); do
  while read -r line; do
    case "$line" in *'"case":"gemm-kernel"'*) [ "$r" = 1 ] && echo "$line"; continue ;; *'"case":"gemm"'*) ;; *) continue ;; esac
    echo "round $r jmamba $line"; k=$(key <<<"$line")
    jw[$k]+="$(field gflops <<<"$line") "; jc[$k]+="$(field cpu_gflops <<<"$line") "; rt[$k]+="$(field thread_round_trip_ns <<<"$line") "
  done < <("${jm[@]}" bench gemm --threads "$threads" --repeats "$repeats" --json "${jopts[@]}" "${jargs[@]}" 2>/dev/null)
  while read -r line; do
    echo "round $r numpy  $line"; k=$(key <<<"$line")
    nw[$k]+="$(field gflops <<<"$line") "; nc[$k]+="$(field cpu_gflops <<<"$line") "
  done < <(numpy --repeats "$repeats" "${nopts[@]}" $shapes)
  [ ${#base[@]} = 0 ] && continue
  while read -r line; do
    case "$line" in *'"case":"gemm"'*) ;; *) continue ;; esac
    echo "round $r base   $line"; k=$(key <<<"$line")
    bw[$k]+="$(field gflops <<<"$line") "
  done < <("${base[@]}" bench gemm --threads "$threads" --repeats "$repeats" --json "${jopts[@]}" "${jargs[@]}" 2>/dev/null)
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
range() { sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {printf "%.0f-%.0f", lo, hi}'; }
printf '\n%-22s %10s %10s %7s %12s %12s %7s  %s' "M,N,K,TA,TB" jm_GF/s np_GF/s ratio jm_cpuGF/s np_cpuGF/s ratio "range of GF/s jm / np"
[ ${#base[@]} = 0 ] && echo || printf '   %9s %7s %7s  %s\n' base_GF/s jm/base base/np "range base"
for s in $shapes; do
  k=$s; [ "$(tr -cd ',' <<<"$s" | wc -c)" = 2 ] && k="$s,0,0"
  a=$(tr ' ' '\n' <<<"${jw[$k]:-}" | grep . | median); b=$(tr ' ' '\n' <<<"${nw[$k]:-}" | grep . | median)
  c=$(tr ' ' '\n' <<<"${jc[$k]:-}" | grep . | median); d=$(tr ' ' '\n' <<<"${nc[$k]:-}" | grep . | median)
  ra=$(tr ' ' '\n' <<<"${jw[$k]:-}" | grep . | range); rb=$(tr ' ' '\n' <<<"${nw[$k]:-}" | grep . | range)
  printf '%-22s %10.1f %10.1f %7.2f %12.1f %12.1f %7.2f  %s / %s\n' "$k" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {print (b > 0 ? a / b : 0)}')" \
    "$c" "$d" "$(awk -v a="$c" -v b="$d" 'BEGIN {print (b > 0 ? a / b : 0)}')" "$ra" "$rb" | tr -d '\n'
  rr=$(tr ' ' '\n' <<<"${rt[$k]:-}" | grep . | range || true); rr=${rr:+  rtt $rr ns}
  if [ ${#base[@]} = 0 ]; then echo "$rr"; continue; fi
  e=$(tr ' ' '\n' <<<"${bw[$k]:-}" | grep . | median); re=$(tr ' ' '\n' <<<"${bw[$k]:-}" | grep . | range)
  printf '   %9.1f %7.2f %7.2f  %s%s\n' "$e" "$(awk -v a="$a" -v b="$e" 'BEGIN {print (b > 0 ? a / b : 0)}')" \
    "$(awk -v a="$e" -v b="$b" 'BEGIN {print (b > 0 ? a / b : 0)}')" "$re" "$rr"
done
echo "(rtt: jmamba's thread round trip before each shape's timed runs, over the rounds; on a VM it moves with the host's"
echo " placement of the vCPUs, and multi-threaded figures with it: tensor/bench/GEMM-NOTES.md 2026-12-05 #15)"
