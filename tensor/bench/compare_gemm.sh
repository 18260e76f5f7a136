#!/usr/bin/env bash
# Compares `jmamba bench gemm` with numpy/OpenBLAS sgemm, alternating the two (the machine is shared
# and noisy), for n in $SIZES; prints each run and then, per n, the median over rounds and the ratio.
#   tensor/bench/compare_gemm.sh [rounds]        (env: SIZES="256 1024 2048", REPEATS=10)
# Runs the already built jar with the java command ./jmamba would use; build it first with
#   mvn -B -ntp -q -o -pl train-app -am package -DskipTests
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/tensor/bench"
rounds=${1:-5}
sizes=${SIZES:-"256 1024 2048"}
repeats=${REPEATS:-10}
[ -f "$root/train-app/target/jmamba.jar" ] || { echo "compare_gemm: build the jar first (see the header of $0)" >&2; exit 2; }
read -r -a jm <<<"$("$root/jmamba" --print-java-command)"
numpy() { env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 "$here/numpy_gemm.py" "$@"; }
field() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p"; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

numpy 64 1 --info >/dev/null
echo "java: ${jm[*]}"
declare -A jg npg
for n in $sizes; do
  for ((r = 1; r <= rounds; r++)); do
    j=$("${jm[@]}" bench gemm --n "$n" --repeats "$repeats" --json 2>/dev/null | grep '"case"')
    p=$(numpy "$n" "$repeats")
    echo "n=$n round $r  jmamba $j"
    echo "n=$n round $r  numpy  $p"
    jg[$n]+="$(field gflops <<<"$j") "; npg[$n]+="$(field gflops <<<"$p") "
  done
done
printf '\n%6s %16s %16s %8s\n' n jmamba_GFLOP/s numpy_GFLOP/s ratio
for n in $sizes; do
  a=$(tr ' ' '\n' <<<"${jg[$n]}" | grep . | median); b=$(tr ' ' '\n' <<<"${npg[$n]}" | grep . | median)
  printf '%6d %16.1f %16.1f %8.2f\n' "$n" "$a" "$b" "$(awk -v a="$a" -v b="$b" 'BEGIN {print a / b}')"
done
