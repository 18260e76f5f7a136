"""CPU inference of vim-tiny at 224²: the PyTorch reference (ref_models, float32) and jmamba, one run.

    python vision/src/test/python/parity/bench_vim_tiny.py [--threads 2] [--skip-jmamba]

Times batch-1 latency (median ms) and batch-32 throughput (img/s) of the reference with random weights,
then runs `./jmamba bench train --model vim-tiny --inference --device cpu` for the same batch sizes and
prints both side by side with the ratio. The reference is the parity reference as written (the scan is a
Python loop over the 197 tokens, vectorised over batch, channels and state): the official code has no CPU
fast path (its scan and conv are CUDA kernels), so this is the PyTorch side a CPU user would otherwise run.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_fixtures as mf  # noqa: E402
import ref_models as rm  # noqa: E402


def reference_vim_tiny():
    model = rm.IsoNet("vim", 3, 192, 16, 24, 1000, 224, lambda i: rm.MambaMixer(192, 16, bidirectional=True))
    mf.randomise(model, torch.Generator().manual_seed(0))
    return model.float().eval()


def time_reference(model, batch, steps, warmup):
    x = torch.randn(batch, 3, 224, 224)
    times = []
    with torch.inference_mode():
        for i in range(warmup + steps):
            t0 = time.perf_counter()
            model(x)
            if i >= warmup:
                times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def time_jmamba(root, batch, steps, warmup):
    cmd = [os.path.join(root, "jmamba"), "bench", "train", "--model", "vim-tiny", "--inference", "--device", "cpu",
           "--batch-size", str(batch), "--steps", str(steps), "--warmup", str(warmup), "--json"]
    out = subprocess.run(cmd, cwd=root, check=True, capture_output=True, text=True).stdout
    line = [l for l in out.splitlines() if l.startswith("{")][-1]
    return json.loads(line)["ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-jmamba", action="store_true")
    ap.add_argument("--steps", type=int, default=4, help="timed batch-1 steps (batch 32: half, at least 1)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))
    model = reference_vim_tiny()
    rows = []
    for batch, steps, warmup in ((1, args.steps, 1), (32, max(1, args.steps // 2), 0)):
        ref = time_reference(model, batch, steps, warmup)
        jm = None if args.skip_jmamba else time_jmamba(root, batch, steps, warmup)
        rows.append((batch, ref, jm))
        print(f"batch {batch}: reference {ref:.0f} ms, jmamba {jm} ms", flush=True)
    print(f"vim-tiny 224x224 CPU inference, torch {torch.__version__}, {args.threads} threads")
    print("| batch | PyTorch reference ms | img/s | jmamba ms | img/s | jmamba speed-up |")
    print("|---|---|---|---|---|---|")
    for batch, ref, jm in rows:
        jm_cells = "n/a | n/a | n/a" if jm is None else f"{jm:.0f} | {batch * 1000 / jm:.2f} | {ref / jm:.2f}x"
        print(f"| {batch} | {ref:.0f} | {batch * 1000 / ref:.2f} | {jm_cells} |")


if __name__ == "__main__":
    main()
