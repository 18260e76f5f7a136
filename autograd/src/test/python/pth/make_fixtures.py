"""Writes the small PyTorch checkpoints that TorchArchiveTest reads (run with the CPU torch wheel):

    python autograd/src/test/python/pth/make_fixtures.py autograd/src/test/resources/dev/jmamba/io/pth

Each .pth is paired with the values it must read as, in expected.safetensors (contiguous copies, with
the integer widening jmamba applies: int8/int16 -> int32, bool -> uint8). Seeded, so the files are
reproducible up to torch's zip writer.
"""
import argparse
import collections
import os
import sys

import numpy as np
import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(__file__))
from yacs.config import CfgNode  # noqa: E402  (the stand-in)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(16)

net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
sd = net.state_dict()                                   # OrderedDict with _metadata (BUILD on a dict)
for k in list(sd):
    sd[k] = sd[k].clone()                               # detached from the module (the training step below)
base = torch.randn(5, 6)
sd["extra.transposed"] = base.t()                       # non-contiguous view
sd["extra.shared_a"] = base[1:3]                        # shares base's storage, offset 6
sd["extra.scalar"] = torch.tensor(2.5, dtype=torch.float64)
sd["extra.bf16"] = torch.randn(3, dtype=torch.bfloat16)
sd["extra.f16"] = torch.randn(2, 2, dtype=torch.float16)
sd["extra.i8"] = torch.tensor([-3, 7], dtype=torch.int8)
sd["extra.i16"] = torch.tensor([-300, 7], dtype=torch.int16)
sd["extra.i32"] = torch.tensor([-70000, 5], dtype=torch.int32)
sd["extra.u8"] = torch.tensor([0, 255], dtype=torch.uint8)
sd["extra.bool"] = torch.tensor([True, False, True])
sd["extra.empty"] = torch.zeros(0, 3)
sd["extra.param"] = torch.nn.Parameter(torch.arange(4.0))
sd["extra.strided"] = base[:, ::2]                      # stride (6, 2)

expected = {}
for k, v in sd.items():
    v = v.detach()
    if v.dtype in (torch.int8, torch.int16):
        v = v.to(torch.int32)
    if v.dtype == torch.bool:
        v = v.to(torch.uint8)
    expected[k] = v.contiguous().clone()
save_file(expected, os.path.join(out, "expected.safetensors"))

torch.save(sd, os.path.join(out, "state_dict.pth"))
torch.save(sd, os.path.join(out, "state_dict_p4.pth"), pickle_protocol=4)   # FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINUNICODE

ema = collections.OrderedDict((k, v * 0 + 1 if v.is_floating_point() else v) for k, v in sd.items())
opt = torch.optim.AdamW(net.parameters())
net(torch.randn(2, 3)).sum().backward()
opt.step()
cfg = CfgNode({"MODEL": CfgNode({"NAME": "vssm", "DROP": 0.1}), "TAGS": ["a", "b"]})
torch.save({"model": sd, "model_ema": ema, "optimizer": opt.state_dict(), "epoch": 299,
            "args": argparse.Namespace(model="vim_tiny", lr=5e-4, device="cuda", input_size=224, flags=(1, 2)),
            "max_accuracy": np.float64(76.1), "best_epoch": np.int64(280), "config": cfg,
            "names": {"x", "y"}, "blob": b"\x00\x01binary"},
           os.path.join(out, "training.pth"))

torch.save(collections.OrderedDict(("module." + k, v) for k, v in sd.items()), os.path.join(out, "ddp.pth"))


class Evil:
    def __reduce__(self):
        return (os.system, ("echo this must never run",))


torch.save({"model": {"w": torch.ones(1)}, "payload": Evil()}, os.path.join(out, "evil.pth"))
torch.save({"epoch": 3, "acc": 1.5}, os.path.join(out, "no_state_dict.pth"))
torch.save({"w": torch.ones(2)}, os.path.join(out, "legacy.pth"), _use_new_zipfile_serialization=False)
print("wrote", sorted(os.listdir(out)))
