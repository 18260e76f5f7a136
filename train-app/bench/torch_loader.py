#!/usr/bin/env python3
"""PyTorch's input pipeline on the same folder `jmamba bench loader` reads, as a measuring stick.

torchvision ImageFolder (PIL decode) + DataLoader with the training transform of `bench loader`:
RandomResizedCrop(224, scale (0.08, 1), ratio (3/4, 4/3)), RandomHorizontalFlip, ToTensor, Normalize
(ImageNet mean / std); shuffle, drop_last, persistent workers, prefetch_factor 2. Like `bench loader`
it warms up on W + 4 batches of epoch 0 and then times all of epoch 1. One JSON line per worker
count, with the same keys as `bench loader --json` where they mean the same.

Usage (jmamba writes and keeps the images with --generate):
    ./jmamba bench loader --generate /tmp/loader-data --images 4096 --workers 1 --batch-size 128 --json
    python3 train-app/bench/torch_loader.py --data /tmp/loader-data --workers 1,8,16 --batch-size 128
"""
import argparse
import json
import os
import resource
import time

import sys

try:
    import torch
    from torch.utils.data import DataLoader
    from torchvision import datasets, transforms
    from torchvision.transforms import InterpolationMode
except ImportError as e:  # a measuring stick only: say what is missing in one sentence
    print(f"torch_loader.py: PyTorch with torchvision is needed for the comparison and is not installed here ({e})", file=sys.stderr)
    sys.exit(1)


def cpu_seconds():
    """CPU time of this process and its (finished or running) worker children, in seconds."""
    s = resource.getrusage(resource.RUSAGE_SELF)
    t = s.ru_utime + s.ru_stime
    try:  # running workers are not in RUSAGE_CHILDREN until they exit: read /proc
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == os.getpid():  # ppid
                    tick = os.sysconf("SC_CLK_TCK")
                    t += (int(fields[11]) + int(fields[12])) / tick
            except (OSError, IndexError, ValueError):
                pass
    except OSError:
        pass
    return t


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True, help="ImageNet-layout folder; its train/ split is read")
    p.add_argument("--workers", default="1,8,16")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--filter", choices=["bicubic", "bilinear"], default="bicubic")
    args = p.parse_args()
    interp = InterpolationMode.BICUBIC if args.filter == "bicubic" else InterpolationMode.BILINEAR
    tf = transforms.Compose([
        transforms.RandomResizedCrop(224, interpolation=interp),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)),
    ])
    data = datasets.ImageFolder(os.path.join(args.data, "train"), transform=tf)
    for w in [int(x) for x in args.workers.split(",")]:
        torch.manual_seed(7)
        loader = DataLoader(data, batch_size=args.batch_size, shuffle=True, drop_last=True, num_workers=w,
                            persistent_workers=w > 0, prefetch_factor=2 if w > 0 else None)
        it = iter(loader)
        for _ in range(min(len(loader), w + 4)):
            next(it)
        del it
        c0 = cpu_seconds()
        t0 = time.perf_counter()
        images = 0
        for x, _ in loader:
            images += x.shape[0]
        seconds = time.perf_counter() - t0
        cpu = cpu_seconds() - c0
        print(json.dumps({"bench": "loader", "pipeline": "torchvision", "decoder": "PIL " + __import__("PIL").__version__,
                          "filter": args.filter, "workers": w, "prefetch": 2 * w, "batch": args.batch_size, "images": images,
                          "seconds": round(seconds, 3), "img_per_s": round(images / seconds, 1),
                          "img_per_s_per_worker": round(images / seconds / max(w, 1), 1),
                          "img_per_cpu_s": round(images / cpu, 1) if cpu > 0 else None,
                          "torch": torch.__version__, "cores": os.cpu_count()}), flush=True)
        del loader


if __name__ == "__main__":
    main()
