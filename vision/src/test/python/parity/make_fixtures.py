"""Writes the float64 parity fixtures read by dev.jmamba.vision.parity.*ParityTest.

Run from the repository root (a dev tool, never a run-time dependency):

    python vision/src/test/python/parity/make_fixtures.py [--out vision/src/test/resources/parity]

Each fixture is one safetensors file with
    param/<name>   every parameter and buffer of the reference module, official names (seeded random values)
    input          the module input (images (B, C, H, W) or tokens)
    output         the module output
    gout           a random upstream gradient; the loss is sum(output * gout)
    grad/input     d loss / d input
    grad/<name>    d loss / d parameter, for every parameter
and metadata {"family", "module", "config" (JSON), "torch"}. All floating tensors are float64.
"""
import argparse
import json
import math
import os
import sys

import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ref_models as rm  # noqa: E402

F64 = torch.float64


def randomise(module, gen):
    """Seeded values that exercise every path: no zero biases, unit norms or identical A rows."""

    def randn(*shape):
        return torch.randn(*shape, generator=gen, dtype=F64)

    with torch.no_grad():
        for name, p in module.named_parameters():
            leaf = name.split(".")[-1]
            parent = name.rsplit(".", 1)[0] if "." in name else ""
            is_norm = "norm" in parent.split(".")[-1] if parent else False
            if leaf.startswith("A_") or leaf == "A_logs":
                n = p.shape[-1]
                p.copy_(torch.log(torch.arange(1, n + 1, dtype=F64)).expand_as(p) + 0.3 * randn(*p.shape))
            elif leaf in ("D", "D_b", "Ds") or leaf.startswith("D_"):
                p.copy_(1.0 + 0.5 * randn(*p.shape))
            elif (parent.split(".")[-1].startswith("dt_proj") and leaf == "bias") or leaf == "dt_projs_bias":
                u = torch.rand(*p.shape, generator=gen, dtype=F64)
                dt = torch.exp(u * (math.log(0.5) - math.log(0.005)) + math.log(0.005))
                p.copy_(dt + torch.log(-torch.expm1(-dt)))
            elif leaf in ("pos_embed", "cls_token"):
                p.copy_(0.3 * randn(*p.shape))
            elif is_norm or parent.endswith("norm") or isinstance(_owner(module, parent), (torch.nn.LayerNorm,
                                                                                           torch.nn.BatchNorm2d)):
                p.copy_((1.0 if leaf == "weight" else 0.0) + 0.2 * randn(*p.shape))
            elif leaf == "bias" or p.dim() == 1:
                p.copy_(0.1 * randn(*p.shape))
            else:
                fan_in = p.shape[-1] if leaf in ("x_proj_weight", "dt_projs_weight") else p[0].numel()
                p.copy_(randn(*p.shape) / math.sqrt(fan_in))
        for name, b in module.named_buffers():
            if name.endswith("running_mean"):
                b.copy_(0.2 * randn(*b.shape))
            elif name.endswith("running_var"):
                b.copy_(0.5 + torch.rand(*b.shape, generator=gen, dtype=F64))


def _owner(module, path):
    m = module
    for part in path.split(".") if path else []:
        m = getattr(m, part)
    return m


