#!/usr/bin/python3
"""PyTorch CPU side of the imported-network line of `npm run bench:engine`: the ResNet-like network of
ml/onnx/zoo-networks.ts (BatchNorm in eval form, edge pad, max pool, two basic blocks, nearest ×2
upsampling onto a lateral 1×1 conv, global average pool, linear), one Adam step on sum(logits)
with respect to every conv, linear and BatchNorm affine parameter, timed as the engine's step is.
Prints one JSON object: {"step_ms": ...}.

    /usr/bin/python3 bench/onnx_import_torch.py --size 32 --width 16 --steps 10 --warmup 3 --threads 2
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return F.relu(h + (x if self.down is None else self.down(x)))


class ResNetLike(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, 1, 1)
        self.bn1 = nn.BatchNorm2d(width)
        self.layer1 = Block(width, width, 1)
        self.layer2 = Block(width, 2 * width, 2)
        self.lateral = nn.Conv2d(width, 2 * width, 1)
        self.fc = nn.Linear(2 * width, 10)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        h = F.max_pool2d(F.pad(h, (1, 1, 1, 1), mode="replicate"), 3, 1)
        b1 = self.layer1(h)
        b2 = self.layer2(b1)
        h = F.interpolate(b2, scale_factor=2.0, mode="nearest") + self.lateral(b1)
        return self.fc(F.adaptive_avg_pool2d(h, 1).flatten(1))


def main():
    ap = argparse.ArgumentParser()
    for k, v in dict(size=32, width=16, steps=10, warmup=3, threads=2).items():
        ap.add_argument(f"--{k}", type=int, default=v)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = ResNetLike(a.width).eval()  # BatchNorm as imported: an affine of stored statistics
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(1, 3, a.size, a.size)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(x).sum()
        loss.backward()
        opt.step()

    for _ in range(a.warmup):
        step()
    times = []
    for _ in range(a.steps):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    print(json.dumps({"step_ms": statistics.median(times), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
