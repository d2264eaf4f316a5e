"""NAM models: neuralfx's engines beside NAM Core (NAM's C++ engine) on this machine, interleaved.

Real-time factor (RTF) = processing time / audio duration, one thread, median of repeats (lower
is better): the model is reset, fed `--warm` samples untimed, then `--seconds` of uniform noise
in blocks, each block timed. NAM Core runs through `namrun serve` (native build, fast tanh as in
NAM's plugin; the "exact" column is NAM Core with std::tanh). neuralfx's tanh is exact (within
1.5 ulp of float32, as libm's tanhf). Then the whole-file speed of the 3-channel A2 model.

    python benchmarks/nam.py [--seconds 2] [--repeats 5] [--blocks 32,64,128,256,512] [--namrun PATH]

Run it alone on the machine (`flock /tmp/neuralfx-cpu.lock python benchmarks/nam.py`): ratios
within one run are what count.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from neuralfx.preset import load_preset

SHARED = Path(__file__).resolve().parents[2] / "shared"
DATA = SHARED / "data" / "nam"
BUILD = SHARED / "tools" / "namcore" / "build.sh"
MODELS = [  # name, file, model_size (NAM's slim value)
    ("A1 standard", "wavenet_a1_standard.nam", None),
    ("LSTM 1x3", "lstm.nam", None),
    ("A2 3-ch", "a2.nam", 0.25),
    ("A2 8-ch", "a2.nam", 0.75),
]


class NamCore:
    """`namrun serve`: NAM Core timing itself, one command at a time."""

    def __init__(self, binary: Path) -> None:
        self.process = subprocess.Popen(
            [str(binary), "serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.loaded: dict[str, str] = {}
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("namrun serve did not start")

    def ask(self, line: str) -> list[str]:
        self.process.stdin.write(line + "\n")
        reply = self.process.stdout.readline().split()
        if not reply or reply[0] != "ok":
            raise RuntimeError(f"namrun: {line!r} -> {' '.join(reply)}")
        return reply

    def rtf(
        self, path: Path, slim: float | None, fast_tanh: bool, block: int, seconds: float, warm: int
    ) -> tuple[float, float]:
        """(RTF, p99 of per-block time / block duration)."""
        key = f"{path}|{slim}|{int(fast_tanh)}"
        if key not in self.loaded:
            self.loaded[key] = f"m{len(self.loaded)}"
            self.ask(f"load {self.loaded[key]} {path} {'-' if slim is None else slim} {int(fast_tanh)}")
        reply = self.ask(f"run {self.loaded[key]} {block} {seconds} {warm}")
        return float(reply[4]), float(reply[6])

    def close(self) -> None:
        self.process.stdin.write("quit\n")
        self.process.stdin.close()
        self.process.wait(timeout=10)


def noise(n: int, seed: int = 12345) -> np.ndarray:
    return (np.random.default_rng(seed).random(n) - 0.5).astype(np.float32)


def ours_rtf(stream, block: int, seconds: float, warm: int, rate: int) -> tuple[float, float]:
    """(RTF, p99 of per-block time / block duration) of one timed run."""
    blocks = max(1, int(seconds * rate) // block)
    x = noise(warm + blocks * block)
    out = np.empty_like(x)
    stream.reset()
    for start in range(0, warm - block + 1, block):
        stream.process(x[start : start + block], out[start : start + block])
    times = np.empty(blocks)
    clock = time.perf_counter
    for i in range(blocks):
        start = warm + i * block
        t0 = clock()
        stream.process(x[start : start + block], out[start : start + block])
        times[i] = clock() - t0
    duration = block / rate
    return float(times.sum() / (blocks * duration)), float(np.quantile(times, 0.99) / duration)


def stream_for(preset, size: float | None):
    stream = preset.model.stream()
    if size is not None:
        stream.set_parameter("model_size", size)
        stream.reset()
    return stream


def whole_file_speed(preset, size: float | None, seconds: float, repeats: int) -> float:
    """× real time rendering `seconds` of audio in one call (the engine splits it itself)."""
    x = noise(int(seconds * preset.sample_rate), seed=7)
    out = np.empty_like(x)
    speeds = []
    for _ in range(repeats):
        stream = stream_for(preset, size)
        t0 = time.perf_counter()
        stream.process(x, out)
        speeds.append(seconds / (time.perf_counter() - t0))
    return statistics.median(speeds)


def find_namrun(given: str | None) -> Path | None:
    if given:
        return Path(given)
    if BUILD.is_file():
        folder = subprocess.run([str(BUILD), "--print-dir", "native"], capture_output=True, text=True).stdout.strip()
        if (Path(folder) / "namrun").is_file():
            return Path(folder) / "namrun"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--warm", type=int, default=4096)
    parser.add_argument("--blocks", default="32,64,128,256,512")
    parser.add_argument("--namrun", help="NAM Core's namrun (default: the native build of ../shared/tools/namcore)")
    parser.add_argument("--file-seconds", type=float, default=60.0, help="audio for the whole-file speed")
    args = parser.parse_args()
    if not DATA.is_dir():
        sys.exit(f"NAM models not found at {DATA}")
    blocks = [int(b) for b in args.blocks.split(",")]
    binary = find_namrun(args.namrun)
    # Two servers: NAM Core's fast-tanh switch is process-wide (an LSTM reads it while it plays).
    core = NamCore(binary) if binary else None
    core_exact = NamCore(binary) if binary else None
    if core is None:
        print(f"# NAM Core's namrun not found: build it with {BUILD} native", file=sys.stderr)

    print(f"# RTF, one thread, median of {args.repeats} x {args.seconds} s; ratio = neuralfx / NAM Core (fast tanh)")
    print(f"{'model':<12} {'block':>5} {'neuralfx':>9} {'p99':>7} {'NAM Core':>9} {'p99':>7} {'exact':>7} {'ratio':>6}")
    for name, file, size in MODELS:
        preset = load_preset(DATA / file)
        stream = stream_for(preset, size)
        for block in blocks:
            ours, ours_p99, theirs, theirs_p99, exact = [], [], [], [], []
            for _ in range(args.repeats):  # interleaved: both see the same machine state
                rtf, p99 = ours_rtf(stream, block, args.seconds, args.warm, preset.sample_rate)
                ours.append(rtf)
                ours_p99.append(p99)
                if core:
                    rtf, p99 = core.rtf(DATA / file, size, True, block, args.seconds, args.warm)
                    theirs.append(rtf)
                    theirs_p99.append(p99)
                    exact.append(core_exact.rtf(DATA / file, size, False, block, args.seconds, args.warm)[0])
            mine = statistics.median(ours)
            row = f"{name:<12} {block:>5} {mine:>9.4f} {statistics.median(ours_p99):>7.4f}"
            if core:
                nam, nam_exact = statistics.median(theirs), statistics.median(exact)
                row += f" {nam:>9.4f} {statistics.median(theirs_p99):>7.4f} {nam_exact:>7.4f} {mine / nam:>6.2f}"
            print(row, flush=True)
    if core:
        core.close()
        core_exact.close()

    preset = load_preset(DATA / "a2.nam")
    speed = whole_file_speed(preset, 0.25, args.file_seconds, 3)
    print(f"# whole file, A2 3-ch, {args.file_seconds:g} s in one call: {speed:.0f}x real time on one core")


if __name__ == "__main__":
    main()
