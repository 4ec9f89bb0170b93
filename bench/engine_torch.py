#!/usr/bin/python3
"""PyTorch CPU side of `npm run bench:engine`: the same networks, losses and optimizers as
bench/engine.ts, timed the same way (warm-up, then the median of N steps). Prints one JSON object
on stdout.

    /usr/bin/python3 bench/engine_torch.py --net convnet --steps 10 --warmup 3 --threads 2 [--batch 32 --channels 64 --size 16]
    /usr/bin/python3 bench/engine_torch.py --net unet --batch 32 [--arch JSON] [--profile]
    /usr/bin/python3 bench/engine_torch.py --net ti --batch 4

Nets:
  convnet  conv3x3 → ReLU → conv3x3 → ReLU → conv3x3, MSE, Adam.
  unet     the built-in pack's denoiser UNet (models/diffusion/unet.ts, unet-blocks.ts) under the
           diffusion loss mean(w·(ε̂ − ε)²), context fed, AdamW: one training step of every weight.
  ti       Textual Inversion (models/personalize/inversion-graphs.ts): one word vector through the
           frozen text encoder and UNet, Adam on the vector only.
"""
import argparse
import json
import math
import re
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def times_ms(fn, warmup, steps):
    return times_with_cpu(fn, warmup, steps)[0]


def times_with_cpu(fn, warmup, steps):
    """Wall and process CPU time (all threads) of each call, ms, each sorted."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(steps):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
    return sorted(wall), sorted(cpu)


def median_ms(fn, warmup, steps):
    return statistics.median(times_ms(fn, warmup, steps))


def min_ms(fn, warmup, steps):
    """For a ceiling: the run that other load on the machine disturbed least."""
    return times_ms(fn, warmup, steps)[0]


def blas_library():
    """Which BLAS the process loaded: a distribution build of PyTorch may use the reference BLAS,
    which caps its matrix products far below the machine's speed; the report should say so."""
    m = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    info = m.group(1) if m else "?"
    try:
        with open("/proc/self/maps") as f:
            libs = sorted({line.split()[-1] for line in f if "blas" in line.lower() and line.split()[-1].startswith("/")})
    except OSError:
        libs = []
    return {"blas_info": info, "blas_libraries": libs}


# ---- the pack's text-to-image model, as models/diffusion writes it ----------------------------------


class Attention(nn.Module):
    """ml/nn/attention.ts: q scaled before the product, heads split by reshape + transpose."""

    def __init__(self, dim, heads, context_dim=None, qkv_bias=False):
        super().__init__()
        ctx = context_dim or dim
        self.heads, self.head_dim = heads, dim // heads
        self.to_q = nn.Linear(dim, dim, bias=qkv_bias)
        self.to_k = nn.Linear(ctx, dim, bias=qkv_bias)
        self.to_v = nn.Linear(ctx, dim, bias=qkv_bias)
        self.to_out = nn.Linear(dim, dim)

    def split(self, t):
        b, l, _ = t.shape
        return t.reshape(b, l, self.heads, self.head_dim).transpose(1, 2)

    def forward(self, x, context=None):
        c = x if context is None else context
        q = self.split(self.to_q(x) * (1 / math.sqrt(self.head_dim)))
        k, v = self.split(self.to_k(c)), self.split(self.to_v(c))
        o = torch.softmax(q @ k.transpose(-1, -2), dim=-1) @ v
        b, h, l, d = o.shape
        return self.to_out(o.transpose(1, 2).reshape(b, l, h * d))


