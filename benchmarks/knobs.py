"""What a pedal's knobs cost while playing: the 24×16 PedalNet with Drive and Tone (FiLM or bias
conditioning) held still and turning every block, beside the same network without knobs.

Held still, the knobs' modulation is folded into the layer weights once, so a block costs what it
costs without knobs; turning, each block glides the gains and shifts sample by sample. RTF =
processing time / audio duration, median of the repeats, one thread, 48 kHz, the three engines
interleaved in each repeat so that the machine's load falls on all of them alike.

    python benchmarks/knobs.py [--seconds 1.0] [--repeats 9]
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["OMP_NUM_THREADS"] = "1"

import argparse
import statistics
import time

import numpy as np

from neuralfx.models import PedalNetConfig, PedalNetModel
from neuralfx.models.pedalnet import Knob

SAMPLE_RATE = 48000
BLOCKS = (64, 128, 256, 1024)
KNOBS = (Knob("drive", 0, 10, 5), Knob("tone", 0, 10, 5))


def model(config: PedalNetConfig) -> PedalNetModel:
    rng = np.random.default_rng(0)
    weights = {k: (rng.standard_normal(s) * 0.2).astype(np.float32) for k, s in config.weight_shapes().items()}
    return PedalNetModel(config, weights)


def timings(streams: dict, block: int, seconds: float, repeats: int) -> dict[str, float]:
    """Median RTF of each stream, the streams taking turns within each repeat."""
    x = np.random.default_rng(1).uniform(-0.5, 0.5, int(seconds * SAMPLE_RATE)).astype(np.float32)
    out = np.empty(block, np.float32)
    n = len(x) // block * block
    times: dict[str, list[float]] = {name: [] for name in streams}
    for _ in range(repeats):
        for name, (stream, turning) in streams.items():
            start = time.perf_counter()
            for b, i in enumerate(range(0, n, block)):
                if turning:  # a new position every block: the knob never rests
                    stream.set_parameter("drive", 5 + 5 * np.sin(b / 50))
                stream.process(x[i : i + block], out)
            times[name].append((time.perf_counter() - start) / (n / SAMPLE_RATE))
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="audio per repeat")
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()

    plain = model(PedalNetConfig())
    print(f"24×16 PedalNet, {SAMPLE_RATE} Hz, 1 thread, RTF = median of {args.repeats} × {args.seconds} s\n")
    print("| block | no knobs | film, still | film, turning | bias, still | still / no knobs (film, bias) |")
    print("|---|---|---|---|---|---|")
    for block in BLOCKS:
        film = model(PedalNetConfig(knobs=KNOBS, conditioning="film"))
        bias = model(PedalNetConfig(knobs=KNOBS, conditioning="bias"))
        streams = {
            "plain": (plain.stream(), False),
            "film": (film.stream(), False),
            "film turning": (film.stream(), True),
            "bias": (bias.stream(), False),
        }
        t = timings(streams, block, args.seconds, args.repeats)
        ratios = f"{t['film'] / t['plain']:.2f}×, {t['bias'] / t['plain']:.2f}×"
        print(
            f"| {block} | {t['plain']:.3f} | {t['film']:.3f} | {t['film turning']:.3f} | {t['bias']:.3f} | {ratios} |"
        )


if __name__ == "__main__":
    main()
