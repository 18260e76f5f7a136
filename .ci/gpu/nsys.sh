#!/usr/bin/env bash
# Kernel-level timing of one bench case with Nsight Systems (when the GPU machine has nsys):
#   bash .ci/gpu/nsys.sh NAME bench train --model vmamba-tiny --device cuda --precision bf16 --steps 3 --warmup 1
# Writes $OUT/NAME.kern.txt (cuda_gpu_kern_sum: time per kernel name, all steps) and prints its top lines.
name=$1; shift
NSYS=$(command -v nsys || ls /usr/local/cuda/bin/nsys /opt/nvidia/nsight-systems*/bin/nsys /usr/local/cuda*/nsight-systems*/bin/nsys 2>/dev/null | head -1)
if [ -z "$NSYS" ]; then echo "nsys: not found"; ls /usr/local/cuda/bin | head -50; exit 0; fi
"$NSYS" profile -q -t cuda -o /tmp/$name --force-overwrite true \
  .device/run -Xss8m -cp '.device/lib/*' dev.jmamba.app.Main "$@" > /tmp/$name.out 2>&1
echo "== $name rc=$?"; grep -v WARNING /tmp/$name.out | head -2 | cut -c1-200
"$NSYS" stats -q --report cuda_gpu_kern_sum --format csv /tmp/$name.nsys-rep > $OUT/$name.kern.csv 2>/dev/null
"$NSYS" stats -q --report cuda_gpu_mem_time_sum --format csv /tmp/$name.nsys-rep > $OUT/$name.mem.csv 2>/dev/null
python3 - "$OUT/$name.kern.csv" <<'PY'
import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1])) if r]
if not rows: print("no kernel rows"); sys.exit()
hdr = rows[0]; data = rows[1:]
it = hdr.index("Total Time (ns)"); ic = hdr.index("Instances"); iname = hdr.index("Name")
total = sum(float(r[it]) for r in data)
print(f"kernels total {total/1e6:.1f} ms over all steps, {len(data)} distinct")
for r in sorted(data, key=lambda r: -float(r[it]))[:40]:
    print(f"{float(r[it])/1e6:9.2f} ms {int(r[ic]):6d}x {float(r[it])/total*100:5.1f}%  {r[iname][:110]}")
PY