class ResBlock(nn.Module):
    def __init__(self, cin, cout, temb, groups):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = None if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(temb)[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (x if self.conv_shortcut is None else self.conv_shortcut(x)) + h


class TransformerBlock(nn.Module):
    def __init__(self, dim, context_dim, heads):
        super().__init__()
        self.norm1, self.attn1 = nn.LayerNorm(dim), Attention(dim, heads)
        self.norm2, self.attn2 = nn.LayerNorm(dim), Attention(dim, heads, context_dim)
        self.norm3, self.ff_in, self.ff_out = nn.LayerNorm(dim), nn.Linear(dim, 4 * dim), nn.Linear(4 * dim, dim)

    def forward(self, x, context):
        h = x + self.attn1(self.norm1(x))
        h = h + self.attn2(self.norm2(h), context)
        return h + self.ff_out(F.gelu(self.ff_in(self.norm3(h))))


class SpatialTransformer(nn.Module):
    def __init__(self, ch, context_dim, heads, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, ch)
        self.proj_in, self.proj_out = nn.Linear(ch, ch), nn.Linear(ch, ch)
        self.block = TransformerBlock(ch, context_dim, heads)

    def forward(self, x, context):
        b, c, h, w = x.shape
        seq = self.norm(x).reshape(b, c, h * w).transpose(1, 2)
        out = self.proj_out(self.block(self.proj_in(seq), context))
        return x + out.transpose(1, 2).reshape(b, c, h, w)


def sinusoidal_table(steps, dim):
    half = dim // 2
    t = torch.arange(steps, dtype=torch.float64)[:, None]
    f = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float64) / half)[None, :]
    return torch.cat([torch.cos(t * f), torch.sin(t * f)], dim=1).float()


class UNet(nn.Module):
    """models/diffusion/unet.ts: layers_per_block ResBlocks (+ attention) per level going down, one
    more going up; a v-model converts v̂ to ε̂ in the network, as the graph does."""

    def __init__(self, a):
        super().__init__()
        ch, attention, groups, temb = list(a["channels"]), a["attention"], a["groups"], a["channels"][0] * 4
        ctx, heads, per = a["context_dim"], a["heads"], a["layers_per_block"]
        self.register_buffer("table", sinusoidal_table(a["timesteps"], ch[0]))
        betas = torch.linspace(a["beta_start"] ** 0.5, a["beta_end"] ** 0.5, a["timesteps"], dtype=torch.float64) ** 2
        self.register_buffer("alpha_bar", torch.cumprod(1 - betas, 0).float())
        self.v_prediction = a["prediction"] == "v"
        self.time_linear_1, self.time_linear_2 = nn.Linear(ch[0], temb), nn.Linear(temb, temb)
        self.conv_in = nn.Conv2d(a["latent_channels"], ch[0], 3, padding=1)
        skips, cur = [ch[0]], ch[0]
        self.down = nn.ModuleList()
        for i, out in enumerate(ch):
            lvl = nn.Module()
            lvl.res, lvl.attn = nn.ModuleList(), nn.ModuleList()
            for _ in range(per):
                lvl.res.append(ResBlock(cur, out, temb, groups))
                if attention[i]:
                    lvl.attn.append(SpatialTransformer(out, ctx, heads, groups))
                skips.append(out)
                cur = out
            lvl.sampler = nn.Conv2d(out, out, 3, stride=2, padding=1) if i < len(ch) - 1 else None
            if lvl.sampler is not None:
                skips.append(out)
            self.down.append(lvl)
        self.mid_res1 = ResBlock(cur, cur, temb, groups)
        self.mid_attn = SpatialTransformer(cur, ctx, heads, groups)
        self.mid_res2 = ResBlock(cur, cur, temb, groups)
        self.up = nn.ModuleList()
        for k, out in enumerate(reversed(ch)):
            i = len(ch) - 1 - k
            lvl = nn.Module()
            lvl.res, lvl.attn = nn.ModuleList(), nn.ModuleList()
            for _ in range(per + 1):
                lvl.res.append(ResBlock(cur + skips.pop(), out, temb, groups))
                if attention[i]:
                    lvl.attn.append(SpatialTransformer(out, ctx, heads, groups))
                cur = out
            lvl.sampler = nn.Conv2d(out, out, 3, padding=1) if i > 0 else None
            self.up.append(lvl)
        self.norm_out = nn.GroupNorm(groups, ch[0])
        self.conv_out = nn.Conv2d(ch[0], a["latent_channels"], 3, padding=1)

    def forward(self, x, t, context):
        temb = F.silu(self.time_linear_2(F.silu(self.time_linear_1(self.table[t]))))
        h = self.conv_in(x)
        skips = [h]
        for lvl in self.down:
            for j, res in enumerate(lvl.res):
                h = res(h, temb)
                if len(lvl.attn):
                    h = lvl.attn[j](h, context)
                skips.append(h)
            if lvl.sampler is not None:
                h = lvl.sampler(h)
                skips.append(h)
        h = self.mid_res2(self.mid_attn(self.mid_res1(h, temb), context), temb)
        for lvl in self.up:
            for j, res in enumerate(lvl.res):
                h = res(torch.cat([h, skips.pop()], dim=1), temb)
                if len(lvl.attn):
                    h = lvl.attn[j](h, context)
            if lvl.sampler is not None:
                h = lvl.sampler(F.interpolate(h, scale_factor=2, mode="nearest"))
        out = self.conv_out(F.silu(self.norm_out(h)))
        if not self.v_prediction:
            return out
        ab = self.alpha_bar[t][:, None, None, None]
        return ab.sqrt() * out + (1 - ab).sqrt() * x


