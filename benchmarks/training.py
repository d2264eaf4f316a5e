"""Training throughput of the PedalNet: one Adam step on a batch of 4 × 8192 output samples.

Rows: the model's own forward (time-major, stacked dilated taps, one matmul per conv and gate
half) against the textbook nn.Conv1d form over (batch, channels, time), the same maths; for
the shipped 24×16 size and an 8-channel one. Prints the median step time over repeats, the
throughput in output samples per second, and the ratio to the Conv1d form.

    flock /tmp/neuralfx-cpu.lock python benchmarks/training.py [--threads 2] [--steps 10] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F

from neuralfx.models import PedalNetConfig
from neuralfx_training.model import PedalNet

BATCH, WINDOW = 4, 8192


def conv1d_forward(model: PedalNet, x: torch.Tensor) -> torch.Tensor:
    """The channels-first nn.Conv1d formulation of the same network (the seed's form)."""
    c = model.config.channels
    h = x.unsqueeze(1)
    gated = []
    for layer in model.layers:
        z = layer.conv(h)
        a = torch.tanh(z[:, :c]) * torch.sigmoid(z[:, c:])
        gated.append(a)
        if layer.residual is not None:
            h = h[..., h.shape[-1] - a.shape[-1] :] + layer.residual(a)
    length = gated[-1].shape[-1]
    return model.mix(torch.cat([a[..., a.shape[-1] - length :] for a in gated], dim=1)).squeeze(1)


def median_step_s(model: PedalNet, forward, steps: int, repeats: int) -> float:
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    x = torch.randn(BATCH, WINDOW + model.receptive_field - 1) * 0.3
    y = torch.randn(BATCH, WINDOW) * 0.3

    def step() -> None:
        optimizer.zero_grad()
        F.mse_loss(forward(model, x), y).backward()
        optimizer.step()

    for _ in range(3):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        times.append((time.perf_counter() - start) / steps)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = PedalNet(PedalNetConfig())
    with torch.no_grad():
        x = torch.randn(2, 20_000)
        assert torch.allclose(model(x), conv1d_forward(model, x), atol=1e-5)

    print(f"torch {torch.__version__}, {args.threads} threads, batch {BATCH} × {WINDOW} outputs")
    print(f"{'model':<8} {'forward':<22} {'step ms':>8} {'samples/s':>10} {'× conv1d':>9}")
    for channels in (16, 8):
        model = PedalNet(PedalNetConfig(channels=channels))
        baseline = median_step_s(model, conv1d_forward, args.steps, args.repeats)
        ours = median_step_s(model, PedalNet.forward, args.steps, args.repeats)
        for name, seconds in (("nn.Conv1d (seed form)", baseline), ("PedalNet.forward", ours)):
            rate = BATCH * WINDOW / seconds
            print(f"24×{channels:<5} {name:<22} {seconds * 1e3:8.0f} {rate:10.0f} {baseline / seconds:9.2f}")


if __name__ == "__main__":
    main()
