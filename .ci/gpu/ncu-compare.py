#!/usr/bin/env python3
"""Per-kernel comparison of two ncu.sh summaries (lines 'MS ms COUNTx SHARE%  NAME', e.g. .ci/gpu/baselines/*.txt and
the summary ncu.sh prints): python3 .ci/gpu/ncu-compare.py BASE.txt NEW.txt [N] prints the N (default 30) kernels with the
largest time in either, base and new ms, launches and the difference, and the totals."""
import re
import sys


def read(path):
    out, total = {}, None
    for line in open(path):
        m = re.match(r"\s*([0-9.]+) ms\s+(\d+)x\s+[0-9.]+%\s+(.+?)\s*$", line)
        if m:
            out[m.group(3)] = (float(m.group(1)), int(m.group(2)))
        t = re.match(r"kernels total ([0-9.]+) ms", line)
        if t:
            total = float(t.group(1))
    return out, total


base, base_total = read(sys.argv[1])
new, new_total = read(sys.argv[2])
n = int(sys.argv[3]) if len(sys.argv) > 3 else 30
names = sorted(set(base) | set(new), key=lambda k: -max(base.get(k, (0, 0))[0], new.get(k, (0, 0))[0]))
print(f"{'base ms':>9} {'n':>5} {'new ms':>9} {'n':>5} {'new-base':>9}  kernel")
for k in names[:n]:
    b, nb = base.get(k, (0.0, 0))
    a, na = new.get(k, (0.0, 0))
    print(f"{b:9.3f} {nb:5d} {a:9.3f} {na:5d} {a - b:+9.3f}  {k}")
if base_total is not None and new_total is not None:
    print(f"total {base_total:.2f} -> {new_total:.2f} ms ({new_total - base_total:+.2f})")
