#!/usr/bin/python3
"""Writes test/fixtures/torch/<name>.onnx + <name>.json: small PyTorch models exported to ONNX,
with the inputs used and PyTorch autograd's gradients of sum(output), keyed by ONNX names.

Needs PyTorch (1.13 works; the `onnx` Python package is NOT needed: torch.onnx.export
serializes on its own). Run from the repository root:

    /usr/bin/python3 scripts/make_torch_fixtures.py [out_dir]

The reference gradients come from a float64 copy of each model, so that a comparison
measures the engine's error, not PyTorch's float32 rounding.
"""
import io
import json
import math
import os
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- models -------------------------------------------------------------------------------------


class ConvNet(nn.Module):
    """(a) conv → GroupNorm → SiLU → stride-2 conv → GroupNorm → SiLU → nearest ×2 → conv."""

    def __init__(self):
        super().__init__()
        self.conv_in = nn.Conv2d(3, 8, 3, padding=1)
        self.norm1 = nn.GroupNorm(4, 8)
        self.down = nn.Conv2d(8, 8, 3, stride=2, padding=1)
        self.norm2 = nn.GroupNorm(2, 8)
        self.conv_out = nn.Conv2d(8, 3, 3, padding=1)

    def forward(self, x):
        h = F.silu(self.norm1(self.conv_in(x)))
        h = F.silu(self.norm2(self.down(h)))
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        return self.conv_out(h)


