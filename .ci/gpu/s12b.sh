#!/usr/bin/env bash
# session 12, second call: which GEMMs make FractalMamba-T's fp32 step slower than VMamba-T's (Nsight Compute per
# launch, the CSV kept: launches in program order, joined offline with the matmul shapes of a CPU step), the split-K
# switch on both models, LocalMamba-T and Vim-T fp32, and FractalMamba-T's --profile table.
export JMAMBA_NATIVE_LIB_DIR=$PWD/.device/native
t0=$SECONDS
LIMIT=${LIMIT:-300}
NCU=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
timeout 110 "$NCU" --metrics gpu__time_duration.sum --csv --log-file /tmp/f.csv --clock-control none \
  .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model fractalmamba-tiny --device cuda \
  --batch-size 128 --steps 1 --warmup 0 --precision fp32 > /tmp/f.out 2>&1; echo "ncu rc=$? t=$((SECONDS-t0))"
python3 - /tmp/f.csv > $OUT/fractal-fp32-launches.tsv <<'PY'
import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1])) if r and not r[0].startswith("==")]
h = rows[0]; ik, iv, iu = h.index("Kernel Name"), h.index("Metric Value"), h.index("Metric Unit")
ig, ib = h.index("Grid Size"), h.index("Block Size")
sc = {"nsecond": 1e-3, "usecond": 1.0, "msecond": 1e3}
for r in rows[1:]:
    print(f"{float(r[iv].replace(',', '')) * sc.get(r[iu], 1e-3):.1f}\t{r[ig]}\t{r[ib]}\t{r[ik][:110]}")
PY
wc -l $OUT/fractal-fp32-launches.tsv
bench() {  # model precision [flags]
  local mdl=$1 p=$2; shift 2
  [ $((LIMIT-SECONDS)) -lt 30 ] && { echo "skip $mdl $p $* (time)"; return; }
  echo "== $mdl $p $* ${JAVA_TOOL_OPTIONS:-}"
  timeout 90 .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train --model $mdl \
    --device cuda --batch-size 128 --steps 6 --warmup 2 --precision $p --json "$@" > /tmp/b.log 2>&1; echo "rc=$? t=$((SECONDS-t0))"
  grep -v -E "WARNING|Picked up" /tmp/b.log | grep '^{' | head -1 | cut -c1-170; grep -v -E "WARNING|Picked up|^\{" /tmp/b.log | tail -2 | cut -c1-300
}
for s in off on; do
  export JAVA_TOOL_OPTIONS=-Djmamba.cuda.splitK=$s
  bench vmamba-tiny fp32; bench fractalmamba-tiny fp32
done
unset JAVA_TOOL_OPTIONS
bench localmamba-tiny fp32; bench vim-tiny fp32
[ $((LIMIT-SECONDS)) -gt 45 ] && timeout $((LIMIT-SECONDS-5)) .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main bench train \
  --model fractalmamba-tiny --device cuda --batch-size 128 --steps 3 --warmup 2 --precision fp32 --profile > $OUT/fractal-fp32-profile.txt 2>&1
grep -v -E "WARNING|Picked up" $OUT/fractal-fp32-profile.txt | head -45 | cut -c1-160
echo "all done $((SECONDS-t0)) s"
