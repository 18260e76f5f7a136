"""Reference modules (float64, CPU) with the official parameter names.

Each class restates one official module's forward pass (see the docstrings for the source), using
ref_ops' plain loops instead of the CUDA/Triton kernels. Parameters are created empty here and filled
by make_fixtures.randomise (the parity fixtures use seeded random values, not the training init).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

import ref_ops as ops

F64 = torch.float64


def _p(*shape):
    return nn.Parameter(torch.empty(*shape, dtype=F64))


def _linear(i, o, bias):
    return nn.Linear(i, o, bias=bias, dtype=F64)


class Permute(nn.Module):
    def __init__(self, *dims):
        super().__init__()
        self.dims = dims

    def forward(self, x):
        return x.permute(*self.dims)


# ------------------------------------------------------------------ Mamba mixers (Vim, GlobalMamba)


class MambaMixer(nn.Module):
    """mamba_simple.Mamba as hustvl/Vim uses it: bimamba_type "v2" with if_divide_out (bidirectional) or
    the plain block (GlobalMamba's released mixer: the backward branch is commented out there).
    xz = in_proj(h); out = core(xz) [+ flip(core_b(flip(xz)))] [/ 2]; out_proj(out)."""

    def __init__(self, d_model, d_state, d_conv=4, expand=2, bidirectional=True):
        super().__init__()
        self.d_inner = expand * d_model
        self.dt_rank = math.ceil(d_model / 16)
        self.d_state = d_state
        self.bidirectional = bidirectional
        di, r, n = self.d_inner, self.dt_rank, d_state
        self.in_proj = _linear(d_model, 2 * di, False)
        suffixes = ["", "_b"] if bidirectional else [""]
        for s in suffixes:
            setattr(self, "conv1d" + s, nn.Conv1d(di, di, d_conv, groups=di, padding=d_conv - 1, dtype=F64))
            setattr(self, "x_proj" + s, _linear(di, r + 2 * n, False))
            setattr(self, "dt_proj" + s, _linear(r, di, True))
            setattr(self, "A_log" if s == "" else "A_b_log", _p(di, n))
            setattr(self, "D" + s, _p(di))
        self.out_proj = _linear(di, d_model, False)

    def _core(self, xz, conv, x_proj, dt_proj, a_log, d):
        x, z = xz.chunk(2, dim=1)                                     # (B, d_inner, L) each
        x = F.silu(ops.causal_depthwise_conv1d(x, conv.weight, conv.bias))
        x_dbl = x_proj(x.transpose(1, 2))                             # (B, L, R + 2N)
        dt, b, c = torch.split(x_dbl, [self.dt_rank, self.d_state, self.d_state], dim=-1)
        delta = (dt @ dt_proj.weight.T).transpose(1, 2)               # (B, d_inner, L), bias in the scan
        return ops.selective_scan(x, delta, -torch.exp(a_log), b.transpose(1, 2), c.transpose(1, 2),
                                  D=d, z=z, delta_bias=dt_proj.bias)

    def forward(self, h):                                             # (B, L, d_model)
        xz = self.in_proj(h).transpose(1, 2)                          # (B, 2 d_inner, L)
        out = self._core(xz, self.conv1d, self.x_proj, self.dt_proj, self.A_log, self.D)
        if self.bidirectional:
            out_b = self._core(xz.flip(-1), self.conv1d_b, self.x_proj_b, self.dt_proj_b, self.A_b_log, self.D_b)
            out = (out + out_b.flip(-1)) / 2
        return self.out_proj(out.transpose(1, 2))


# ------------------------------------------------------------------ LocalMamba


LOCAL_ORDERS = {
    "h": lambda h, w: ops.raster(h, w),
    "h_flip": lambda h, w: ops.reverse(ops.raster(h, w)),
    "v": lambda h, w: ops.column(h, w),
    "v_flip": lambda h, w: ops.reverse(ops.column(h, w)),
    "w2": lambda h, w: ops.window(h, w, 2),
    "w2_flip": lambda h, w: ops.reverse(ops.window(h, w, 2)),
    "w7": lambda h, w: ops.window(h, w, 7),
    "w7_flip": lambda h, w: ops.reverse(ops.window(h, w, 7)),
}


class BiAttn(nn.Module):
    """LocalMamba BiAttn (channel gate only, as released)."""

    def __init__(self, c):
        super().__init__()
        r = int(c * 0.125)
        self.norm = nn.LayerNorm(c, dtype=F64)
        self.global_reduce = _linear(c, r, True)
        self.channel_select = _linear(r, c, True)

    def forward(self, x):                                             # (B, L, C)
        g = self.norm(x).mean(1, keepdim=True)
        g = torch.sigmoid(self.channel_select(F.gelu(self.global_reduce(g))))
        return x * g


class MultiMamba(nn.Module):
    """LocalMamba multi_mamba.MultiMamba: shared in_proj, one Mamba core per direction on the scanned xz,
    outputs put back in row-major order, gated by the shared BiAttn, summed, out_proj."""

    def __init__(self, d_model, d_state, directions, grid, d_conv=4, expand=2):
        super().__init__()
        self.d_inner = expand * d_model
        self.dt_rank = math.ceil(d_model / 16)
        self.d_state = d_state
        self.directions = list(directions)
        self.grid = grid
        di, r, n = self.d_inner, self.dt_rank, d_state
        self.in_proj = _linear(d_model, 2 * di, False)
        for i in range(len(directions)):
            setattr(self, f"A_log_{i}", _p(di, n))
            setattr(self, f"conv1d_{i}", nn.Conv1d(di, di, d_conv, groups=di, padding=d_conv - 1, dtype=F64))
            setattr(self, f"x_proj_{i}", _linear(di, r + 2 * n, False))
            setattr(self, f"dt_proj_{i}", _linear(r, di, True))
            setattr(self, f"D_{i}", _p(di))
        self.out_proj = _linear(di, d_model, False)
        self.attn = BiAttn(di)

    def forward(self, hs):                                            # (B, L, d_model)
        h, w = self.grid
        xz = self.in_proj(hs).transpose(1, 2)                         # (B, 2 d_inner, L)
        total = 0
        for i, name in enumerate(self.directions):
            order = LOCAL_ORDERS[name](h, w)
            s = ops.serialise(xz, order)
            x, z = s.chunk(2, dim=1)
            conv = getattr(self, f"conv1d_{i}")
            x = F.silu(ops.causal_depthwise_conv1d(x, conv.weight, conv.bias))
            dt, b, c = torch.split(getattr(self, f"x_proj_{i}")(x.transpose(1, 2)),
                                   [self.dt_rank, self.d_state, self.d_state], dim=-1)
            dt_proj = getattr(self, f"dt_proj_{i}")
            delta = (dt @ dt_proj.weight.T).transpose(1, 2)
            y = ops.selective_scan(x, delta, -torch.exp(getattr(self, f"A_log_{i}")), b.transpose(1, 2),
                                   c.transpose(1, 2), D=getattr(self, f"D_{i}"), z=z, delta_bias=dt_proj.bias)
            y = ops.deserialise(y, order)                             # (B, d_inner, L) row-major
            total = total + self.attn(y.transpose(1, 2))
        return self.out_proj(total)


# ------------------------------------------------------------------ isotropic nets (Vim, LocalVim, GlobalMamba)


class IsoLayer(nn.Module):
    def __init__(self, mixer, dim):
        super().__init__()
        self.mixer = mixer
        self.norm = nn.Module()
        self.norm.weight = _p(dim)


class IsoNet(nn.Module):
    """hustvl/Vim VisionMamba.forward_features (rms_norm, fused add+norm, residual kept, drop path 0),
    with the tokeniser of the family:
      "vim":    patch conv, middle class token (index M // 2), head on the class token;
      "local":  patch conv, no class token, rotary embedding before every layer on hidden and residual
                (if_rope, if_rope_residual), mean of tokens;
      "global": GlobalMamba's DCT bands through one patch conv, each map resized bilinearly to
                r_i = (n / 2^(3-i)) / p, concatenated low -> high, middle class token.
    """

    def __init__(self, kind, in_ch, dim, patch, depth, classes, image, mixer_factory):
        super().__init__()
        self.kind, self.dim, self.patch, self.image = kind, dim, patch, image
        self.patch_embed = nn.Module()
        self.patch_embed.proj = nn.Conv2d(in_ch, dim, patch, stride=patch, dtype=F64)
        if kind == "global":
            self.band_sides = [(image // 2 ** (3 - i)) // patch for i in range(4)]
            m = sum(r * r for r in self.band_sides)
        else:
            m = (image // patch) ** 2
        self.has_cls = kind in ("vim", "global")
        self.tokens = m + (1 if self.has_cls else 0)
        if self.has_cls:
            self.cls_token = _p(1, 1, dim)
        self.pos_embed = _p(1, self.tokens, dim)
        self.layers = nn.ModuleList([IsoLayer(mixer_factory(i), dim) for i in range(depth)])
        self.norm_f = nn.Module()
        self.norm_f.weight = _p(dim)
        self.head = _linear(dim, classes, True)

    def tokenise(self, img):
        if self.kind != "global":
            return self.patch_embed.proj(img).flatten(2).transpose(1, 2)
        groups = []
        for band, r in zip(ops.dct_bands(img), self.band_sides):
            f = F.interpolate(self.patch_embed.proj(band), size=(r, r), mode="bilinear", align_corners=False)
            groups.append(f.flatten(2).transpose(1, 2))
        return torch.cat(groups, dim=1)

    def forward(self, img):
        x = self.tokenise(img)
        b, m, _ = x.shape
        cls_index = m // 2
        if self.has_cls:
            x = torch.cat((x[:, :cls_index], self.cls_token.expand(b, -1, -1), x[:, cls_index:]), dim=1)
        x = x + self.pos_embed
        if self.kind == "local":
            cos, sin = ops.rope_tables(self.dim, self.image // self.patch)
        residual, hidden = None, x
        for layer in self.layers:
            if self.kind == "local":
                hidden = ops.apply_rope(hidden, cos, sin)
                if residual is not None:
                    residual = ops.apply_rope(residual, cos, sin)
            residual = hidden if residual is None else residual + hidden
            hidden = layer.mixer(ops.rms_norm(residual, layer.norm.weight))
        out = ops.rms_norm(residual + hidden, self.norm_f.weight)
        feat = out[:, cls_index] if self.has_cls else out.mean(1)
        return self.head(feat)


# ------------------------------------------------------------------ VMamba


class SS2D(nn.Module):
    """VMamba SS2D forward_type v05_noz (channels-last form, the same function as the channel-first
    Linear2d/LayerNorm2d one): in_proj -> depthwise conv -> SiLU -> cross scan (K = 4) -> grouped
    selective scan -> cross merge (sum) -> out_norm -> out_proj. With z_gate/h_norm it is the FractalMamba
    mixer as jmamba reads it: GrootV Tree_SSM with the tree scan replaced by selective scans along K orders
    (z = SiLU half of in_proj multiplies after out_norm; h_norm normalises the N = 1 hidden state before C)."""

    def __init__(self, d_model, d_state, ssm_ratio, d_conv, orders_fn, k, z_gate=False, h_norm=False):
        super().__init__()
        di = int(ssm_ratio * d_model)
        self.d_inner, self.dt_rank, self.d_state, self.k = di, math.ceil(d_model / 16), d_state, k
        self.orders_fn, self.z_gate, self.use_h_norm = orders_fn, z_gate, h_norm
        r, n = self.dt_rank, d_state
        self.in_proj = _linear(d_model, 2 * di if z_gate else di, False)
        self.conv2d = nn.Conv2d(di, di, d_conv, padding=(d_conv - 1) // 2, groups=di, bias=False, dtype=F64)
        self.x_proj_weight = _p(k, r + 2 * n, di)
        self.dt_projs_weight = _p(k, di, r)
        self.dt_projs_bias = _p(k, di)
        self.A_logs = _p(k * di, n)
        self.Ds = _p(k * di)
        self.out_norm = nn.LayerNorm(di, dtype=F64)
        if h_norm:
            self.h_norm = nn.LayerNorm(di, dtype=F64)
        self.out_proj = _linear(di, d_model, False)

    def forward(self, x):                                             # (B, H, W, C)
        b, h, w, _ = x.shape
        di, k, length = self.d_inner, self.k, h * w
        t = self.in_proj(x)
        z = None
        if self.z_gate:
            t, z = t.chunk(2, dim=-1)
            z = F.silu(z)
        t = F.silu(self.conv2d(t.permute(0, 3, 1, 2))).flatten(2)    # (B, d_inner, L) row-major
        orders = self.orders_fn(h, w)
        xs = torch.stack([ops.serialise(t, o) for o in orders], dim=1)  # (B, K, d_inner, L)
        x_dbl = torch.einsum("bkdl,kcd->bkcl", xs, self.x_proj_weight)
        dts, bs, cs = torch.split(x_dbl, [self.dt_rank, self.d_state, self.d_state], dim=2)
        dts = torch.einsum("bkrl,kdr->bkdl", dts, self.dt_projs_weight)
        a = -torch.exp(self.A_logs)
        if not self.use_h_norm:
            ys = ops.selective_scan(xs.reshape(b, k * di, length), dts.reshape(b, k * di, length), a, bs, cs,
                                    D=self.Ds, delta_bias=self.dt_projs_bias.reshape(-1)).reshape(b, k, di, length)
        else:
            hid = ops.scan_states(xs.reshape(b, k * di, length), dts.reshape(b, k * di, length), a, bs,
                                  delta_bias=self.dt_projs_bias.reshape(-1))[:, :, 0]  # (B, K d_inner, L), N = 1
            hid = self.h_norm(hid.reshape(b, k, di, length).transpose(2, 3))       # (B, K, L, d_inner)
            ys = (hid * cs.transpose(2, 3)).transpose(2, 3) + xs * self.Ds.reshape(1, k, di, 1)
        y = sum(ops.deserialise(ys[:, i], o) for i, o in enumerate(orders))      # (B, d_inner, L)
        y = self.out_norm(y.transpose(1, 2)).reshape(b, h, w, di)
        if z is not None:
            y = y * z
        return self.out_proj(y)


def vmamba_orders(h, w):
    return [ops.raster(h, w), ops.column(h, w), ops.reverse(ops.raster(h, w)), ops.reverse(ops.column(h, w))]


def fractal_orders(h, w):
    return [ops.hilbert(h, w), ops.hilbert_t(h, w)]


class Mlp(nn.Module):
    def __init__(self, c, hidden):
        super().__init__()
        self.fc1 = _linear(c, hidden, True)
        self.fc2 = _linear(hidden, c, True)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class VSSBlock(nn.Module):
    """VMamba VSSBlock (post_norm False): x + op(norm(x)); x + mlp(norm2(x))."""

    def __init__(self, dim, d_state, ssm_ratio, mlp_ratio):
        super().__init__()
        self.norm = nn.LayerNorm(dim, dtype=F64)
        self.op = SS2D(dim, d_state, ssm_ratio, 3, vmamba_orders, 4)
        self.norm2 = nn.LayerNorm(dim, dtype=F64)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.op(self.norm(x))
        return x + self.mlp(self.norm2(x))


class VSSM(nn.Module):
    """VMamba VSSM with patch embed v2, downsample v3, channels-last LayerNorms (norm_layer "ln"; the
    "ln2d" channel-first variant is the same function with the same names and shapes)."""

    def __init__(self, in_ch, dims, depths, d_state, ssm_ratio, mlp_ratio, classes):
        super().__init__()
        c0 = dims[0]
        self.patch_embed = nn.Sequential(
            nn.Conv2d(in_ch, c0 // 2, 3, stride=2, padding=1, dtype=F64), Permute(0, 2, 3, 1),
            nn.LayerNorm(c0 // 2, dtype=F64), Permute(0, 3, 1, 2), nn.GELU(),
            nn.Conv2d(c0 // 2, c0, 3, stride=2, padding=1, dtype=F64), Permute(0, 2, 3, 1),
            nn.LayerNorm(c0, dtype=F64))
        self.layers = nn.ModuleList()
        for i, (dim, depth) in enumerate(zip(dims, depths)):
            stage = nn.Module()
            stage.blocks = nn.Sequential(*[VSSBlock(dim, d_state, ssm_ratio, mlp_ratio) for _ in range(depth)])
            stage.downsample = nn.Sequential(
                Permute(0, 3, 1, 2), nn.Conv2d(dim, dims[i + 1], 3, stride=2, padding=1, dtype=F64),
                Permute(0, 2, 3, 1), nn.LayerNorm(dims[i + 1], dtype=F64)) if i < len(dims) - 1 else nn.Identity()
            self.layers.append(stage)
        self.classifier = nn.Module()
        self.classifier.norm = nn.LayerNorm(dims[-1], dtype=F64)
        self.classifier.head = _linear(dims[-1], classes, True)

    def forward(self, img):
        x = self.patch_embed(img)                                     # (B, H/4, W/4, C0)
        for stage in self.layers:
            x = stage.downsample(stage.blocks(x))
        x = self.classifier.norm(x).mean(dim=(1, 2))
        return self.classifier.head(x)


# ------------------------------------------------------------------ FractalMamba (GrootV skeleton)


def _ln6(c):
    return nn.LayerNorm(c, eps=1e-6, dtype=F64)                        # GrootV build_norm_layer eps


class FractalLayer(nn.Module):
    """GrootVLayer with its Tree_SSM replaced by the fractal-order mixer (named "op" in jmamba)."""

    def __init__(self, dim, d_state, ssm_ratio, mlp_ratio, orders_fn, k):
        super().__init__()
        self.norm1 = nn.Sequential(_ln6(dim))
        self.op = SS2D(dim, d_state, ssm_ratio, 3, orders_fn, k, z_gate=True, h_norm=True)
        self.norm2 = nn.Sequential(_ln6(dim))
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x):
        x = x + self.op(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class FractalNet(nn.Module):
    """GrootV: StemLayer (LN), levels of layers + level norm + DownsampleLayer, conv_head (1x1 conv, BN,
    GELU), average pool, head."""

    def __init__(self, in_ch, c0, depths, d_state, ssm_ratio, mlp_ratio, cls_scale, classes, orders_fn, k):
        super().__init__()
        self.patch_embed = nn.Module()
        pe = self.patch_embed
        pe.conv1 = nn.Conv2d(in_ch, c0 // 2, 3, stride=2, padding=1, dtype=F64)
        pe.norm1 = nn.Sequential(Permute(0, 2, 3, 1), _ln6(c0 // 2), Permute(0, 3, 1, 2))
        pe.conv2 = nn.Conv2d(c0 // 2, c0, 3, stride=2, padding=1, dtype=F64)
        pe.norm2 = nn.Sequential(Permute(0, 2, 3, 1), _ln6(c0))
        self.levels = nn.ModuleList()
        for i, depth in enumerate(depths):
            ch = c0 * 2 ** i
            level = nn.Module()
            level.blocks = nn.ModuleList([FractalLayer(ch, d_state, ssm_ratio, mlp_ratio, orders_fn, k)
                                          for _ in range(depth)])
            level.norm = nn.Sequential(_ln6(ch))
            if i < len(depths) - 1:
                level.downsample = nn.Module()
                level.downsample.conv = nn.Conv2d(ch, 2 * ch, 3, stride=2, padding=1, bias=False, dtype=F64)
                level.downsample.norm = nn.Sequential(Permute(0, 2, 3, 1), _ln6(2 * ch))
            else:
                level.downsample = None
            self.levels.append(level)
        feats = c0 * 2 ** (len(depths) - 1)
        head = int(feats * cls_scale)
        self.conv_head = nn.Sequential(nn.Conv2d(feats, head, 1, bias=False, dtype=F64),
                                       nn.Sequential(nn.BatchNorm2d(head, dtype=F64)), nn.GELU())
        self.head = _linear(head, classes, True)

    def forward(self, img):
        pe = self.patch_embed
        x = pe.norm2(pe.conv2(F.gelu(pe.norm1(pe.conv1(img)))))      # (B, H/4, W/4, C0)
        for level in self.levels:
            for blk in level.blocks:
                x = blk(x)
            x = level.norm(x)
            if level.downsample is not None:
                x = level.downsample.norm(level.downsample.conv(x.permute(0, 3, 1, 2)))
        x = self.conv_head(x.permute(0, 3, 1, 2)).mean(dim=(2, 3))
        return self.head(x)