class Attention(nn.Module):
    """(b) pre-norm self-attention with two heads, then a GELU (erf) MLP; residuals around both."""

    def __init__(self, dim=16, heads=2):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim)
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.fc1 = nn.Linear(dim, 2 * dim)
        self.fc2 = nn.Linear(2 * dim, dim)

    def forward(self, x):
        b, t, c = x.shape
        h = self.norm1(x)
        split = lambda z: z.reshape(b, t, self.heads, c // self.heads).transpose(1, 2)
        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(c // self.heads), dim=-1)
        h = (att @ v).transpose(1, 2).reshape(b, t, c)
        x = x + self.proj(h)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class UNetBlock(nn.Module):
    """(c) conv in, timestep embedding (Gather) through Linear+SiLU added per channel,
    stride-2 conv down, ConvTranspose up, skip connection by concatenation, conv out."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 16)
        self.emb_proj = nn.Linear(16, 8)
        self.conv_in = nn.Conv2d(4, 8, 3, padding=1)
        self.down = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1)
        self.conv_out = nn.Conv2d(16, 4, 3, padding=1)

    def forward(self, x, t):
        e = self.emb_proj(F.silu(self.embed(t)))
        h1 = F.silu(self.conv_in(x)) + e[:, :, None, None]
        h2 = F.silu(self.down(h1))
        u = self.up(h2)
        return self.conv_out(torch.cat([u, h1], dim=1))


class ClassicNet(nn.Module):
    """(d) a classic image classifier's layers, as exporters of every opset write them: conv → ReLU →
    LRN → max pool; conv → PReLU → BatchNorm (eval: its running statistics) → ELU; a channel
    softmax gate; nearest ×2 upsampling (Upsample at opset 9, Resize after); global average pool,
    flatten, dropout (eval), linear → log-softmax. Exported at opsets 9, 11 and 13."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.lrn = nn.LocalResponseNorm(3, alpha=0.1, beta=0.75, k=1.0)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.prelu = nn.PReLU(8)
        self.bn = nn.BatchNorm2d(8)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(8, 5)
        g = torch.Generator().manual_seed(99)
        with torch.no_grad():
            self.bn.running_mean.copy_(0.2 * torch.randn(8, generator=g))
            self.bn.running_var.copy_(0.5 + torch.rand(8, generator=g))

    def forward(self, x):
        h = F.max_pool2d(self.lrn(F.relu(self.conv1(x))), 2)
        h = F.elu(self.bn(self.prelu(self.conv2(h))))
        h = h * torch.softmax(h, dim=1)
        h = F.interpolate(h, scale_factor=2.0, mode="nearest")
        h = F.adaptive_avg_pool2d(h, 1).flatten(1)
        return torch.log_softmax(self.fc(self.drop(h)), dim=1)


# Each fixture: the model, its example inputs (as traced), the inputs the reference uses (may
# differ in a dynamic dimension), the opset, dynamic axes and the dims a caller must then give.
def fixtures():
    g = torch.Generator().manual_seed(0)
    randn = lambda *s: torch.randn(*s, generator=g)
    torch.manual_seed(0)
    out = []
    out.append(
        dict(
            name="convnet_groupnorm",
            model=ConvNet(),
            input_names=["x"],
            trace=(randn(2, 3, 8, 8),),
            # Batch 3 while the trace used 2: the dynamic axis must really be resolved from --dim.
            feed=(randn(3, 3, 8, 8),),
            opset=17,
            dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
            dims={"batch": 3},
        )
    )
    torch.manual_seed(1)
    x = randn(2, 6, 16)
    out.append(dict(name="attention", model=Attention(), input_names=["x"], trace=(x,), feed=(x,), opset=17))
    # Opset 13 has no LayerNormalization: the exporter writes it as ReduceMean/Sub/Pow/Sqrt/Div.
    torch.manual_seed(2)
    x = randn(2, 6, 16)
    out.append(dict(name="attention_opset13", model=Attention(), input_names=["x"], trace=(x,), feed=(x,), opset=13))
    torch.manual_seed(3)
    feed = (randn(2, 4, 8, 8), torch.tensor([3, 7], dtype=torch.int64))
    out.append(dict(name="unet_block", model=UNetBlock(), input_names=["x", "t"], trace=feed, feed=feed, opset=17))
    # Old opsets as model zoos and older exporters wrote them (the importer's version adapter).
    for opset in (9, 11, 13):
        torch.manual_seed(4)
        x = randn(2, 3, 8, 8)
        out.append(dict(name=f"classic_opset{opset}", model=ClassicNet(), input_names=["x"], trace=(x,), feed=(x,), opset=opset))
    return out


# ---- a minimal ONNX reader (the `onnx` package is not required) ---------------------------------


def _varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return result, i


def _fields(buf):
    """Yields (field number, wire type, value) of one protobuf message."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, i = _varint(buf, i)
        elif wire == 1:
            v, i = buf[i : i + 8], i + 8
        elif wire == 2:
            n, i = _varint(buf, i)
            v, i = buf[i : i + n], i + n
        elif wire == 5:
            v, i = buf[i : i + 4], i + 4
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
        yield field, wire, v


def onnx_initializers(data):
    """name -> float64 tensor for each float32 initializer (ModelProto.graph=7, GraphProto.initializer=5)."""
    inits = {}
    for f, _, graph in _fields(data):
        if f != 7:
            continue
        for gf, _, t in _fields(graph):
            if gf != 5:
                continue
            dims, dtype, name, raw, floats = [], 0, "", b"", []
            for tf, wire, v in _fields(t):
                if tf == 1:
                    if wire == 0:
                        dims.append(v)
                    else:  # packed
                        j = 0
                        while j < len(v):
                            d, j = _varint(v, j)
                            dims.append(d)
                elif tf == 2:
                    dtype = v
                elif tf == 8:
                    name = v.decode()
                elif tf == 9:
                    raw = v
                elif tf == 4:
                    floats += list(struct.unpack(f"<{len(v) // 4}f", v)) if wire == 2 else [struct.unpack("<f", v)[0]]
            if dtype != 1:  # float32 only: parameters are float32
                continue
            vals = list(struct.unpack(f"<{len(raw) // 4}f", raw)) if raw else floats
            inits[name] = torch.tensor(vals, dtype=torch.float64).reshape(dims)
    return inits


def match_parameters(inits, params):
    """ONNX initializer name -> (parameter name, how it is stored: "same", "transposed" or "reshaped").
    The exporter keeps parameter names, except where it folds an op into a weight: a transpose
    (Linear as MatMul) or an unsqueeze (GroupNorm's affine after InstanceNormalization). Those
    get new names and are matched by value, which is unambiguous because every parameter is
    randomized first."""
    out = {}
    for name, value in inits.items():
        if name in params and params[name].shape == value.shape:
            out[name] = (name, "same")
            continue
        found = []
        for pname, p in params.items():
            p = p.double()
            if p.dim() == 2 and p.t().shape == value.shape and torch.allclose(p.t(), value, atol=0, rtol=1e-6):
                found.append((pname, "transposed"))
            elif p.numel() == value.numel() and p.squeeze().shape == value.squeeze().shape and p.shape != value.shape:
                if torch.allclose(p.reshape(value.shape), value, atol=0, rtol=1e-6):
                    found.append((pname, "reshaped"))
        if len(found) > 1:
            raise SystemExit(f"initializer {name} matches several parameters: {found}")
        if found:
            out[name] = found[0]
    return out


def randomize(model, seed):
    """Moves every parameter off its default (norm weights of exactly one, zero biases), so that
    gradients that depend on them are tested and initializers can be matched by value."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in sorted(model.named_parameters()):
            p.add_(0.1 * torch.randn(p.shape, generator=g))
    return model


# ---- writing ------------------------------------------------------------------------------------

# The float64 reference values are stored as decimals for float32 tensors: the ONNX models are
# float32, and 9 significant digits round-trip any float32 input exactly.
DTYPES = {torch.float32: "float32", torch.float64: "float32", torch.int64: "int64"}


def as_json(t):
    t = t.detach()
    data = [float(f"{v:.9g}") for v in t.double().flatten().tolist()] if t.is_floating_point() else t.flatten().tolist()
    return {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data": data}


def make(fx, out_dir, seed):
    name, model = fx["name"], randomize(fx["model"], seed).eval()
    path = os.path.join(out_dir, name + ".onnx")
    buf = io.BytesIO()
    torch.onnx.export(
        model,
        fx["trace"],
        buf,
        opset_version=fx["opset"],
        input_names=fx["input_names"],
        output_names=["y"],
        dynamic_axes=fx.get("dynamic_axes"),
    )
    data = buf.getvalue()
    with open(path, "wb") as f:
        f.write(data)

    # Reference: a float64 copy, gradients of sum(y) with respect to float inputs and parameters.
    ref = fx["model"].__class__()
    ref.load_state_dict(model.state_dict())
    ref = ref.double().eval()  # eval: BatchNorm uses its running statistics, Dropout passes through
    feeds = [t.double().requires_grad_() if t.is_floating_point() else t for t in fx["feed"]]
    y = ref(*feeds)
    y.sum().backward()
    params = dict(ref.named_parameters())
    grads = {}
    for n, t in zip(fx["input_names"], feeds):
        if t.is_floating_point():
            grads[n] = as_json(t.grad)
    inits = onnx_initializers(data)
    matched = match_parameters(inits, {k: v.detach() for k, v in params.items()})
    missing = sorted(set(params) - {p for p, _ in matched.values()})
    if missing:
        raise SystemExit(f"{name}: no ONNX initializer found for parameters {missing}")
    for init, (pname, how) in sorted(matched.items()):
        g = params[pname].grad
        grads[init] = as_json(g.t() if how == "transposed" else g.reshape(inits[init].shape))

    doc = {
        "model": name + ".onnx",
        "opset": fx["opset"],
        "torch": torch.__version__,
        "loss": "y",
        "dims": fx.get("dims", {}),
        "inputs": {n: as_json(t) for n, t in zip(fx["input_names"], fx["feed"])},
        "outputs": {"y": as_json(y)},
        "grads": grads,
        # Which parameter each initializer holds, for a reader of a failure message.
        "initializers": {init: {"parameter": p, "stored": how} for init, (p, how) in sorted(matched.items())},
    }
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    size = len(data) + os.path.getsize(os.path.join(out_dir, name + ".json"))
    print(f"{name}: opset {fx['opset']}, {len(grads)} gradients, {size / 1024:.0f} KB")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join("test", "fixtures", "torch")
    os.makedirs(out_dir, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    for seed, fx in enumerate(fixtures()):
        make(fx, out_dir, seed)


if __name__ == "__main__":
    main()
