"""Plain PyTorch (float64) building blocks of the parity references.

Written for jmamba from the official code's semantics (state-spaces/mamba selective_scan_ref and
mamba_simple, hustvl/Vim, MzeroMiko/VMamba, hunto/LocalMamba, wangck20/GlobalMamba,
EasonXiao-888/GrootVL) and the specs in shared/spec; nothing here is imported from those projects.
Every op is written as a readable loop or a small matrix product so autograd gives the gradients.
"""
import math

import torch
import torch.nn.functional as F


# ------------------------------------------------------------------ selective scan


def scan_states(u, delta, A, B, delta_bias=None, softplus=True):
    """Hidden states of the S6 recurrence.

    u, delta: (Bt, D, L); A: (D, N); B: (Bt, G, N, L) grouped (channel d uses group d // (D/G)) or
    (Bt, N, L). Returns h (Bt, D, N, L) with h[l] = exp(dt[l] A) h[l-1] + dt[l] B[l] u[l], h[-1] = 0,
    dt = softplus(delta + delta_bias).
    """
    if delta_bias is not None:
        delta = delta + delta_bias[None, :, None]
    if softplus:
        delta = F.softplus(delta)  # threshold 20, as the CUDA kernel: x <= 20 ? log1p(exp(x)) : x
    bt, d, length = u.shape
    if B.dim() == 3:
        B = B.unsqueeze(1)
    groups = B.shape[1]
    B = B.repeat_interleave(d // groups, dim=1)  # (Bt, D, N, L)
    decay = torch.exp(delta.unsqueeze(2) * A[None, :, :, None])  # (Bt, D, N, L)
    drive = delta.unsqueeze(2) * B * u.unsqueeze(2)
    decay, drive = decay.permute(3, 0, 1, 2).contiguous(), drive.permute(3, 0, 1, 2).contiguous()  # (L, Bt, D, N)
    h = torch.zeros(bt, d, A.shape[1], dtype=u.dtype)
    states = []
    for l in range(length):
        h = decay[l] * h + drive[l]
        states.append(h)
    return torch.stack(states, dim=-1)


def selective_scan(u, delta, A, B, C, D=None, z=None, delta_bias=None, softplus=True):
    """y = sum_n C h (+ D u) (* silu(z)); shapes as scan_states, C like B. Returns (Bt, D, L)."""
    h = scan_states(u, delta, A, B, delta_bias, softplus)
    d = u.shape[1]
    if C.dim() == 3:
        C = C.unsqueeze(1)
    C = C.repeat_interleave(d // C.shape[1], dim=1)  # (Bt, D, N, L)
    y = (h * C).sum(2)
    if D is not None:
        y = y + u * D[None, :, None]
    if z is not None:
        y = y * F.silu(z)
    return y


def causal_depthwise_conv1d(x, weight, bias):
    """x (B, D, L), weight (D, 1, K): out[l] = bias + sum_k w[k] x[l - K + 1 + k] (zero history)."""
    k = weight.shape[-1]
    return F.conv1d(x, weight, bias, padding=k - 1, groups=x.shape[1])[..., : x.shape[-1]]


# ------------------------------------------------------------------ norms and rotary embedding


def rms_norm(x, weight, eps=1e-5):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * weight


def rotate_half(x):
    """(..., 2q, 2q+1) -> (-x[2q+1], x[2q]), the EVA-02 / Vim convention."""
    pairs = x.reshape(*x.shape[:-1], -1, 2)
    return torch.stack((-pairs[..., 1], pairs[..., 0]), dim=-1).reshape(x.shape)


def rope_tables(dim, side, pt_side=14, theta=10000.0):
    """VisionRotaryEmbeddingFast(dim=D/2, pt_seq_len=14, ft_seq_len=side) tables, (side², D) each.

    Channels [0, D/2) rotate with the row, [D/2, D) with the column; pair q of a half uses frequency
    theta^(-2q / (D/2)); positions are t(i) = i / side * pt_side.
    """
    half = dim // 2
    freqs = 1.0 / theta ** (torch.arange(0, half, 2, dtype=torch.float64)[: half // 2] / half)  # (D/4)
    t = torch.arange(side, dtype=torch.float64) / side * pt_side
    ang = torch.einsum("i,f->if", t, freqs).repeat_interleave(2, dim=-1)  # (side, D/2)
    rows = ang[:, None, :].expand(side, side, half)
    cols = ang[None, :, :].expand(side, side, half)
    table = torch.cat((rows, cols), dim=-1).reshape(side * side, dim)
    return table.cos(), table.sin()


def apply_rope(x, cos, sin):
    return x * cos + rotate_half(x) * sin


# ------------------------------------------------------------------ scan orders (flat index lists)


def raster(h, w):
    return list(range(h * w))


def column(h, w):
    """Column-major: sequence position c*H + r holds token (r, c)."""
    return [r * w + c for c in range(w) for r in range(h)]


def window(h, w, k):
    """LocalMamba wK on a grid divisible by k: windows row-major, tokens row-major inside."""
    assert h % k == 0 and w % k == 0, "window orders here are for grids divisible by the window"
    out = []
    for wy in range(h // k):
        for wx in range(w // k):
            for iy in range(k):
                for ix in range(k):
                    out.append((wy * k + iy) * w + wx * k + ix)
    return out


def _gilbert_walk(out, x, y, ax, ay, bx, by):
    w, h = abs(ax + ay), abs(bx + by)
    ux, uy = (ax > 0) - (ax < 0), (ay > 0) - (ay < 0)
    vx, vy = (bx > 0) - (bx < 0), (by > 0) - (by < 0)
    if h == 1:
        for i in range(w):
            out.append((x + i * ux, y + i * uy))
        return
    if w == 1:
        for i in range(h):
            out.append((x + i * vx, y + i * vy))
        return
    hax, hay, hbx, hby = ax // 2, ay // 2, bx // 2, by // 2
    if 2 * w > 3 * h:
        if abs(hax + hay) % 2 == 1 and w > 2:
            hax, hay = hax + ux, hay + uy
        _gilbert_walk(out, x, y, hax, hay, bx, by)
        _gilbert_walk(out, x + hax, y + hay, ax - hax, ay - hay, bx, by)
    else:
        if abs(hbx + hby) % 2 == 1 and h > 2:
            hbx, hby = hbx + vx, hby + vy
        _gilbert_walk(out, x, y, hbx, hby, hax, hay)
        _gilbert_walk(out, x + hbx, y + hby, ax, ay, bx - hbx, by - hby)
        _gilbert_walk(out, x + (ax - ux) + (hbx - vx), y + (ay - uy) + (hby - vy),
                      -hbx, -hby, -(ax - hax), -(ay - hay))


def gilbert_cells(width, height):
    """Generalised Hilbert curve (spec scan-curves.md §2) as (x = column, y = row) cells."""
    out = []
    if width >= height:
        _gilbert_walk(out, 0, 0, width, 0, 0, height)
    else:
        _gilbert_walk(out, 0, 0, 0, height, width, 0)
    return out


def hilbert(h, w):
    return [y * w + x for x, y in gilbert_cells(w, h)]


def hilbert_t(h, w):
    """The Hilbert curve of the transposed (w rows, h columns) grid read on the h×w grid."""
    return [x * w + y for x, y in gilbert_cells(h, w)]


def reverse(order):
    return list(reversed(order))


def serialise(x, order):
    """x (..., L) in row-major token order -> (..., L) in scan order."""
    return x[..., torch.tensor(order)]


def deserialise(y, order):
    """Inverse of serialise: y (..., L) in scan order -> row-major token order."""
    out = torch.zeros_like(y)
    out[..., torch.tensor(order)] = y
    return out


# ------------------------------------------------------------------ GlobalMamba DCT bands


def dct_matrix(n):
    """torch_dct's dct with norm=None as a matrix: X_k = 2 sum_j x_j cos(pi (2j+1) k / 2n)."""
    k = torch.arange(n, dtype=torch.float64)[:, None]
    j = torch.arange(n, dtype=torch.float64)[None, :]
    return 2.0 * torch.cos(math.pi * (2 * j + 1) * k / (2 * n))


def low_pass_masks(n):
    """mask_generate(n, 4): triangles u + v <= s - 1 for s = n/4, n/2, n (zero-padded), then all ones."""
    masks = []
    for s in (n // 4, n // 2, n):
        m = torch.zeros(n, n, dtype=torch.float64)
        for u in range(s):
            for v in range(s):
                if u + v <= s - 1:
                    m[u, v] = 1.0
        masks.append(m)
    masks.append(torch.ones(n, n, dtype=torch.float64))
    return masks


def dct_bands(images):
    """images (B, C, n, n) -> four band images: idct2(dct2(x) * mask_i), low to high."""
    n = images.shape[-1]
    fwd = dct_matrix(n)
    inv = torch.linalg.inv(fwd)
    coeff = fwd @ images @ fwd.T
    return [inv @ (coeff * m) @ inv.T for m in low_pass_masks(n)]
