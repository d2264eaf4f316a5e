"""Streaming speed of the 24×16 PedalNet: real-time factor per block size, numpy vs torch.

RTF = processing time / audio duration (lower is better; 1.0 is exactly real time), the median
of several repeats, one thread, 48 kHz. "cached torch" is the same streaming algorithm (per-layer
history, one conv per layer) in torch ops: the fair reference for what numpy buys.

    python benchmarks/streaming.py [--seconds 1.0] [--repeats 5] [--no-torch]
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import argparse
import statistics
import subprocess
import sys
import time

import numpy as np

from neuralfx.models import PedalNetConfig, PedalNetModel

SAMPLE_RATE = 48000
BLOCKS = (32, 64, 128, 256, 512, 1024, 2048, 4096)


class CachedTorchStream:
    """Per-layer history + torch conv1d per layer: streaming with torch ops."""

    def __init__(self, config: PedalNetConfig, weights: dict[str, np.ndarray]) -> None:
        import torch

        from neuralfx_training.model import PedalNet

        self.torch = torch
        self.model = PedalNet.from_weights(config, weights).eval()
        self.config = config
        self.reset()

    def reset(self) -> None:
        k = self.config.kernel_size
        self.history = [
            self.torch.zeros(1, self.config.layer_inputs(i), (k - 1) * d) for i, d in enumerate(self.config.dilations)
        ]
        with self.torch.no_grad():  # silence before t = 0
            self.process(np.zeros(self.config.receptive_field - 1, np.float32))

    def process(self, x: np.ndarray) -> np.ndarray:
        torch, c = self.torch, self.config.channels
        with torch.no_grad():
            h = torch.from_numpy(x)[None, None]
            gated = []
            for i, layer in enumerate(self.model.layers):
                full = torch.cat([self.history[i], h], dim=2)
                self.history[i] = full[:, :, full.shape[2] - self.history[i].shape[2] :]
                z = layer.conv(full)
                a = torch.tanh(z[:, :c]) * torch.sigmoid(z[:, c:])
                gated.append(a)
                if layer.residual is not None:
                    h = h + layer.residual(a)
            return self.model.mix(torch.cat(gated, dim=1))[0, 0].numpy()


def rtf(process, block: int, seconds: float, repeats: int) -> float:
    x = np.random.default_rng(0).uniform(-0.5, 0.5, int(seconds * SAMPLE_RATE)).astype(np.float32)
    n = len(x) // block * block
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(0, n, block):
            process(x[i : i + block])
        times.append((time.perf_counter() - start) / (n / SAMPLE_RATE))
    return statistics.median(times)


def import_seconds(repeats: int = 5) -> float:
    code = "import time; t = time.perf_counter(); import neuralfx; print(time.perf_counter() - t)"
    return statistics.median(
        float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
        for _ in range(repeats)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="audio per repeat")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-torch", action="store_true", help="skip the torch reference")
    args = parser.parse_args()

    config = PedalNetConfig()
    rng = np.random.default_rng(0)
    weights = {k: (rng.standard_normal(s) * 0.2).astype(np.float32) for k, s in config.weight_shapes().items()}
    engine = PedalNetModel(config, weights).stream()
    out = np.empty(max(BLOCKS), np.float32)
    engines = {"numpy": lambda x: engine.process(x, out[: x.size])}
    if not args.no_torch:
        import torch

        torch.set_num_threads(1)
        reference = CachedTorchStream(config, weights)
        check = np.random.default_rng(1).uniform(-0.5, 0.5, 5000).astype(np.float32)
        engine.reset()
        error = np.abs(engine.process(check) - reference.process(check)).max()
        print(f"numpy vs cached torch, max abs difference on 5,000 samples: {error:.1e}")
        engines["cached torch"] = reference.process

    print(f"24×16 PedalNet ({config.num_parameters():,} weights, receptive field {config.receptive_field}),")
    print(f"{SAMPLE_RATE} Hz, 1 thread, RTF = median of {args.repeats} × {args.seconds} s (lower is better)\n")
    header = "| block | " + " | ".join(engines) + (" | torch / numpy |" if len(engines) > 1 else " |")
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for block in BLOCKS:
        values = [rtf(fn, block, args.seconds, args.repeats) for fn in engines.values()]
        ratio = f" {values[1] / values[0]:.1f}× |" if len(values) > 1 else ""
        print(f"| {block} | " + " | ".join(f"{v:.3f}" for v in values) + " |" + ratio)
    print(f"\n`import neuralfx`: {import_seconds():.3f} s (median of 5 fresh interpreters)")


if __name__ == "__main__":
    main()
