#!/usr/bin/python3
"""PyTorch CPU side of `npm run bench:engine`: the same conv net, loss and Adam as bench/engine.ts,
timed the same way (warm-up, then the median of N steps). Prints one JSON object on stdout.

    /usr/bin/python3 bench/engine_torch.py --steps 10 --warmup 3 --threads 2 [--batch 32 --channels 64 --size 16]
"""
import argparse
import json
import re
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def times_ms(fn, warmup, steps):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return sorted(times)


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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--channels", type=int, default=64)
    ap.add_argument("--size", type=int, default=16)
    ap.add_argument("--matmul", type=int, default=2048)
    ap.add_argument("--matmul-reps", type=int, default=3, help="0 skips torch.mm (slow with a reference BLAS)")
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    c = a.channels
    # conv3x3 → ReLU → conv3x3 → ReLU → conv3x3, MSE against a target: as in bench/engine.ts.
    net = nn.Sequential(
        nn.Conv2d(c, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, c, 3, padding=1)
    )
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    x = torch.randn(a.batch, c, a.size, a.size)
    target = torch.randn(a.batch, c, a.size, a.size)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.mse_loss(net(x), target)
        loss.backward()
        opt.step()

    def forward():
        with torch.no_grad():
            F.mse_loss(net(x), target)

    step_ms = median_ms(step, a.warmup, a.steps)
    forward_ms = median_ms(forward, a.warmup, a.steps)
    m = a.matmul
    ma, mb = torch.randn(m, m), torch.randn(m, m)
    # torch.mm goes to the BLAS PyTorch was built with; convolutions go to oneDNN. When the BLAS
    # is the slow reference one, the same product as a 1x1 convolution shows oneDNN's ceiling.
    mm_ms = min_ms(lambda: torch.mm(ma, mb), 1, a.matmul_reps) if a.matmul_reps else None
    x1, w1 = ma.reshape(1, m, m, 1), mb.reshape(m, m, 1, 1)
    with torch.no_grad():
        conv1x1_ms = min_ms(lambda: F.conv2d(x1, w1), 1, 3)
    print(
        json.dumps(
            {
                "version": torch.__version__,
                "threads": torch.get_num_threads(),
                "mkldnn": torch.backends.mkldnn.is_available(),
                **blas_library(),
                "step_ms": step_ms,
                "forward_ms": forward_ms,
                "mm_ms": mm_ms,
                "conv1x1_ms": conv1x1_ms,
                "matmul_ms": min(t for t in (mm_ms, conv1x1_ms) if t is not None),
            }
        )
    )


if __name__ == "__main__":
    main()
