#!/usr/bin/env bash
# Compares `jmamba bench gemm` with numpy/OpenBLAS sgemm on the same shapes, alternating the two each
# round (the machine is shared and noisy); prints every run, then per shape the medians over rounds of
# GFLOP/s by wall clock and by process CPU time, and the ratios jmamba / numpy.
#   tensor/bench/compare_gemm.sh [rounds]     (default 5)
# env: SIZES="256 1024 2048"   square sizes (default), or
#      SHAPES="1600,192,48,0,1 ..."  M,N,K,TA,TB shapes, or MODEL=1 for `bench gemm --model-shapes`;
#      THREADS=N (both sides; default: all cores), REPEATS=10.
# Runs the already built jar with the java command ./jmamba would use; build it first with
#   mvn -B -ntp -q -o -pl train-app -am package -DskipTests
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/tensor/bench"
rounds=${1:-5}
repeats=${REPEATS:-10}
threads=${THREADS:-$(nproc)}
[ -f "$root/train-app/target/jmamba.jar" ] || { echo "compare_gemm: build the jar first (see the header of $0)" >&2; exit 2; }
read -r -a jm <<<"$("$root/jmamba" --print-java-command)"
if [ -n "${MODEL:-}" ]; then
  shapes=$("${jm[@]}" bench gemm --list-model-shapes 2>/dev/null | awk '{print $1}' | tr '\n' ' ')
elif [ -n "${SHAPES:-}" ]; then
  shapes=$SHAPES
else
  shapes=""; for n in ${SIZES:-256 1024 2048}; do shapes+="$n,$n,$n,0,0 "; done
fi
jargs=(); for s in $shapes; do jargs+=(--shape "$s"); done
numpy() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$threads" python3 "$here/numpy_gemm.py" "$@"; }
key() { sed -n 's/.*"n":\([0-9]*\),"m":\([0-9]*\),"k":\([0-9]*\),"ta":\([01]\),"tb":\([01]\).*/\2,\1,\3,\4,\5/p'; }
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

numpy 64 1 --info >/dev/null
echo "java: ${jm[*]}"
echo "threads: $threads, rounds: $rounds, repeats: $repeats, load: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A jw jc nw nc
for ((r = 1; r <= rounds; r++)); do
  while read -r line; do
    case "$line" in *'"case":"gemm-kernel"'*) [ "$r" = 1 ] && echo "$line"; continue ;; *'"case":"gemm"'*) ;; *) continue ;; esac
    echo "round $r jmamba $line"; k=$(key <<<"$line")
    jw[$k]+="$(field gflops <<<"$line") "; jc[$k]+="$(field cpu_gflops <<<"$line") "
  done < <("${jm[@]}" bench gemm --threads "$threads" --repeats "$repeats" --json "${jargs[@]}" 2>/dev/null)
  while read -r line; do
    echo "round $r numpy  $line"; k=$(key <<<"$line")
    nw[$k]+="$(field gflops <<<"$line") "; nc[$k]+="$(field cpu_gflops <<<"$line") "
  done < <(numpy --repeats "$repeats" $shapes)
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n%-22s %10s %10s %7s %12s %12s %7s\n' "M,N,K,TA,TB" jm_GF/s np_GF/s ratio jm_cpuGF/s np_cpuGF/s ratio
for s in $shapes; do
  k=$s; [ "$(tr -cd ',' <<<"$s" | wc -c)" = 2 ] && k="$s,0,0"
  a=$(tr ' ' '\n' <<<"${jw[$k]:-}" | grep . | median); b=$(tr ' ' '\n' <<<"${nw[$k]:-}" | grep . | median)
  c=$(tr ' ' '\n' <<<"${jc[$k]:-}" | grep . | median); d=$(tr ' ' '\n' <<<"${nc[$k]:-}" | grep . | median)
  printf '%-22s %10.1f %10.1f %7.2f %12.1f %12.1f %7.2f\n' "$k" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {print (b > 0 ? a / b : 0)}')" \
    "$c" "$d" "$(awk -v a="$c" -v b="$d" 'BEGIN {print (b > 0 ? a / b : 0)}')"
done
