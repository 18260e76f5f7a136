#!/usr/bin/env bash
# Kernel-level device time of one bench case with Nsight Compute (gpu__time_duration per launch, kernels
# serialised; launch gaps not counted):
#   bash .ci/gpu/ncu.sh NAME bench train --model vmamba-tiny --device cuda --precision bf16 --steps 1 --warmup 1
# Writes $OUT/NAME.ncu.csv (every launch) and prints time per kernel name, all profiled launches summed.
name=$1; shift
NCU=$(command -v ncu || echo /usr/local/cuda/bin/ncu)
"$NCU" --metrics gpu__time_duration.sum --csv --log-file $OUT/$name.ncu.csv ${NCU_EXTRA} \
  .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main "$@" > /tmp/$name.out 2>&1
echo "== $name rc=$?"; grep -v -E "WARNING|^==PROF==" /tmp/$name.out | head -3 | cut -c1-200
python3 - "$OUT/$name.ncu.csv" <<'PY'
import csv, sys, collections
rows = [r for r in csv.reader(open(sys.argv[1])) if r and not r[0].startswith("==")]
if len(rows) < 2: print("no ncu rows:", open(sys.argv[1]).read()[:600]); sys.exit()
hdr = rows[0]; data = rows[1:]
ik = hdr.index("Kernel Name"); iv = hdr.index("Metric Value"); iu = hdr.index("Metric Unit")
scale = {"nsecond": 1e-6, "usecond": 1e-3, "msecond": 1.0, "second": 1e3}
t = collections.defaultdict(float); n = collections.Counter()
for r in data:
    v = float(r[iv].replace(",", "")) * scale.get(r[iu], 1e-6)
    k = r[ik].split("(")[0][:90]
    t[k] += v; n[k] += 1
total = sum(t.values())
print(f"kernels total {total:.1f} ms, {sum(n.values())} launches, {len(t)} names")
for k, v in sorted(t.items(), key=lambda kv: -kv[1])[:45]:
    print(f"{v:9.2f} ms {n[k]:6d}x {v/total*100:5.1f}%  {k}")
PY
