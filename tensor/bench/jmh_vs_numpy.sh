#!/usr/bin/env bash
# JMH (GemmBench) against numpy/OpenBLAS on the same shapes and thread count, alternating the two each
# round; prints per shape the median over rounds of GFLOP/s from median call times (JMH sample mode,
# its p50; numpy's median wall time) and the ratio jmamba / numpy. Medians, not means: on a shared
# machine a mean mostly measures how often the other processes preempt the benchmark.
#   tensor/bench/jmh_vs_numpy.sh [rounds]     (default 3)
# env: SHAPES="M,N,K,TA,TB ..." (default: 1024 and 256 squares and the model shapes of
#      `jmamba bench gemm --list-model-shapes`), THREADS=N (default: all cores),
#      JMH_ARGS (default "-f 1 -wi 3 -w 1 -i 5 -r 1").
# Needs the built jar (for the model shape list) and the tensor test classes: `./jmamba jmh` builds them.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
here="$root/tensor/bench"
rounds=${1:-3}
threads=${THREADS:-$(nproc)}
jmh_args=${JMH_ARGS:-"-f 1 -wi 3 -w 1 -i 5 -r 1"}
jmh_args="-bm sample -tu us $jmh_args"
if [ -n "${SHAPES:-}" ]; then
  shapes=$SHAPES
else
  shapes="1024,1024,1024,0,0 256,256,256,0,0 $("$root/jmamba" bench gemm --list-model-shapes 2>/dev/null | awk '{print $1}' | tr '\n' ' ')"
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "threads: $threads, rounds: $rounds, load: $(cut -d' ' -f1-3 /proc/loadavg)"
OPENBLAS_NUM_THREADS="$threads" python3 "$here/numpy_gemm.py" 64 1 --info >/dev/null
for ((r = 1; r <= rounds; r++)); do
  # shellcheck disable=SC2086
  "$root/jmamba" jmh GemmBench -p shape="$(echo $shapes | tr ',' 'x' | tr ' ' ',')" \
      -p threads="$threads" $jmh_args -rf json -rff "$out/jmh$r.json" >"$out/jmh$r.log" 2>&1 || { cat "$out/jmh$r.log" >&2; exit 1; }
  OPENBLAS_NUM_THREADS="$threads" python3 "$here/numpy_gemm.py" --repeats 20 $shapes >"$out/np$r.json"
  echo "round $r done, load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
python3 - "$out" "$rounds" $shapes <<'PY'
import json, statistics, sys
out, rounds, shapes = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
jm, np_ = {}, {}
for r in range(1, rounds + 1):
    for res in json.load(open(f"{out}/jmh{r}.json")):
        s = res["params"]["shape"].replace("x", ",")
        m, n, k = map(int, s.split(",")[:3])
        us = res["primaryMetric"]["scorePercentiles"]["50.0"]
        jm.setdefault(s, []).append(2 * m * n * k / (us * 1e-6) / 1e9)
    for line in open(f"{out}/np{r}.json"):
        d = json.loads(line)
        np_.setdefault(f"{d['m']},{d['n']},{d['k']},{d['ta']},{d['tb']}", []).append(d["gflops"])
print(f"\n{'M,N,K,TA,TB':22s} {'jmh GF/s':>10s} {'numpy GF/s':>11s} {'ratio':>6s}   (medians over rounds; then every round)")
for s in shapes:
    a, b = statistics.median(jm.get(s, [0])), statistics.median(np_.get(s, [0]))
    print(f"{s:22s} {a:10.1f} {b:11.1f} {a / b if b else 0:6.2f}   jmh {' '.join(f'{x:.0f}' for x in jm.get(s, []))} | numpy {' '.join(f'{x:.0f}' for x in np_.get(s, []))}")
PY
