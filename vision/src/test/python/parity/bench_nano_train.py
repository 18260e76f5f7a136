"""CPU training speed of a nano preset at 28x28: the PyTorch reference model and jmamba, in one run.

    python vision/src/test/python/parity/bench_nano_train.py [--model vmamba-nano] [--batch 64] [--threads 2]

Builds the same architecture as `jmamba` with the parity reference modules (ref_models, converted to
float32): vmamba-nano = VSSM(dims 32/64/128, depths 1/2/1, d_state 1, ssm_ratio 1, mlp_ratio 2) and
vim-nano = Vim(dim 48, patch 4, depth 4, d_state 8, bidirectional). One training step = forward,
cross-entropy against random labels, backward and AdamW (lr 2e-3, weight decay 0.05), on random
(B, 1, 28, 28) images with 10 classes, as `jmamba bench train` does. The median step time of the
timed steps gives img/s; then `./jmamba bench train --device cpu` runs the same case and the ratio
jmamba / PyTorch is printed. The reference scan is a Python loop over the tokens, vectorised over
batch, channels and state (the official kernels are CUDA-only, so this is what PyTorch runs on a CPU).
This is a measuring stick for the notes: nothing at run time needs Python.
"""
import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # a measuring stick only: say what is missing in one sentence
    print(f"bench_nano_train.py: PyTorch is needed for the comparison and is not installed here ({e})", file=sys.stderr)
    sys.exit(1)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref_models as rm  # noqa: E402

CLASSES, SIDE = 10, 28


def build(name):
    if name == "vmamba-nano":
        return rm.VSSM(1, [32, 64, 128], [1, 2, 1], 1, 1.0, 2.0, CLASSES)
    if name == "vim-nano":
        return rm.IsoNet("vim", 1, 48, 4, 4, CLASSES, SIDE, lambda i: rm.MambaMixer(48, 8, bidirectional=True))
    raise SystemExit(f"bench_nano_train.py: unknown model '{name}'; choose vmamba-nano or vim-nano")


def initialise(model, gen):
    """A training-like init (the reference modules are created empty): trunc-normal weights, S4D-real A,
    D = 1, Mamba's dt bias, unit norms."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            leaf = name.split(".")[-1]
            if leaf in ("A_logs", "A_log", "A_b_log"):
                p.copy_(torch.log(torch.arange(1, p.shape[-1] + 1, dtype=p.dtype)).expand_as(p))
            elif leaf in ("Ds", "D", "D_b"):
                p.fill_(1.0)
            elif leaf == "dt_projs_bias" or (".dt_proj" in name and leaf == "bias"):
                u = torch.rand(p.shape, generator=gen, dtype=p.dtype)
                dt = torch.exp(u * (math.log(0.1) - math.log(0.001)) + math.log(0.001)).clamp(min=1e-4)
                p.copy_(dt + torch.log(-torch.expm1(-dt)))
            elif "norm" in name and leaf == "weight" and p.dim() == 1:
                p.fill_(1.0)
            elif leaf == "bias" or p.dim() == 1:
                p.zero_()
            else:
                p.copy_(torch.randn(p.shape, generator=gen, dtype=p.dtype).clamp(-2, 2) * 0.02)


def time_torch(name, batch, steps, warmup):
    model = build(name)
    initialise(model, torch.Generator().manual_seed(0))
    model = model.float().train()
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.05)
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(batch, 1, SIDE, SIDE, generator=gen)
    y = torch.randint(0, CLASSES, (batch,), generator=gen)
    times = []
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        if i >= warmup:
            times.append((time.perf_counter() - t0) * 1000)
        if not math.isfinite(loss.item()):
            raise SystemExit(f"bench_nano_train.py: the PyTorch loss became {loss.item()} at step {i}")
    return statistics.median(times)


def time_jmamba(root, name, batch, steps, warmup):
    cmd = [os.path.join(root, "jmamba"), "bench", "train", "--model", name, "--device", "cpu", "--batch-size", str(batch),
           "--resolution", str(SIDE), "--classes", str(CLASSES), "--steps", str(steps), "--warmup", str(warmup),
           "--sgemm-n", "256", "--json"]
    out = subprocess.run(cmd, cwd=root, check=True, capture_output=True, text=True).stdout
    line = [l for l in out.splitlines() if l.startswith("{")][0]
    return json.loads(line)["ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="vmamba-nano", help="vmamba-nano (the train default) or vim-nano")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--skip-jmamba", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", ".."))
    ref = time_torch(args.model, args.batch, args.steps, args.warmup)
    print(f"PyTorch {torch.__version__}: {ref:.1f} ms per step, {args.batch * 1000 / ref:.1f} img/s", flush=True)
    jm = None if args.skip_jmamba else time_jmamba(root, args.model, args.batch, args.steps, args.warmup)
    print(f"{args.model} {SIDE}x{SIDE} CPU training step (forward, backward, AdamW), batch {args.batch}, "
          f"{args.threads} threads, torch {torch.__version__}")
    print("| PyTorch ms | img/s | jmamba ms | img/s | jmamba / PyTorch img/s |")
    print("|---|---|---|---|---|")
    jm_cells = "n/a | n/a | n/a" if jm is None else f"{jm:.1f} | {args.batch * 1000 / jm:.1f} | {ref / jm:.2f}x"
    print(f"| {ref:.1f} | {args.batch * 1000 / ref:.1f} | {jm_cells} |")


if __name__ == "__main__":
    main()
