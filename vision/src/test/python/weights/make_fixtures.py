"""Step 2 of the import fixture (step 1: WriteNanoStateDicts writes jmamba's vim-nano state dict): saves it
the way DeiT/Vim's main.py saves a training checkpoint, with the CPU torch wheel:

    python vision/src/test/python/weights/make_fixtures.py /tmp/nano vision/src/test/resources/dev/jmamba/vision/weights

{'model': state dict in float16 (half the bytes; the Java test rounds the seed model the same way),
 'optimizer', 'lr_scheduler', 'epoch', 'args': argparse.Namespace} in one .pth (zip) file.
"""
import argparse
import collections
import os
import sys

import torch
from safetensors.torch import load_file

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
vim = collections.OrderedDict((k, v.half() if v.is_floating_point() else v)
                              for k, v in load_file(os.path.join(src, "vim-nano.safetensors")).items())
torch.save({"model": vim,
            "optimizer": {"state": {}, "param_groups": [{"lr": 1e-3, "weight_decay": 0.05, "params": [0, 1]}]},
            "lr_scheduler": {"base_lrs": [1e-3], "last_epoch": 299}, "epoch": 299,
            "args": argparse.Namespace(model="vim_nano", input_size=28, nb_classes=10, device="cuda")},
           os.path.join(out, "vim-nano-training.pth"))
print({f: os.path.getsize(os.path.join(out, f)) for f in sorted(os.listdir(out))})
