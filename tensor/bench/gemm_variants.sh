#!/usr/bin/env bash
# Times `jmamba bench gemm` under several JVM-flag variants (e.g. the jmamba.gemm.* switches of docs/SETTINGS.md) on
# the same shapes, alternating the variants within each round, with numpy/OpenBLAS once per round as the same-run
# reference; prints per shape the median GFLOP/s (wall clock) of every variant and of numpy, and each variant's
# ratio to the first one. For finding which part of the SGEMM loses on a machine (issue 22), not for the headline
# ratio (tensor/bench/compare_gemm.sh does that).
#   tensor/bench/gemm_variants.sh ROUNDS "NAME=FLAGS" ...     FLAGS: separated by spaces ("" for none); those starting
#   with -- go to `bench gemm` (e.g. "--threads 1", which replaces THREADS for that variant), the others to java
# env: SHAPES="M,N,K,TA,TB ..." (default: 1024³ and 256³), THREADS (default: all cores; both sides),
#      AVX2=1 (every variant gets -XX:UseAVX=2 and numpy OPENBLAS_CORETYPE=Haswell, as in compare_gemm.sh),
#      JAVA_CMD (the command that runs jmamba's Main, as in compare_gemm.sh), REPEATS (10), WARMUP_MS (300).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/tensor/bench"
[ $# -ge 2 ] || { echo "usage: $0 ROUNDS NAME=FLAGS [NAME=FLAGS ...]" >&2; exit 2; }
rounds=$1; shift
threads=${THREADS:-$(nproc)}
repeats=${REPEATS:-10}
warmup=${WARMUP_MS:-300}
if [ -n "${JAVA_CMD:-}" ]; then read -r -a jm <<<"$JAVA_CMD"; else read -r -a jm <<<"$("$root/jmamba" --print-java-command)"; fi
coretype=""
if [ -n "${AVX2:-}" ]; then coretype=Haswell; jm=("${jm[0]}" -XX:UseAVX=2 "${jm[@]:1}"); fi
shapes=${SHAPES:-"1024,1024,1024,0,0 256,256,256,0,0"}
jargs=(); for s in $shapes; do jargs+=(--shape "$s"); done
names=(); flags=()
for v in "$@"; do names+=("${v%%=*}"); flags+=("${v#*=}"); done
source "$here/gemm_lib.sh"
echo "java: ${jm[*]}; threads $threads, rounds $rounds, load $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A g
for ((r = 1; r <= rounds; r++)); do
  for i in "${!names[@]}"; do
    read -r -a words <<<"${flags[i]}"
    jvm=(); args=(); next_is_arg=""
    for w in "${words[@]}"; do
      if [[ $w == --* ]] || [ -n "$next_is_arg" ]; then args+=("$w"); [[ $w == --* && $w != *=* ]] && next_is_arg=1 || next_is_arg=""
      else jvm+=("$w"); fi
    done
    [[ " ${args[*]} " == *" --threads"* ]] || args+=(--threads "$threads")
    while read -r line; do
      case "$line" in
        *'"case":"gemm-kernel"'*) [ "$r" = 1 ] && echo "${names[i]}: $line"; continue ;;
        *'"case":"gemm"'*) k=$(key <<<"$line"); g[$i,$k]+="$(field gflops <<<"$line") " ;;
      esac
    done < <("${jm[0]}" "${jvm[@]}" "${jm[@]:1}" bench gemm "${args[@]}" --repeats "$repeats" --json \
               --shape-warmup-ms "$warmup" --cpu-ms 0 "${jargs[@]}" 2>/dev/null)
  done
  while read -r line; do k=$(key <<<"$line"); g[np,$k]+="$(field gflops <<<"$line") "; done \
    < <(numpy --repeats "$repeats" --warmup-ms "$warmup" --cpu-ms 0 $shapes)
done
printf '\n%-22s' "M,N,K,TA,TB  GFLOP/s"; for n in "${names[@]}"; do printf ' %12s' "$n"; done; printf ' %10s   ratios to %s\n' numpy "${names[0]}"
for s in $shapes; do
  printf '%-22s' "$s"
  first=$(tr ' ' '\n' <<<"${g[0,$s]:-}" | grep . | median || true); ratios=""
  for i in "${!names[@]}"; do
    m=$(tr ' ' '\n' <<<"${g[$i,$s]:-}" | grep . | median || true); printf ' %12.1f' "${m:-0}"
    ratios+=$(awk -v a="${m:-0}" -v b="${first:-0}" 'BEGIN {printf " %.2f", (b > 0 ? a / b : 0)}')
  done
  np=$(tr ' ' '\n' <<<"${g[np,$s]:-}" | grep . | median || true)
  printf ' %10.1f  %s  (first / numpy %s)\n' "${np:-0}" "$ratios" "$(awk -v a="${first:-0}" -v b="${np:-0}" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')"
done