class EncoderLayer(nn.Module):
    def __init__(self, dim, heads, mlp):
        super().__init__()
        self.norm1, self.attn = nn.LayerNorm(dim), Attention(dim, heads, qkv_bias=True)
        self.norm2, self.fc1, self.fc2 = nn.LayerNorm(dim), nn.Linear(dim, dim * mlp), nn.Linear(dim * mlp, dim)

    def forward(self, x):
        h = x + self.attn(self.norm1(x))
        return h + self.fc2(F.gelu(self.fc1(self.norm2(h))))


class TextEncoder(nn.Module):
    """models/diffusion/text-encoder.ts from the token embeddings on."""

    def __init__(self, max_length=20, dim=128, layers=3, heads=4, mlp=4):
        super().__init__()
        self.positions = nn.Parameter(torch.randn(max_length, dim) * 0.01)
        self.layers = nn.ModuleList(EncoderLayer(dim, heads, mlp) for _ in range(layers))
        self.final_norm = nn.LayerNorm(dim)

    def forward(self, tokens):
        h = tokens + self.positions
        for layer in self.layers:
            h = layer(h)
        return self.final_norm(h)


# The first pack's architecture; bench/engine.ts passes the measured pack's as --arch.
FIRST_PACK = {
    "latent_channels": 4, "latent_size": 16, "channels": [48, 96, 96], "attention": [False, True, True], "layers_per_block": 1,
    "context_dim": 128, "heads": 4, "groups": 16, "timesteps": 1000, "prediction": "epsilon", "beta_start": 0.00085, "beta_end": 0.012,
    "max_length": 20, "text_dim": 128, "text_layers": 3, "text_heads": 4, "text_mlp": 4,
}


def denoising_batch(a, b):
    shape = (b, a["latent_channels"], a["latent_size"], a["latent_size"])
    return {
        "noisy": torch.randn(shape),
        "noise": torch.randn(shape),
        "t": torch.randint(0, a["timesteps"], (b,)),
        "weights": torch.ones(b, 1, 1, 1),
    }


def denoising_loss(eps, noise, w):
    d = eps - noise
    return (d * d * w).mean()