def fixture(path, family, module_name, config, module, x, seed):
    gen = torch.Generator().manual_seed(seed)
    randomise(module, gen)
    module.eval()
    x = x.clone().requires_grad_(True)
    out = module(x)
    gout = torch.randn(out.shape, generator=gen, dtype=F64)
    (out * gout).sum().backward()
    tensors = {"input": x.detach(), "output": out.detach(), "gout": gout, "grad/input": x.grad}
    for name, t in module.state_dict().items():
        tensors["param/" + name] = t
    for name, p in module.named_parameters():
        tensors["grad/" + name] = p.grad
    tensors = {k: v.contiguous() for k, v in tensors.items()}
    meta = {"family": family, "module": module_name, "config": json.dumps(config), "torch": torch.__version__}
    save_file(tensors, path, metadata=meta)
    size = os.path.getsize(path)
    print(f"{os.path.basename(path)}: {len(tensors)} tensors, {size / 1024:.0f} KiB, |output|max "
          f"{out.detach().abs().max().item():.3g}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="vision/src/test/resources/parity")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1234)

    def images(*shape):
        return torch.randn(*shape, generator=g, dtype=F64)

    def out(name):
        return os.path.join(args.out, name + ".safetensors")

    # Vim: the bimamba v2 mixer (divide out) and a two-layer model with the middle class token
    cfg = dict(d_model=16, d_state=4, d_conv=4, expand=2, bidirectional=True)
    fixture(out("vim_mixer"), "vim", "VimMixer", cfg, rm.MambaMixer(**cfg), images(2, 13, 16), 1)
    cfg = dict(in_ch=3, dim=16, patch=4, depth=2, classes=5, image=16, d_state=4)
    model = rm.IsoNet("vim", cfg["in_ch"], cfg["dim"], cfg["patch"], cfg["depth"], cfg["classes"], cfg["image"],
                      lambda i: rm.MambaMixer(cfg["dim"], cfg["d_state"], bidirectional=True))
    fixture(out("vim_model"), "vim", "Vim", cfg, model, images(2, 3, 16, 16), 2)

    # VMamba: SS2D v05_noz on a non-square map, and a two-stage VSSM (patch embed v2, downsample v3)
    cfg = dict(d_model=16, d_state=2, ssm_ratio=2.0, d_conv=3)
    fixture(out("ss2d_mixer"), "vmamba", "SS2D", cfg, rm.SS2D(16, 2, 2.0, 3, rm.vmamba_orders, 4), images(2, 5, 7, 16), 3)
    cfg = dict(in_ch=3, dims=[16, 32], depths=[1, 1], d_state=2, ssm_ratio=2.0, mlp_ratio=2.0, classes=5)
    fixture(out("vmamba_model"), "vmamba", "VMamba", cfg, rm.VSSM(**cfg), images(2, 3, 28, 20), 4)

    # LocalMamba: the multi-direction mixer on a 14x14 grid (w2 and w7 divide it) and a LocalVim with RoPE
    dirs = [["h", "v_flip", "w7", "w2_flip"], ["h_flip", "v", "w2", "w7_flip"]]
    cfg = dict(d_model=16, d_state=4, directions=dirs[0], grid=[14, 14])
    fixture(out("local_mixer"), "localmamba", "LocalMixer", cfg, rm.MultiMamba(16, 4, dirs[0], (14, 14)),
            images(2, 196, 16), 5)
    cfg = dict(in_ch=3, dim=16, patch=2, depth=2, classes=5, image=28, d_state=4, directions=dirs, rope=True)
    model = rm.IsoNet("local", 3, 16, 2, 2, 5, 28, lambda i: rm.MultiMamba(16, 4, dirs[i], (14, 14)))
    fixture(out("localvim_model"), "localmamba", "LocalVim", cfg, model, images(2, 3, 28, 28), 6)

    # GlobalMamba: DCT low-pass bands, shared patch conv, bilinear resize, unidirectional Mamba layers
    cfg = dict(in_ch=3, dim=16, patch=4, depth=2, classes=5, image=32, d_state=4, bidirectional=False)
    model = rm.IsoNet("global", 3, 16, 4, 2, 5, 32, lambda i: rm.MambaMixer(16, 4, bidirectional=False))
    fixture(out("globalmamba_model"), "globalmamba", "GlobalMamba", cfg, model, images(2, 3, 32, 32), 7)

    # FractalMamba (jmamba's reading): Hilbert + transposed Hilbert mixer with GrootV's z gate and h_norm
    cfg = dict(d_model=16, d_state=1, ssm_ratio=2.0, pathways=["hilbert", "hilbert-t"], z_gate=True, h_norm=True)
    fixture(out("fractal_mixer"), "fractalmamba", "MultiScanMixer", cfg,
            rm.SS2D(16, 1, 2.0, 3, rm.fractal_orders, 2, z_gate=True, h_norm=True), images(2, 6, 5, 16), 8)
    cfg = dict(in_ch=3, channels=16, depths=[1, 1], d_state=1, ssm_ratio=2.0, mlp_ratio=2.0, cls_scale=1.5, classes=5)
    model = rm.FractalNet(3, 16, [1, 1], 1, 2.0, 2.0, 1.5, 5, rm.fractal_orders, 2)
    fixture(out("fractalmamba_model"), "fractalmamba", "FractalMamba", cfg, model, images(2, 3, 28, 20), 9)


if __name__ == "__main__":
    main()