def build(a):
    """(step, forward) closures of the chosen net."""
    if a.net == "convnet":
        c = a.channels
        # conv3x3 → ReLU → conv3x3 → ReLU → conv3x3, MSE against a target: as in bench/engine.ts.
        net = nn.Sequential(
            nn.Conv2d(c, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, c, 3, padding=1)
        )
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
        x = torch.randn(a.batch, c, a.size, a.size)
        target = torch.randn(a.batch, c, a.size, a.size)
        loss = lambda: F.mse_loss(net(x), target)
    elif a.net == "unet":
        arch = {**FIRST_PACK, **json.loads(a.arch)}
        net = UNet(arch)
        opt = torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=0.01)
        d = denoising_batch(arch, a.batch)
        context = torch.randn(a.batch, arch["max_length"], arch["text_dim"])
        loss = lambda: denoising_loss(net(d["noisy"], d["t"], context), d["noise"], d["weights"])
    elif a.net == "ti":
        arch = {**FIRST_PACK, **json.loads(a.arch)}
        text, unet = TextEncoder(arch["max_length"], arch["text_dim"], arch["text_layers"], arch["text_heads"], arch["text_mlp"]), UNet(arch)
        max_len, dim = arch["max_length"], arch["text_dim"]
        for p in [*text.parameters(), *unet.parameters()]:
            p.requires_grad_(False)
        vector = torch.zeros(1, dim, requires_grad=True)
        opt = torch.optim.Adam([vector], lr=5e-3)
        d = denoising_batch(arch, a.batch)
        embeds = torch.randn(a.batch, max_len, dim) * 0.02
        mask = torch.zeros(a.batch, max_len, 1)
        mask[:, 1] = 1
        loss = lambda: denoising_loss(unet(d["noisy"], d["t"], text(embeds + mask * vector)), d["noise"], d["weights"])
    else:
        raise SystemExit(f"unknown --net {a.net}")

    def step():
        opt.zero_grad(set_to_none=True)
        loss().backward()
        opt.step()

    def forward():
        with torch.no_grad():
            loss()

    return step, forward


def profile(step, steps):
    """Self CPU time per aten operator, per step (torch.profiler), largest first."""
    from torch.profiler import ProfilerActivity, profile as prof

    with prof(activities=[ProfilerActivity.CPU]) as p:
        for _ in range(steps):
            step()
    rows = [(e.key, e.self_cpu_time_total / 1e3 / steps) for e in p.key_averages()]
    rows = [(k, ms) for k, ms in rows if ms > 0]
    total = sum(ms for _, ms in rows)
    return [{"op": k, "ms": ms, "share": ms / total} for k, ms in sorted(rows, key=lambda r: -r[1])]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--net", default="convnet", choices=["convnet", "unet", "ti"])
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--channels", type=int, default=64)
    ap.add_argument("--size", type=int, default=16)
    ap.add_argument("--matmul", type=int, default=2048)
    ap.add_argument("--matmul-reps", type=int, default=3, help="0 skips torch.mm (slow with a reference BLAS)")
    ap.add_argument("--no-forward", action="store_true", help="time the training step only")
    ap.add_argument("--profile", action="store_true", help="add the operator profile of the step")
    ap.add_argument("--arch", default="{}", help="the diffusion pack's architecture as JSON (unet, ti); default the first pack's")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    step, forward = build(a)
    out = {"version": torch.__version__, "threads": torch.get_num_threads(), "mkldnn": torch.backends.mkldnn.is_available(), **blas_library()}
    wall, cpu = times_with_cpu(step, a.warmup, a.steps)
    out["step_ms"], out["step_cpu_ms"] = statistics.median(wall), statistics.median(cpu)
    out["forward_ms"] = None if a.no_forward else median_ms(forward, a.warmup, a.steps)
    if a.profile:
        out["profile"] = profile(step, max(3, a.steps // 2))
    if a.net == "convnet":
        m = a.matmul
        ma, mb = torch.randn(m, m), torch.randn(m, m)
        # torch.mm goes to the BLAS PyTorch was built with; convolutions go to oneDNN. When the BLAS
        # is the slow reference one, the same product as a 1x1 convolution shows oneDNN's ceiling.
        out["mm_ms"] = mm_ms = min_ms(lambda: torch.mm(ma, mb), 1, a.matmul_reps) if a.matmul_reps else None
        x1, w1 = ma.reshape(1, m, m, 1), mb.reshape(m, m, 1, 1)
        with torch.no_grad():
            out["conv1x1_ms"] = conv1x1_ms = min_ms(lambda: F.conv2d(x1, w1), 1, 3)
        out["matmul_ms"] = min(t for t in (mm_ms, conv1x1_ms) if t is not None)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
